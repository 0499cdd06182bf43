//! What stops the VM itself: the node's failures and invalid transactions.
//! Neither is a receipt. A node failure (the database, memory, the compiler)
//! would not happen on another node, so recording it in a receipt would fork
//! the chain; an invalid transaction (a gas limit out of bounds) or an
//! over-full block cannot be part of a valid block. Either way nothing is
//! committed and the block must be retried or refused as a whole.

use svm_state::StateError;

/// Why a transaction or block could not be executed at all.
#[derive(Debug, thiserror::Error)]
pub enum VmError {
    /// The state database failed (I/O, a missing or corrupt node or code).
    #[error("state database: {0}")]
    State(#[from] StateError),
    /// The engine failed for reasons of this node: instantiating (memory,
    /// address space), compiling code that validated, a stack overflow, or
    /// memory growth refused within the contract's declared maximum.
    #[error("execution engine: {0}")]
    Engine(String),
    /// The transaction cannot be part of a block.
    #[error("invalid transaction {index}: {reason}")]
    InvalidTx {
        /// Its position in the block (0 for a single transaction).
        index: usize,
        /// Why.
        reason: String,
    },
    /// The transactions' gas limits add up to more than a block may use.
    #[error("the block's gas limits add up to {total}, more than the maximum {max}")]
    BlockGasLimit {
        /// The sum of the transactions' gas limits.
        total: u128,
        /// The maximum.
        max: u64,
    },
}
