// Package svm embeds the svm state engine in a Go program: open a state
// database, deploy and call WebAssembly contracts, execute blocks of
// transactions, read any committed state, prove it to light clients and
// verify such proofs.
//
// It wraps svm's C API (ffi/include/svm.h, libsvm_ffi). Every DB and VM may
// be used from any number of goroutines: transactions on one database run
// one at a time, reads and proofs beside them. Close waits for calls in
// flight. Errors are *Error values carrying a Status; compare them with
// errors.Is against ErrNotFound, ErrInvalidTx and the others.
//
// Building: the library comes from `cargo build --release` in the
// repository; the package links target/release/libsvm_ffi.so, or the
// directory named in CGO_LDFLAGS (-L DIR -Wl,-rpath,DIR).
package svm

/*
#cgo CFLAGS: -I${SRCDIR}/../ffi/include
#cgo LDFLAGS: -L${SRCDIR}/../target/release -lsvm_ffi -Wl,-rpath,${SRCDIR}/../target/release
#include <stdlib.h>
#include "svm.h"
*/
import "C"

import (
	"fmt"
	"runtime"
	"unsafe"
)

// Hash is a 32-byte root or code hash.
type Hash [32]byte

// String is the hash as 0x hex.
func (h Hash) String() string { return fmt.Sprintf("%#x", h[:]) }

// Address is a 20-byte account address.
type Address [20]byte

// String is the address as 0x hex.
func (a Address) String() string { return fmt.Sprintf("%#x", a[:]) }

// Status is the C API's status code of a failed call.
type Status int

// The statuses (svm.h, SvmStatus).
const (
	StatusNullPointer  Status = C.SVM_STATUS_NULL_POINTER
	StatusBadHandle    Status = C.SVM_STATUS_BAD_HANDLE
	StatusInvalidInput Status = C.SVM_STATUS_INVALID_INPUT
	StatusNotFound     Status = C.SVM_STATUS_NOT_FOUND
	StatusInvalidTx    Status = C.SVM_STATUS_INVALID_TX
	StatusProofInvalid Status = C.SVM_STATUS_PROOF_INVALID
	StatusNode         Status = C.SVM_STATUS_NODE
	StatusReadOnly     Status = C.SVM_STATUS_READ_ONLY
	StatusPanic        Status = C.SVM_STATUS_PANIC
)

var statusNames = map[Status]string{
	StatusNullPointer:  "null pointer",
	StatusBadHandle:    "bad handle",
	StatusInvalidInput: "invalid input",
	StatusNotFound:     "not found",
	StatusInvalidTx:    "invalid transaction",
	StatusProofInvalid: "proof invalid",
	StatusNode:         "node failure",
	StatusReadOnly:     "read-only",
	StatusPanic:        "panic",
}

// String names the status.
func (s Status) String() string {
	if n, ok := statusNames[s]; ok {
		return n
	}
	return fmt.Sprintf("status %d", int(s))
}

// Error is a failed call: its status and svm's message.
type Error struct {
	Status  Status
	Message string
}

func (e *Error) Error() string { return fmt.Sprintf("svm: %s: %s", e.Status, e.Message) }

// Is matches another *Error of the same status, so errors.Is(err,
// svm.ErrNotFound) tests the kind of failure.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Status == e.Status
}

// Sentinels for errors.Is.
var (
	ErrNullPointer  = &Error{Status: StatusNullPointer}
	ErrBadHandle    = &Error{Status: StatusBadHandle}
	ErrInvalidInput = &Error{Status: StatusInvalidInput}
	ErrNotFound     = &Error{Status: StatusNotFound}
	ErrInvalidTx    = &Error{Status: StatusInvalidTx}
	ErrProofInvalid = &Error{Status: StatusProofInvalid}
	ErrNode         = &Error{Status: StatusNode}
	ErrReadOnly     = &Error{Status: StatusReadOnly}
	ErrPanic        = &Error{Status: StatusPanic}
)

// closed is the error of a call on a closed DB or VM.
func closed(what string) error {
	return &Error{Status: StatusBadHandle, Message: what + " is closed"}
}

// view lends b to C for one call (b must stay alive until it returns:
// callers end with runtime.KeepAlive).
func view(b []byte) C.SvmBytes {
	if len(b) == 0 {
		return C.SvmBytes{}
	}
	return C.SvmBytes{ptr: (*C.uint8_t)(unsafe.Pointer(&b[0])), len: C.size_t(len(b))}
}

// take copies a buffer svm handed out into Go memory and frees it.
func take(b *C.SvmBuffer) []byte {
	if b.ptr == nil {
		return nil
	}
	out := make([]byte, int(b.len))
	copy(out, unsafe.Slice((*byte)(unsafe.Pointer(b.ptr)), int(b.len)))
	C.svm_buffer_free(b)
	return out
}

// check turns a status and its error buffer into an error (nil on success).
func check(s C.SvmStatus, err *C.SvmBuffer) error {
	if s == C.SVM_STATUS_OK {
		take(err)
		return nil
	}
	return &Error{Status: Status(s), Message: string(take(err))}
}

// Version is the library's version.
func Version() string { return C.GoString(C.svm_version()) }

// Live is what svm holds for this process: open handles and buffers not
// yet freed (for leak checks: a program that closes everything sees the
// counts it started with).
func Live() (handles, buffers int) {
	l := C.svm_live()
	return int(l.handles), int(l.buffers)
}

// WatToWasm converts WebAssembly text to a module binary.
func WatToWasm(text []byte) ([]byte, error) {
	var out, errb C.SvmBuffer
	s := C.svm_wat_to_wasm(view(text), &out, &errb)
	runtime.KeepAlive(text)
	if err := check(s, &errb); err != nil {
		return nil, err
	}
	return take(&out), nil
}
