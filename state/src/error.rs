//! Errors of the state database.

use primitive_types::{H256, U256};
use svm_trie::TrieError;

use crate::code::CodeError;
use crate::kv::KvError;
use crate::layout::LayoutError;
use crate::page::PageError;
use crate::{Address, WorldError};

/// Why a state operation failed. A failed operation changes nothing.
#[derive(Debug, thiserror::Error)]
pub enum StateError {
    /// The root was never committed to this database.
    #[error("unknown state root {0:#x}: it was never committed to this database")]
    UnknownRoot(H256),
    /// A structure operation that does not fit the structure's kind (a key
    /// into a list, a member of a map, bytes into a structure element …).
    #[error("wrong structure: {0}")]
    WrongStructure(&'static str),
    /// A list index at or past the list's length.
    #[error("index {index} is outside the list's {len} elements")]
    IndexOutOfRange {
        /// The index.
        index: u64,
        /// The list's length.
        len: u64,
    },
    /// A structure's stored handle or leaf breaks its format.
    #[error("corrupt structure: {0}")]
    CorruptStructure(&'static str),
    /// A key, member or value breaks a structure's limits or format.
    #[error("structure: {0}")]
    Structure(#[from] svm_format::structure::StructureError),
    /// No account at this address.
    #[error("no account at {0:#x}")]
    NoAccount(Address),
    /// The account has no code, so no storage layout.
    #[error("account {0:#x} is not a contract")]
    NotAContract(Address),
    /// An account already exists at this address.
    #[error("an account already exists at {0:#x}")]
    AccountExists(Address),
    /// The variable index is outside the contract's layout.
    #[error("contract {address:#x}: {source}")]
    NoSuchVariable {
        /// The contract.
        address: Address,
        /// Which index, and how many variables there are.
        source: LayoutError,
    },
    /// A write's length is not the variable's length.
    #[error("contract {address:#x}: variable {index} is {expected} bytes, not {got}")]
    VariableLength {
        /// The contract.
        address: Address,
        /// The variable.
        index: u32,
        /// The variable's length.
        expected: u32,
        /// The length written.
        got: usize,
    },
    /// The page index is outside the contract's layout.
    #[error("contract {address:#x}: page {index} is outside its {pages} pages")]
    NoSuchPage {
        /// The contract.
        address: Address,
        /// The page asked for.
        index: u32,
        /// How many pages the layout spans.
        pages: u64,
    },
    /// A stored page is malformed.
    #[error("contract {address:#x}: page {index} is corrupt: {source}")]
    CorruptPage {
        /// The contract.
        address: Address,
        /// The page.
        index: u32,
        /// What is wrong.
        source: PageError,
    },
    /// The account's code is not in the code store.
    #[error("code {0:#x} is missing from the code store")]
    MissingCode(H256),
    /// A transfer or debit exceeds the balance.
    #[error("account {address:#x} holds {balance}, less than {needed}")]
    InsufficientBalance {
        /// The account debited.
        address: Address,
        /// Its balance.
        balance: U256,
        /// The amount asked for.
        needed: U256,
    },
    /// A credit would overflow 256 bits.
    #[error("the balance of {0:#x} would overflow")]
    BalanceOverflow(Address),
    /// The nonce would overflow 64 bits.
    #[error("the nonce of {0:#x} would overflow")]
    NonceOverflow(Address),
    /// `commit_checkpoint` or `revert_checkpoint` without an open checkpoint.
    #[error("no checkpoint is open")]
    NoCheckpoint,
    /// A session opened on a past root cannot change state.
    #[error("this session reads state at a past root and cannot write")]
    ReadOnly,
    /// The session's state is not the head any more (another commit happened).
    #[error("the session started at {base:#x} but the head is now {head:#x}")]
    StaleBase {
        /// The root the session started from.
        base: H256,
        /// The current head.
        head: H256,
    },
    /// The root was committed, but pruned: the database keeps only the
    /// last roots.
    #[error(
        "state root {root:#x} (commit {seq}) was pruned: this database keeps the roots of commits {kept_from} and later"
    )]
    Pruned {
        /// The root.
        root: H256,
        /// The last commit that produced it.
        seq: u64,
        /// The lowest commit whose root is kept.
        kept_from: u64,
    },
    /// A stored node does not decode as its place in the state says it
    /// must.
    #[error("trie node {hash:#x} is corrupt: {reason}")]
    CorruptNode {
        /// The node's hash.
        hash: H256,
        /// What is wrong.
        reason: String,
    },
    /// Another snapshot's adoption was interrupted; it must be adopted (or
    /// the database rebuilt) first.
    #[error("the adoption of state root {0:#x} was interrupted: adopt it first")]
    AdoptionPending(H256),
    /// The metadata column is corrupt.
    #[error("database metadata is corrupt ({0})")]
    CorruptMeta(&'static str),
    /// Code could not be stored or read.
    #[error(transparent)]
    Code(#[from] CodeError),
    /// The world trie failed.
    #[error(transparent)]
    World(#[from] WorldError),
    /// A storage trie failed.
    #[error(transparent)]
    Trie(#[from] TrieError),
    /// The key-value store failed.
    #[error(transparent)]
    Kv(#[from] KvError),
}
