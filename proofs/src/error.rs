//! Why a proof cannot be built.

use primitive_types::H256;
use svm_state::{Address, StateError};
use svm_trie::TrieError;
use svm_verify::VerifyError;
use svm_verify::layout::LayoutError;

/// Why a proof cannot be built.
#[derive(Debug, thiserror::Error)]
pub enum ProveError {
    /// The database never committed this root.
    #[error("the database holds no committed root {0:#x}")]
    UnknownRoot(H256),
    /// The account exists but holds no contract.
    #[error("the account {0:#x} holds no contract")]
    NotAContract(Address),
    /// The variable is not in the contract's layout.
    #[error("contract {address:#x}: {source}")]
    NoSuchVariable {
        /// The contract.
        address: Address,
        /// Why.
        source: LayoutError,
    },
    /// The contract's code is missing or declares no valid layout.
    #[error("contract {address:#x}: its code is missing or unusable: {why}")]
    Code {
        /// The contract.
        address: Address,
        /// Why.
        why: String,
    },
    /// The element's path does not fit the structure variable's kind.
    #[error("contract {address:#x}: {source}")]
    BadPath {
        /// The contract.
        address: Address,
        /// Why.
        source: svm_verify::structure::StructureError,
    },
    /// No block was committed at this height.
    #[error("no block was committed at height {0}")]
    NoBlock(u64),
    /// The block has no receipt at this index.
    #[error("block {height} holds {receipts} receipts, none at index {index}")]
    NoReceipt {
        /// The block's height.
        height: u64,
        /// The index asked for.
        index: u64,
        /// How many receipts the block holds.
        receipts: u64,
    },
    /// The state below failed.
    #[error(transparent)]
    State(#[from] StateError),
    /// Reading the trie failed (a missing or corrupt node).
    #[error(transparent)]
    Trie(#[from] TrieError),
    /// The proof built does not verify: the stored state is corrupt.
    #[error("the proof built does not verify (corrupt state?): {0}")]
    Verify(#[from] VerifyError),
}

impl From<svm_verify::range::RangeError> for ProveError {
    fn from(e: svm_verify::range::RangeError) -> Self {
        ProveError::Verify(e.into())
    }
}
