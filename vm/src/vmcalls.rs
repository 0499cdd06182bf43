//! The vmcalls a contract may import, all from module `svm`: names and
//! signatures (the host side is in `host.rs`). Part of consensus.

/// A value type in a vmcall signature.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ty {
    /// i32
    I32,
    /// i64
    I64,
}

use Ty::{I32, I64};

/// One vmcall: name, parameters, results.
pub type Signature = (&'static str, &'static [Ty], &'static [Ty]);

/// The import module of every vmcall.
pub const MODULE: &str = "svm";

/// Every vmcall. Pointers and lengths are i32 offsets into the contract's
/// exported `memory`; addresses are 20 bytes, amounts 32 bytes big-endian.
pub const VMCALLS: &[Signature] = &[
    // (var, ptr, len): copy variable `var` (exactly `len` bytes) to memory.
    ("storage_read", &[I32, I32, I32], &[]),
    // (var, ptr, len): set variable `var` from `len` bytes of memory.
    ("storage_write", &[I32, I32, I32], &[]),
    // (var) -> the variable's length in bytes.
    ("storage_len", &[I32], &[I32]),
    // (ptr): the contract's own address.
    ("address", &[I32], &[]),
    // (ptr): the caller's address.
    ("caller", &[I32], &[]),
    // (ptr): the value sent with the call.
    ("value", &[I32], &[]),
    // (addr_ptr, out_ptr): the balance of an address.
    ("balance", &[I32, I32], &[]),
    // (to_ptr, amount_ptr) -> 0 done, 1 insufficient balance.
    ("transfer", &[I32, I32], &[I32]),
    // () -> the block height the node executes at.
    ("block_height", &[], &[I64]),
    // () -> the block time (seconds since the Unix epoch).
    ("block_time", &[], &[I64]),
    // (ptr, len): the call's return data.
    ("set_return", &[I32, I32], &[]),
    // (ptr, len): append a log entry.
    ("log", &[I32, I32], &[]),
    // Registers (see `REGISTERS`), addressed by (bits, index):
    // (bits, index, ptr): load a register from bits/8 bytes of memory.
    ("reg_from_mem", &[I32, I32, I32], &[]),
    // (bits, index, ptr): store a register into memory.
    ("reg_to_mem", &[I32, I32, I32], &[]),
    // (bits, index, var): load a register from a variable of bits/8 bytes.
    ("reg_from_storage", &[I32, I32, I32], &[]),
    // (bits, index, var): write a register to a variable of bits/8 bytes.
    ("reg_to_storage", &[I32, I32, I32], &[]),
    // (bits, dst, src): copy one register to another of the same width.
    ("reg_copy", &[I32, I32, I32], &[]),
];

/// The register file of a call, as (bits, count): 16 × 32-bit, 16 × 64-bit,
/// 8 × 160-bit (addresses), 4 × 256-bit, 4 × 512-bit. Registers start zeroed
/// at every call and are not persisted.
pub const REGISTERS: &[(u32, usize)] = &[(32, 16), (64, 16), (160, 8), (256, 4), (512, 4)];

/// The signature of vmcall `name`, if there is one.
pub fn signature(name: &str) -> Option<&'static Signature> {
    VMCALLS.iter().find(|(n, ..)| *n == name)
}
