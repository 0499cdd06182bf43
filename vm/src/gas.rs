//! Gas: a fixed price per WebAssembly operator (charged by wasmer's metering
//! middleware, per basic block) and prices of the vmcalls.

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

/// Changes whenever [`operator_cost`] does (compiled artifacts embed it).
pub const TABLE_VERSION: u32 = 1;

/// Every vmcall's base price.
pub const VMCALL: u64 = 100;
/// Per byte read from storage.
pub const STORAGE_READ_BYTE: u64 = 3;
/// Per byte written to storage.
pub const STORAGE_WRITE_BYTE: u64 = 10;
/// Per byte copied between memory and the host (return data, logs, inputs).
pub const COPY_BYTE: u64 = 1;
/// A balance transfer.
pub const TRANSFER: u64 = 2_000;
/// Every deploy's base price.
pub const DEPLOY: u64 = 10_000;
/// Per byte of code a deploy stores.
pub const CODE_BYTE: u64 = 16;

/// What a deploy of `code_len` bytes costs before its constructor runs.
pub fn deploy_cost(code_len: usize) -> u64 {
    DEPLOY.saturating_add(CODE_BYTE.saturating_mul(code_len as u64))
}
