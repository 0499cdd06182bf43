//! A counter: one u64 variable (little-endian), the Rust twin of
//! examples/contracts/counter.wat.
#![no_std]

use svm_sdk::{export, log, storage};

#[storage]
struct Counter {
    /// The count.
    value: u64,
}

/// Adds `by` (wrapping) and logs the new value.
#[export]
fn increment(by: i64) {
    let v = Counter::value().update(|v| v.wrapping_add(by as u64));
    log(&v.to_le_bytes());
}

/// The count.
#[export]
fn get() -> u64 {
    Counter::value().get()
}

/// Writes 999, then fails: nothing is kept.
#[export]
fn fail_after_write() {
    Counter::value().set(&999);
    panic!("failing after a write");
}
