//! svm-verify: checking svm state proofs with nothing but a trusted world
//! root. `no_std` + `alloc`; depends only on keccak (and `thiserror`'s
//! derive), so it builds for `wasm32-unknown-unknown` and embeds in light
//! clients.
//!
//! - [`SliceProof`]: one contract variable (or the account's absence) under
//!   a world root: the account's path in the world trie (EIP-1186
//!   `accountProof`), optionally the contract's code (carrying its layout),
//!   and the path of every page the variable spans in the storage trie.
//! - [`MultiProof`]: many variables across many contracts, every node once.
//! - [`binary`]: the compact encoding of both.
//! - [`layout`]: storage layouts (svm-format, shared with svm-state), [`mpt`]: Ethereum
//!   Merkle-Patricia path proofs, [`Account`]: the account record.
//!
//! Verification never panics and never returns a wrong value: any change to
//! a proof either fails with a [`VerifyError`] or proves the same facts.

#![no_std]
#![cfg_attr(not(test), warn(unused_crate_dependencies))]

extern crate alloc;

mod account;
pub mod binary;
mod error;
mod hash;
pub mod mpt;
mod multi;
mod rlp;
mod slice;
pub mod wasm;

pub use account::{Account, EMPTY_CODE_HASH, world_key};
pub use error::VerifyError;
pub use hash::keccak256;
pub use mpt::EMPTY_ROOT;
pub use multi::{ContractNodes, MultiProof, Request};
pub use page::page_key;
pub use slice::{PageProof, ProvenSlice, SliceProof};
/// Storage layouts and pages: the rules svm-state stores by (svm-format).
pub use svm_format::{layout, page};

/// A 20-byte account address.
pub type Address = [u8; 20];
/// A 32-byte hash.
pub type Hash = [u8; 32];
