//! Gas: a fixed price per WebAssembly operator (charged by svm's metering
//! middleware once per region: a function body outside its loops, a loop's
//! body per iteration; `metering.rs`), the intrinsic price of a transaction, and
//! the prices of the vmcalls. Everything here is consensus: a change changes
//! gas and so receipts (docs/FORMATS.md "Gas").

use wasmer::wasmparser::Operator;

/// The price of one operator. Calls, branches and memory growth cost more
/// than plain arithmetic; everything else costs 1. Part of consensus: a
/// change changes gas and so receipts.
pub fn operator_cost(op: &Operator<'_>) -> u64 {
    match op {
        Operator::Call { .. } | Operator::CallIndirect { .. } => 10,
        Operator::MemoryGrow { .. } => 1_000,
        Operator::Br { .. } | Operator::BrIf { .. } | Operator::BrTable { .. } => 2,
        Operator::I32DivS | Operator::I32DivU | Operator::I32RemS | Operator::I32RemU => 4,
        Operator::I64DivS | Operator::I64DivU | Operator::I64RemS | Operator::I64RemU => 4,
        _ => 1,
    }
}

/// Changes whenever [`operator_cost`], where it is charged (the gas rules'
/// version, docs/FORMATS.md "Gas": 3, per region) or the code the compiler
/// adds to contracts (call depth, memory guard) does: compiled artifacts
/// embed all three.
pub const TABLE_VERSION: u32 = 3;

// ---- transactions -------------------------------------------------------

/// Every transaction's base price: checking it, instantiating the contract.
pub const TX_BASE: u64 = 21_000;
/// Per byte of byte arguments a transaction carries (copied into the
/// contract's memory).
pub const ARG_BYTE: u64 = 16;
/// Creating an account: a new world-trie leaf every node keeps.
pub const NEW_ACCOUNT: u64 = 25_000;
/// Per byte of code a deploy stores (the code, and the compiled artifact
/// nodes keep beside it).
pub const CODE_BYTE: u64 = 50;
/// Per byte of the called contract's code, at every call: loading (or, on a
/// node whose caches lost it, compiling) the module.
pub const CODE_LOAD_BYTE: u64 = 1;

/// The intrinsic gas of a template of `code_len` bytes: the transaction,
/// the template's account and the stored code.
pub fn template_intrinsic(code_len: usize) -> u64 {
    deploy_intrinsic(code_len, 0)
}

/// The intrinsic gas of a spawn whose constructor gets `arg_bytes` bytes of
/// byte arguments: the transaction and the new account (the code is
/// stored already; loading it is charged as a call's, per byte).
pub fn spawn_intrinsic(arg_bytes: u64) -> u64 {
    call_intrinsic(arg_bytes).saturating_add(NEW_ACCOUNT)
}

// ---- vmcalls ------------------------------------------------------------

/// Every vmcall's base price.
pub const VMCALL: u64 = 100;
/// Per byte read from a variable into memory or a register.
pub const STORAGE_READ_BYTE: u64 = 3;
/// Per byte written to a variable.
pub const STORAGE_WRITE_BYTE: u64 = 10;
/// The first time a transaction touches a page (reads or writes a variable
/// on it): the trie path read from the database.
pub const PAGE_LOAD: u64 = 2_100;
/// Per byte of page size, the first time a transaction touches a page: the
/// page held in memory until the block commits.
pub const PAGE_LOAD_BYTE: u64 = 1;
/// The first time a transaction writes to a page: the trie path the commit
/// rewrites.
pub const PAGE_WRITE: u64 = 5_000;
/// Per byte of page size, the first time a transaction writes to a page:
/// the page the commit stores again.
pub const PAGE_WRITE_BYTE: u64 = 4;
/// Per byte of return data and event data (kept in receipts).
pub const DATA_BYTE: u64 = 8;
/// Per byte copied between memory and registers.
pub const COPY_BYTE: u64 = 1;
/// The first time a transaction reads or credits an account other than
/// the contract and its caller (a world-trie path read from the database).
pub const ACCOUNT_LOAD: u64 = 2_600;
/// A balance transfer (two accounts rewritten in the world trie).
pub const TRANSFER: u64 = 9_000;

// ---- structures ---------------------------------------------------------

/// The first time a transaction opens a structure: its handle read from
/// its parent (the storage trie, or the structure holding it).
pub const STRUCTURE_OPEN: u64 = 2_100;
/// The first time a transaction writes a structure, for it and for each
/// structure holding it: its handle rewritten in its parent at commit.
pub const STRUCTURE_WRITE: u64 = 5_000;
/// Per trie node a structure look-up passes (see `TrieMut::path_nodes`:
/// it depends only on the keys the structure holds, never on caches).
pub const NODE_READ: u64 = 150;
/// Per trie node a write passes, plus one: each is hashed again and
/// stored at commit.
pub const NODE_WRITE: u64 = 300;
/// Per byte of key or value a structure operation reads.
pub const ELEMENT_READ_BYTE: u64 = 3;
/// Per byte of key or value a structure operation writes.
pub const ELEMENT_WRITE_BYTE: u64 = 20;
/// An element, entry or member added to a structure: a leaf every node
/// keeps until it is removed.
pub const ELEMENT_NEW: u64 = 5_000;
/// Per nested structure a listing first writes into its parent (changed
/// earlier in the transaction), so the entries it lists are current.
pub const STRUCTURE_SYNC: u64 = 3_000;

