module svm

go 1.19
