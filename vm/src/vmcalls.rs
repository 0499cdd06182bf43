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
    // (ptr, len): stop the call with the UTF-8 message at ptr (at most
    // `MAX_ABORT_MESSAGE` bytes are read; lossy, control characters
    // escaped): a trap whose receipt message is `aborted: <message>`.
    ("abort", &[I32, I32], &[]),
    // (ptr, len): emit an event of `len` data bytes without topics that
    // no index keeps (time-to-live 0).
    ("log", &[I32, I32], &[]),
    // (topics_ptr, topic_count, data_ptr, data_len, ttl): emit an event of
    // `topic_count` (≤ 4) topics of 32 bytes and `data_len` (≤ 64 KiB)
    // bytes, kept by nodes' event indexes for `ttl` blocks (≤ 2,592,000).
    ("emit", &[I32, I32, I32, I32, I64], &[]),
    // Contract calls (docs/FORMATS.md "Contract calls"). The callee runs in
    // a frame of its own with at most the gas given (and never more than
    // all but 1/64 of what the caller has left); its changes and events
    // are kept only if it succeeds. The result is 0 for success, else the
    // failure's code (the receipts' status codes).
    // (addr_ptr, fn_ptr, fn_len, args_ptr, args_len, value_ptr, gas) ->
    // status: calls function `fn` of the contract at `addr` with the
    // encoded arguments, moving the 32-byte value to it.
    ("call", &[I32, I32, I32, I32, I32, I32, I64], &[I32]),
    // (hash_ptr, fn_ptr, fn_len, args_ptr, args_len, gas) -> status: runs
    // function `fn` of the template with code hash `hash` against this
    // contract's own storage and balance (a library call).
    ("delegate_call", &[I32, I32, I32, I32, I32, I64], &[I32]),
    // (out, cap) -> length of the last call's return data (0 after a
    // failure), copied to `out` only if it fits in `cap`.
    ("returned", &[I32, I32], &[I32]),
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
    // Structures (docs/FORMATS.md "Structure vmcalls"). A handle (h, an i32
    // from 1) names one structure for the rest of the call. Keys, members
    // and values are (ptr, len); a read returns the value's length, or -1
    // for none, and copies it to (out, cap) only if it fits.
    // (var) -> h: the structure variable `var`.
    ("struct_open", &[I32], &[I32]),
    // (h, key_ptr, key_len) -> h: the structure at `key` of a map of them.
    ("struct_open_key", &[I32, I32, I32], &[I32]),
    // (h, index) -> h: the structure at `index` of a list of them.
    ("struct_open_index", &[I32, I64], &[I32]),
    // (h) -> elements, entries or members.
    ("struct_len", &[I32], &[I64]),
    // (h): empties the structure in O(1).
    ("struct_clear", &[I32], &[]),
    // (h, key_ptr, key_len) -> 1 if the map, set or sorted set holds `key`.
    ("struct_contains", &[I32, I32, I32], &[I32]),
    // (h, key_ptr, key_len) -> 1 if the map entry or member was removed.
    ("struct_remove", &[I32, I32, I32], &[I32]),
    // (h, cursor_ptr, cursor_len, out, cap) -> length: the first entry at
    // or after the cursor, as next cursor, key and value.
    ("struct_entry", &[I32, I32, I32, I32, I32], &[I64]),
    // (h, key_ptr, key_len, out, cap) -> length or -1.
    ("map_get", &[I32, I32, I32, I32, I32], &[I64]),
    // (h, key_ptr, key_len, value_ptr, value_len).
    ("map_set", &[I32, I32, I32, I32, I32], &[]),
    // (h, member_ptr, member_len) -> 1 if added, 0 if present.
    ("set_insert", &[I32, I32, I32], &[I32]),
    // (h, index, out, cap) -> length, or -1 past the end.
    ("list_get", &[I32, I64, I32, I32], &[I64]),
    // (h, index, value_ptr, value_len): the index must be below the length.
    ("list_set", &[I32, I64, I32, I32], &[]),
    // (h, value_ptr, value_len) -> the new element's index.
    ("list_push", &[I32, I32, I32], &[I64]),
    // (h) -> h: a new empty structure appended to a list of them.
    ("list_push_structure", &[I32], &[I32]),
    // (h) -> 1 if the last element was removed, 0 if the list was empty.
    ("list_pop", &[I32], &[I32]),
    // (h, from_ptr, from_len, out, cap) -> length of the first member
    // >= from, or -1.
    ("sorted_next", &[I32, I32, I32, I32, I32], &[I64]),
    // (h, to_ptr, to_len, out, cap) -> length of the last member <= to,
    // or -1.
    ("sorted_prev", &[I32, I32, I32, I32, I32], &[I64]),
];

/// Most contract frames running at once: the transaction's and seven
/// nested calls (library calls count); a call past it fails with
/// `CallDepth`. With each frame's own call-depth limit it bounds the
/// native stack and the memory a transaction holds.
pub const MAX_FRAMES: u32 = 8;

/// A contract that exports a function, global, memory or table by this name
/// accepts calls while a frame of it is running (reentrancy); others refuse
/// them with `Reentrancy`.
pub const REENTRANT_EXPORT: &str = "svm_reentrant";

/// The longest function name a contract call names, in bytes.
pub const MAX_FUNCTION_NAME: usize = 256;

/// The most argument bytes a contract call passes.
pub const MAX_CALL_ARGS: usize = 1 << 20;

/// How many structures one call may hold handles to.
pub const MAX_HANDLES: usize = 256;

/// The longest cursor `struct_entry` and bound `sorted_next`/`sorted_prev`
/// take: the longest trie key of a structure (a sorted-set member) and one
/// more byte, so `m ‖ 00` names what follows any member `m`.
pub const MAX_CURSOR_BYTES: usize = svm_state::structure::MAX_MEMBER_BYTES + 1;

/// The most message bytes `abort` reads (and charges for); a longer
/// message is cut there.
pub const MAX_ABORT_MESSAGE: usize = 1024;

/// The register file of a call, as (bits, count): 16 × 32-bit, 16 × 64-bit,
/// 8 × 160-bit (addresses), 4 × 256-bit, 4 × 512-bit. Registers start zeroed
/// at every call and are not persisted.
pub const REGISTERS: &[(u32, usize)] = &[(32, 16), (64, 16), (160, 8), (256, 4), (512, 4)];

/// The signature of vmcall `name`, if there is one.
pub fn signature(name: &str) -> Option<&'static Signature> {
    VMCALLS.iter().find(|(n, ..)| *n == name)
}
