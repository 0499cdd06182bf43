//! svm-sdk: svm contracts in ordinary Rust.
//!
//! A contract is a `cdylib` crate built for `wasm32-unknown-unknown` (see
//! `svm-sdk-build`, which also lowers what the Rust toolchain emits to the
//! instructions svm accepts). It declares its storage once:
//!
//! ```ignore
//! #[svm_sdk::storage]
//! struct Token {
//!     supply: u64,
//!     balances: svm_sdk::Map<svm_sdk::Address, u64>,
//! }
//! ```
//!
//! which emits the module's `svm-layout` section and typed accessors
//! (`Token::supply().get()`, `Token::balances().set(&who, &n)`), so the
//! layout cannot disagree with the code using it; and exports functions:
//!
//! ```ignore
//! #[svm_sdk::export]
//! fn mint(to: svm_sdk::Address, amount: u64) -> u64 { … }
//! ```
//!
//! Integer and `bool` parameters arrive as WebAssembly integers (`i32:N`,
//! `i64:N` arguments); every other parameter type arrives as bytes. A
//! result becomes the call's return data, a panic or an `Err(&str)` stops
//! the call with that message (nothing it did is kept). Encodings: see
//! [`codec`].
#![cfg_attr(not(test), no_std)]

extern crate alloc;

pub mod calls;
pub mod codec;
pub mod entry;
pub mod env;
pub mod layout;
mod output;
pub mod registers;
pub mod storage;
mod sys;

#[cfg(not(target_arch = "wasm32"))]
mod host;
#[cfg(target_arch = "wasm32")]
mod runtime;

pub use calls::{Args, CallFailed, call, delegate_call};
pub use codec::{Fixed, Key, Value};
pub use env::{
    Address, Amount, InsufficientBalance, address, balance, block_height, block_time, caller,
    transfer, value,
};
pub use output::{MAX_TOPICS, abort, emit, log, set_return};
pub use storage::{List, Map, Set, SortedSet, Var};
pub use svm_sdk_macros::{export, storage};

pub use alloc::string::String;
pub use alloc::vec::Vec;
