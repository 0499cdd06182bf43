//! Receipts: what a transaction did, serializable to JSON.

use primitive_types::H256;
use serde::Serialize;
use svm_format::event::Event;
use svm_format::receipt::{FailureCode, ReceiptRecord, SUCCESS};
use svm_state::Address;

/// Why a transaction failed: only what the transaction and the state decide,
/// the same on every node (a node's own failure is a [`crate::VmError`]).
/// A failed transaction changes no state.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, thiserror::Error)]
#[serde(tag = "kind", content = "message")]
pub enum TxError {
    /// Gas ran out; gas used is the limit.
    #[error("out of gas")]
    OutOfGas,
    /// The contract trapped (or a vmcall refused its arguments).
    #[error("trap: {0}")]
    Trap(String),
    /// The called function is not exported.
    #[error("function `{0}` not found")]
    FunctionNotFound(String),
    /// The arguments do not match the function's parameters.
    #[error("invalid arguments: {0}")]
    InvalidArguments(String),
    /// The code was refused at deploy.
    #[error("validation failed: {0}")]
    ValidationFailed(String),
    /// No contract at the address.
    #[error("no contract at {0}")]
    ContractNotFound(String),
    /// An account already exists at the derived address.
    #[error("an account already exists at {0}")]
    AccountExists(String),
    /// A deploy's nonce is not its author's next nonce.
    #[error("invalid nonce: {0}")]
    InvalidNonce(String),
    /// The sender cannot pay the value.
    #[error("insufficient balance: {0}")]
    InsufficientBalance(String),
    /// Crediting the value would overflow the recipient's 256-bit balance.
    #[error("the balance of {0} would overflow")]
    BalanceOverflow(String),
    /// No template holds the code hash (a spawn's).
    #[error("no template holds code {0}")]
    TemplateNotFound(String),
}

impl TxError {
    /// The stable code consensus records for this failure (the message is
    /// diagnostic only and never reaches a root).
    pub fn code(&self) -> FailureCode {
        match self {
            TxError::OutOfGas => FailureCode::OutOfGas,
            TxError::Trap(_) => FailureCode::Trap,
            TxError::FunctionNotFound(_) => FailureCode::FunctionNotFound,
            TxError::InvalidArguments(_) => FailureCode::InvalidArguments,
            TxError::ValidationFailed(_) => FailureCode::ValidationFailed,
            TxError::ContractNotFound(_) => FailureCode::ContractNotFound,
            TxError::AccountExists(_) => FailureCode::AccountExists,
            TxError::InvalidNonce(_) => FailureCode::InvalidNonce,
            TxError::InsufficientBalance(_) => FailureCode::InsufficientBalance,
            TxError::BalanceOverflow(_) => FailureCode::BalanceOverflow,
            TxError::TemplateNotFound(_) => FailureCode::TemplateNotFound,
        }
    }
}

/// The outcome of a deploy or a call.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Receipt {
    /// Whether the transaction succeeded.
    pub success: bool,
    /// Why it failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<TxError>,
    /// Gas used (the limit after running out).
    pub gas_used: u64,
    /// The contract deployed or called.
    #[serde(serialize_with = "hex_address")]
    pub contract: Address,
    /// Return data set by the contract (`0x` hex).
    #[serde(serialize_with = "hex_bytes")]
    pub return_data: Vec<u8>,
    /// Events emitted by every frame that succeeded, in order.
    #[serde(serialize_with = "events_json")]
    pub events: Vec<Event>,
    /// The contract's storage root afterwards (unchanged on failure), for a
    /// transaction committed on its own; `None` inside a block, whose roots
    /// are the block's ([`crate::BlockResult`]).
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "hex_opt_h256"
    )]
    pub state_root: Option<H256>,
    /// The world root afterwards (unchanged on failure), for a transaction
    /// committed on its own; `None` inside a block.
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "hex_opt_h256"
    )]
    pub world_root: Option<H256>,
}

impl Receipt {
    /// What consensus records of the receipt: status code, gas, contract,
    /// return data and events (no message text, no roots).
    pub fn record(&self) -> ReceiptRecord {
        ReceiptRecord {
            status: self.error.as_ref().map_or(SUCCESS, |e| e.code() as u8),
            gas_used: self.gas_used,
            contract: self.contract.0,
            return_data: self.return_data.clone(),
            events: self.events.clone(),
        }
    }

    /// The receipt's consensus encoding ([`ReceiptRecord::encode`]).
    pub fn encode(&self) -> Vec<u8> {
        self.record().encode()
    }
}

fn hex(bytes: &[u8]) -> String {
    format!("0x{}", hex::encode(bytes))
}

fn hex_bytes<S: serde::Serializer>(v: &[u8], s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&hex(v))
}

/// An event as JSON: `{"contract", "topics": [...], "data", "ttl"}`.
#[derive(Serialize)]
struct EventJson {
    contract: String,
    topics: Vec<String>,
    data: String,
    ttl: u64,
}

impl From<&Event> for EventJson {
    fn from(e: &Event) -> Self {
        EventJson {
            contract: hex(&e.contract),
            topics: e.topics.iter().map(|t| hex(t)).collect(),
            data: hex(&e.data),
            ttl: e.ttl,
        }
    }
}

fn events_json<S: serde::Serializer>(v: &[Event], s: S) -> Result<S::Ok, S::Error> {
    s.collect_seq(v.iter().map(EventJson::from))
}

fn hex_address<S: serde::Serializer>(v: &Address, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&hex(v.as_bytes()))
}

fn hex_opt_h256<S: serde::Serializer>(v: &Option<H256>, s: S) -> Result<S::Ok, S::Error> {
    match v {
        Some(v) => s.serialize_str(&hex(v.as_bytes())),
        None => s.serialize_none(),
    }
}

/// What a block did.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct BlockResult {
    /// The world root after the block.
    #[serde(serialize_with = "hex_h256")]
    pub world_root: H256,
    /// The root of the block's receipts trie: the `i`-th receipt's
    /// consensus encoding ([`Receipt::encode`]) under RLP(`i`).
    #[serde(serialize_with = "hex_h256")]
    pub receipts_root: H256,
    /// The receipts, in transaction order.
    pub receipts: Vec<Receipt>,
}

impl BlockResult {
    /// The receipts root of `receipts` (the empty root for none).
    pub fn receipts_root_of(receipts: &[Receipt]) -> H256 {
        receipts_trie(receipts).0
    }
}

/// The receipts trie of a block: its root and its nodes.
pub(crate) fn receipts_trie(receipts: &[Receipt]) -> (H256, svm_trie::NodeSet) {
    let entries: Vec<(Vec<u8>, Vec<u8>)> = receipts
        .iter()
        .enumerate()
        .map(|(i, r)| (svm_format::receipt::receipt_key(i as u64), r.encode()))
        .collect();
    let mut trie = svm_trie::TrieMut::new(svm_trie::MemoryStore::new());
    // Keys are RLP integers (at most 9 bytes) and encodings never empty, and
    // a trie in memory has no node to miss: neither step can fail.
    match trie.apply(entries).and_then(|()| trie.commit()) {
        Ok(commit) => (commit.root, commit.nodes),
        Err(_) => (svm_trie::EMPTY_ROOT, svm_trie::NodeSet::new()),
    }
}

fn hex_h256<S: serde::Serializer>(v: &H256, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&hex(v.as_bytes()))
}
