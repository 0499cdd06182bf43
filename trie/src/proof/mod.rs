//! Proofs that light clients and syncing nodes check against a root.
//!
//! - [`prove`] / [`verify`]: one key, EIP-1186 form — the RLP nodes referenced
//!   by hash along the key's path, root first. Proves a value or its absence.
//! - [`prove_many`] / [`verify_many`]: many keys, every node sent once.
//! - [`prove_range`] / [`verify_range`]: every entry of a key range plus the
//!   nodes on the range's two boundary paths (Ethereum's snap-sync form), so a
//!   receiver can check that a chunk is complete and correct.
//!
//! Provers read committed nodes from a [`crate::NodeStore`]. Verifiers use only
//! keccak256 and the node codec, and never panic on any input. The path walk
//! and the path and multiproof checks are svm-format's ([`svm_format::mpt`]),
//! shared with svm-verify.

mod multi;
mod nodes;
mod range;
mod single;

pub use multi::{MultiProof, prove_many, verify_many};
pub use range::{RangeProof, prove_range, prove_range_capped, verify_range, verify_range_nodes};
pub use single::{KeyProof, prove, verify};

use crate::{DecodeError, H256};

impl From<svm_format::mpt::ProofError> for ProofError {
    fn from(e: svm_format::mpt::ProofError) -> Self {
        use svm_format::mpt::ProofError as P;
        match e {
            P::MissingNode(h) => ProofError::MissingNode(H256(h)),
            P::HashMismatch { index, expected } => ProofError::HashMismatch {
                index,
                expected: H256(expected),
            },
            P::Malformed(e) => ProofError::Malformed(e),
            P::UnusedNodes(n) => ProofError::UnusedNodes(n),
            P::DuplicateNode(h) => ProofError::DuplicateNode(H256(h)),
        }
    }
}

/// Why a proof does not verify.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProofError {
    /// A node the key's path needs is not in the proof.
    #[error("the proof lacks node {0:#x}")]
    MissingNode(H256),
    /// A proof node does not hash to the reference its parent (or the root) holds.
    #[error("proof node {index} does not hash to {expected:#x}")]
    HashMismatch {
        /// Position of the node in the proof.
        index: usize,
        /// The hash the path expects.
        expected: H256,
    },
    /// A proof node is not a valid trie node.
    #[error("proof node is malformed: {0}")]
    Malformed(#[from] DecodeError),
    /// The proof carries nodes the verification never used.
    #[error("the proof carries {0} node(s) not on any proven path")]
    UnusedNodes(usize),
    /// The same node appears twice.
    #[error("the proof lists node {0:#x} more than once")]
    DuplicateNode(H256),
    /// The proof's nodes describe a key with an odd number of nibbles.
    #[error("the proof's nodes describe a key with an odd number of nibbles")]
    OddKey,
    /// Range entries are not in strictly increasing key order.
    #[error("range entries are not in strictly increasing key order (entry {0})")]
    Unordered(usize),
    /// A range entry lies outside the proven range.
    #[error("range entry {0} lies outside the proven range")]
    OutOfRange(usize),
    /// A range entry has an empty value (empty values are never stored).
    #[error("range entry {0} has an empty value")]
    EmptyValue(usize),
    /// A range bound or entry key is longer than [`crate::MAX_KEY_LEN`].
    #[error("range key {0} is longer than the {max} bytes allowed", max = crate::MAX_KEY_LEN)]
    KeyTooLong(usize),
    /// The range's end is before its start.
    #[error("the range's end is before its start")]
    BadRange,
    /// The entries plus the proof do not rebuild the root: entries are missing,
    /// extra or altered.
    #[error("the entries and proof do not rebuild the root {expected:#x} (got {got:#x})")]
    RootMismatch {
        /// The root to verify against.
        expected: H256,
        /// The root the entries and proof rebuild.
        got: H256,
    },
}
