//! The vmcalls as svm declares them (vm/src/vmcalls.rs): imports of module
//! `svm` inside WebAssembly, an in-memory model of them on the host (for
//! the SDK's own tests). Nothing outside the SDK calls these.

#[cfg(target_arch = "wasm32")]
#[link(wasm_import_module = "svm")]
unsafe extern "C" {
    pub(crate) fn storage_read(var: u32, ptr: *mut u8, len: u32);
    pub(crate) fn storage_write(var: u32, ptr: *const u8, len: u32);
    pub(crate) fn storage_len(var: u32) -> u32;
    pub(crate) fn address(ptr: *mut u8);
    pub(crate) fn caller(ptr: *mut u8);
    pub(crate) fn value(ptr: *mut u8);
    pub(crate) fn balance(addr: *const u8, out: *mut u8);
    pub(crate) fn transfer(to: *const u8, amount: *const u8) -> u32;
    pub(crate) fn block_height() -> u64;
    pub(crate) fn block_time() -> u64;
    pub(crate) fn set_return(ptr: *const u8, len: u32);
    pub(crate) fn log(ptr: *const u8, len: u32);
    pub(crate) fn emit(topics: *const u8, count: u32, data: *const u8, len: u32, ttl: u64);
    pub(crate) fn abort(ptr: *const u8, len: u32) -> !;
    pub(crate) fn call(
        addr: *const u8,
        function: *const u8,
        function_len: u32,
        args: *const u8,
        args_len: u32,
        value: *const u8,
        gas: u64,
    ) -> u32;
    pub(crate) fn delegate_call(
        hash: *const u8,
        function: *const u8,
        function_len: u32,
        args: *const u8,
        args_len: u32,
        gas: u64,
    ) -> u32;
    pub(crate) fn returned(out: *mut u8, cap: u32) -> u32;
    pub(crate) fn reg_from_mem(bits: u32, index: u32, ptr: *const u8);
    pub(crate) fn reg_to_mem(bits: u32, index: u32, ptr: *mut u8);
    pub(crate) fn reg_from_storage(bits: u32, index: u32, var: u32);
    pub(crate) fn reg_to_storage(bits: u32, index: u32, var: u32);
    pub(crate) fn reg_copy(bits: u32, dst: u32, src: u32);
    pub(crate) fn struct_open(var: u32) -> u32;
    pub(crate) fn struct_open_key(h: u32, key: *const u8, len: u32) -> u32;
    pub(crate) fn struct_open_index(h: u32, index: u64) -> u32;
    pub(crate) fn struct_len(h: u32) -> u64;
    pub(crate) fn struct_clear(h: u32);
    pub(crate) fn struct_contains(h: u32, key: *const u8, len: u32) -> u32;
    pub(crate) fn struct_remove(h: u32, key: *const u8, len: u32) -> u32;
    pub(crate) fn struct_entry(h: u32, cursor: *const u8, len: u32, out: *mut u8, cap: u32) -> i64;
    pub(crate) fn map_get(h: u32, key: *const u8, len: u32, out: *mut u8, cap: u32) -> i64;
    pub(crate) fn map_set(h: u32, key: *const u8, len: u32, value: *const u8, value_len: u32);
    pub(crate) fn set_insert(h: u32, member: *const u8, len: u32) -> u32;
    pub(crate) fn list_get(h: u32, index: u64, out: *mut u8, cap: u32) -> i64;
    pub(crate) fn list_set(h: u32, index: u64, value: *const u8, len: u32);
    pub(crate) fn list_push(h: u32, value: *const u8, len: u32) -> u64;
    pub(crate) fn list_push_structure(h: u32) -> u32;
    pub(crate) fn list_pop(h: u32) -> u32;
    pub(crate) fn sorted_next(h: u32, from: *const u8, len: u32, out: *mut u8, cap: u32) -> i64;
    pub(crate) fn sorted_prev(h: u32, to: *const u8, len: u32, out: *mut u8, cap: u32) -> i64;
}

#[cfg(not(target_arch = "wasm32"))]
pub(crate) use crate::host::*;
