#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| svm_fuzzing::snapshot_range(data));
