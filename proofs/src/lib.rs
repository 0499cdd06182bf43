//! svm-proofs: building state proofs for light clients from a
//! [`svm_state::StateDb`], and their JSON form. Verifying is
//! [`svm_verify`]'s (re-exported as [`verify`]), which needs nothing but
//! keccak and runs `no_std` and in wasm32.
//!
//! - [`prove_variable`]: one variable of one contract (or the account's
//!   absence) under a committed world root.
//! - [`prove_many`]: many variables across many contracts, every node once.
//! - [`prove_receipt`]: one receipt of a committed block, against the
//!   block's receipts root.
//! - [`json`]: proofs shaped like an `eth_getProof` answer, extended with the
//!   page and the placement; [`verify::binary`]: the compact encoding.

#![cfg_attr(not(test), warn(unused_crate_dependencies))]

mod error;
mod prove;

/// Proofs as JSON (svm-verify's, feature `json`): shaped like an
/// `eth_getProof` answer, extended with the page and the placement.
pub use svm_verify::json;

pub use error::ProveError;
pub use prove::{
    prove_element, prove_elements, prove_many, prove_range, prove_receipt, prove_variable,
};
pub use svm_verify as verify;
pub use svm_verify::{AnyProofError, Proven, verify_any, verify_any_with};
