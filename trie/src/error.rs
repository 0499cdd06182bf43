//! Errors of trie operations.

use crate::{DecodeError, H256, StoreError};

/// Why a trie operation failed.
#[derive(Debug, thiserror::Error)]
pub enum TrieError {
    /// A node the trie needs is not in the store (or the root is unknown).
    #[error("trie node {0:#x} is missing from the store")]
    MissingNode(H256),
    /// A stored node's bytes do not hash to the key they are stored under.
    #[error("trie node {0:#x} is corrupt: its bytes do not hash to its key")]
    HashMismatch(H256),
    /// A stored node does not decode.
    #[error("trie node {hash:#x} is corrupt: {source}")]
    CorruptNode {
        /// The node's hash.
        hash: H256,
        /// What is wrong with it.
        source: DecodeError,
    },
    /// The stored nodes describe a key with an odd number of nibbles.
    #[error("the trie's nodes describe a key with an odd number of nibbles")]
    OddKey,
    /// A key is longer than [`crate::MAX_KEY_LEN`].
    #[error("a key of {0} bytes is longer than the {max} allowed", max = crate::MAX_KEY_LEN)]
    KeyTooLong(usize),
    /// Entries given as sorted are not: the key at this position is not
    /// greater than the one before it.
    #[error("entry {0} is out of order: its key is not greater than the one before it")]
    Unsorted(usize),
    /// A range's end is before its start.
    #[error("the range's end is before its start")]
    InvalidRange,
    /// The node store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// An earlier error interrupted a mutation; uncommitted changes are lost.
    #[error("the trie was left unusable by an earlier error; reopen it at its last committed root")]
    Poisoned,
}
