//! svm-verify: checking svm state proofs with nothing but a trusted world
//! root. `no_std` + `alloc`; depends only on keccak (and `thiserror`'s
//! derive), so it builds for `wasm32-unknown-unknown` and embeds in light
//! clients.
//!
//! - [`VariableProof`]: one contract variable (or the account's absence) under
//!   a world root: the account's path in the world trie (EIP-1186
//!   `accountProof`), optionally the contract's code (carrying its layout),
//!   and the path of every page the variable spans in the storage trie.
//! - [`MultiProof`]: many variables across many contracts, every node once.
//! - [`ReceiptProof`]: one receipt of a block, against its receipts root.
//! - [`ElementProof`]: one element of a structure variable, nested to any
//!   depth (account → handle → each structure's path).
//! - [`ElementMultiProof`]: many elements across contracts and depths,
//!   every node once.
//! - [`RangeProof`]: every member of a sorted set in a range, nothing
//!   missing (its nodes cover every subtree that can hold one).
//! - [`binary`]: the compact encoding of them; `json` (feature `json`):
//!   their JSON form, shaped like an `eth_getProof` answer.
//! - [`layout`]: storage layouts (svm-format, shared with svm-state), [`mpt`]: Ethereum
//!   Merkle-Patricia path proofs, [`Account`]: the account record.
//!
//! Verification never panics and never returns a wrong value: any change to
//! a proof either fails with a [`VerifyError`] or proves the same facts.

#![no_std]
#![cfg_attr(not(test), warn(unused_crate_dependencies))]

extern crate alloc;

#[cfg(feature = "json")]
mod any;
pub mod binary;
mod element;
mod element_multi;
mod error;
#[cfg(feature = "json")]
pub mod json;
pub mod mpt;
mod multi;
mod receipt;
mod sorted_range;
mod variable;

#[cfg(feature = "json")]
pub use any::{AnyProofError, Proven, verify_any, verify_any_with};
pub use element::{ElementProof, ElementValue, PathKey, ProvenElement};
pub use element_multi::{ElementMultiProof, ElementRequest};
pub use error::VerifyError;
pub use multi::{ContractNodes, MultiProof, Request};
pub use page::page_key;
pub use receipt::ReceiptProof;
pub use sorted_range::{ProvenRange, RangeProof};
/// How code carries its layout (svm-format).
pub use svm_format::code as wasm;
/// Events as receipts record them (svm-format).
pub use svm_format::event::Event;
/// Receipts as consensus records them (svm-format).
pub use svm_format::receipt::{FailureCode, ReceiptRecord, receipt_key};
/// The formats svm-state stores by (svm-format): layouts, pages, accounts,
/// canonical RLP.
pub use svm_format::{
    Account, Address, EMPTY_CODE_HASH, EMPTY_ROOT, Hash, keccak256, layout, page, range, rlp,
    structure, world_key,
};
pub use variable::{PageProof, ProvenVariable, VariableProof};
