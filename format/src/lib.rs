//! svm-format: the consensus formats every layer shares, written once, at
//! the bottom of the stack (`no_std` + `alloc`, no hashing): the storage
//! [`layout`] (variables packed into pages, and the `svm-layout` section's
//! encoding) and the [`page`] rules (page keys, trimming). svm-state stores
//! pages by them, the prover and the verifier (svm-verify) cut variables out
//! of proven pages by them. The rules are specified in docs/FORMATS.md.

#![no_std]
#![cfg_attr(not(test), warn(unused_crate_dependencies))]

extern crate alloc;

pub mod layout;
pub mod page;