/// What touching a page of `page_size` bytes for the first time in a
/// transaction costs.
pub fn page_load_cost(page_size: u32) -> u64 {
    PAGE_LOAD + PAGE_LOAD_BYTE * u64::from(page_size)
}

/// What writing a page of `page_size` bytes for the first time in a
/// transaction costs (on top of loading it).
pub fn page_write_cost(page_size: u32) -> u64 {
    PAGE_WRITE + PAGE_WRITE_BYTE * u64::from(page_size)
}

/// The intrinsic gas of a call carrying `arg_bytes` bytes of byte arguments.
pub fn call_intrinsic(arg_bytes: u64) -> u64 {
    TX_BASE.saturating_add(ARG_BYTE.saturating_mul(arg_bytes))
}

/// The intrinsic gas of a deploy of `code_len` bytes whose constructor gets
/// `arg_bytes` bytes of byte arguments: the transaction, the new account
/// and the stored code.
pub fn deploy_intrinsic(code_len: usize, arg_bytes: u64) -> u64 {
    call_intrinsic(arg_bytes)
        .saturating_add(NEW_ACCOUNT)
        .saturating_add(CODE_BYTE.saturating_mul(code_len as u64))
}

// ---- contract calls -------------------------------------------------------

/// A contract call or library call, on top of the vmcall: a frame with a
/// store and an instance of its own. Priced by its time like the rest of
/// the table (≈ 1,000 gas per µs): a call of an empty function takes
/// ≈ 25 µs, most of it creating the instance (`--suite calls`).
pub const CALL: u64 = 20_000;
/// Per byte of function name and arguments a call copies to the callee,
/// and of return data `returned` copies back.
pub const CALL_DATA_BYTE: u64 = 3;

// ---- events ---------------------------------------------------------------

/// Per topic of an event (each is an entry of the node's topic index while
/// the event is kept).
pub const EVENT_TOPIC: u64 = 375;
/// An event with a time-to-live: its index entries (record, contract,
/// expiry) written by its block's commit and removed by a later one
/// (≈ 4 µs measured, `--suite calls`).
pub const EVENT_INDEXED: u64 = 4_000;
/// Per topic of an event with a time-to-live: its topic entry written and
/// removed.
pub const EVENT_INDEXED_TOPIC: u64 = 1_500;
/// What an event keeps in a node's index besides its data and topics, in
/// bytes (its record, contract entry and expiry entry): what its lifetime
/// is priced by.
pub const EVENT_KEPT_BYTES: u64 = 128;
/// What each topic adds to an event's index entries, in bytes.
pub const EVENT_TOPIC_KEPT_BYTES: u64 = 64;
/// Keeping a byte in the event index for this many blocks costs 1 gas.
pub const EVENT_BYTE_BLOCKS: u64 = 1 << 17;

/// What keeping an event with `topics` topics and `data` bytes for `ttl`
/// blocks costs: its index bytes times its blocks, one gas per
/// [`EVENT_BYTE_BLOCKS`], rounded up (0 for an event the index never keeps).
pub fn event_keep_cost(topics: u64, data: u64, ttl: u64) -> u64 {
    let bytes = EVENT_KEPT_BYTES + EVENT_TOPIC_KEPT_BYTES * topics + data;
    // At most (128 + 256 + 65,536) × 2,592,000: far inside u128.
    let cost = (u128::from(bytes) * u128::from(ttl)).div_ceil(u128::from(EVENT_BYTE_BLOCKS));
    u64::try_from(cost).unwrap_or(u64::MAX)
}

/// What an event costs on top of the vmcall: per topic, per data byte, and,
/// with a time-to-live, its index entries and its lifetime in the index.
pub fn event_cost(topics: u64, data: u64, ttl: u64) -> u64 {
    let indexed = if ttl == 0 {
        0
    } else {
        EVENT_INDEXED.saturating_add(EVENT_INDEXED_TOPIC.saturating_mul(topics))
    };
    EVENT_TOPIC
        .saturating_mul(topics)
        .saturating_add(DATA_BYTE.saturating_mul(data))
        .saturating_add(indexed)
        .saturating_add(event_keep_cost(topics, data, ttl))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Pins the event prices (docs/FORMATS.md "Events").
    #[test]
    fn event_prices() {
        assert_eq!(event_keep_cost(2, 100, 100_000), 272);
        assert_eq!(event_cost(2, 100, 100_000), 750 + 800 + 4_000 + 3_000 + 272);
        assert_eq!(event_cost(2, 100, 0), 750 + 800, "not indexed");
        assert_eq!(event_keep_cost(4, 65_536, 0), 0);
        assert_eq!(event_cost(0, 8, 0), 64, "a log of 8 bytes: 8 per byte");
        // One byte-block short of a gas still costs one.
        assert_eq!(event_keep_cost(0, 0, 1), 1);
        // The largest event kept the longest: no overflow.
        let max = event_keep_cost(4, 65_536, svm_format::event::MAX_EVENT_TTL);
        assert_eq!(max, (128 + 256 + 65_536u64) * 2_592_000 / 131_072 + 1);
    }
}
