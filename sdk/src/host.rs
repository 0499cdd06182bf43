//! Outside WebAssembly the vmcalls do not exist: the SDK builds on the host
//! so its encodings can be tested there, and a vmcall reached on the host
//! panics saying so.

#![allow(clippy::missing_safety_doc)]

pub(crate) unsafe fn storage_read(_var: u32, _ptr: *mut u8, _len: u32) {
    outside("storage_read")
}

pub(crate) unsafe fn storage_write(_var: u32, _ptr: *const u8, _len: u32) {
    outside("storage_write")
}

pub(crate) unsafe fn storage_len(_var: u32) -> u32 {
    outside("storage_len")
}

pub(crate) unsafe fn address(_ptr: *mut u8) {
    outside("address")
}

pub(crate) unsafe fn caller(_ptr: *mut u8) {
    outside("caller")
}

pub(crate) unsafe fn value(_ptr: *mut u8) {
    outside("value")
}

pub(crate) unsafe fn balance(_addr: *const u8, _out: *mut u8) {
    outside("balance")
}

pub(crate) unsafe fn transfer(_to: *const u8, _amount: *const u8) -> u32 {
    outside("transfer")
}

pub(crate) unsafe fn block_height() -> u64 {
    outside("block_height")
}

pub(crate) unsafe fn block_time() -> u64 {
    outside("block_time")
}

pub(crate) unsafe fn set_return(_ptr: *const u8, _len: u32) {
    outside("set_return")
}

pub(crate) unsafe fn log(_ptr: *const u8, _len: u32) {
    outside("log")
}

pub(crate) unsafe fn emit(_topics: *const u8, _count: u32, _data: *const u8, _len: u32, _ttl: u64) {
    outside("emit")
}

pub(crate) unsafe fn abort(_ptr: *const u8, _len: u32) -> ! {
    outside("abort")
}

pub(crate) unsafe fn call(
    _addr: *const u8,
    _function: *const u8,
    _function_len: u32,
    _args: *const u8,
    _args_len: u32,
    _value: *const u8,
    _gas: u64,
) -> u32 {
    outside("call")
}

pub(crate) unsafe fn delegate_call(
    _hash: *const u8,
    _function: *const u8,
    _function_len: u32,
    _args: *const u8,
    _args_len: u32,
    _gas: u64,
) -> u32 {
    outside("delegate_call")
}

pub(crate) unsafe fn returned(_out: *mut u8, _cap: u32) -> u32 {
    outside("returned")
}

pub(crate) unsafe fn reg_from_mem(_bits: u32, _index: u32, _ptr: *const u8) {
    outside("reg_from_mem")
}

pub(crate) unsafe fn reg_to_mem(_bits: u32, _index: u32, _ptr: *mut u8) {
    outside("reg_to_mem")
}

pub(crate) unsafe fn reg_from_storage(_bits: u32, _index: u32, _var: u32) {
    outside("reg_from_storage")
}

pub(crate) unsafe fn reg_to_storage(_bits: u32, _index: u32, _var: u32) {
    outside("reg_to_storage")
}

pub(crate) unsafe fn reg_copy(_bits: u32, _dst: u32, _src: u32) {
    outside("reg_copy")
}

pub(crate) unsafe fn struct_open(_var: u32) -> u32 {
    outside("struct_open")
}

pub(crate) unsafe fn struct_open_key(_h: u32, _key: *const u8, _len: u32) -> u32 {
    outside("struct_open_key")
}

pub(crate) unsafe fn struct_open_index(_h: u32, _index: u64) -> u32 {
    outside("struct_open_index")
}

pub(crate) unsafe fn struct_len(_h: u32) -> u64 {
    outside("struct_len")
}

pub(crate) unsafe fn struct_clear(_h: u32) {
    outside("struct_clear")
}

pub(crate) unsafe fn struct_contains(_h: u32, _key: *const u8, _len: u32) -> u32 {
    outside("struct_contains")
}

pub(crate) unsafe fn struct_remove(_h: u32, _key: *const u8, _len: u32) -> u32 {
    outside("struct_remove")
}

pub(crate) unsafe fn struct_entry(
    _h: u32,
    _cursor: *const u8,
    _len: u32,
    _out: *mut u8,
    _cap: u32,
) -> i64 {
    outside("struct_entry")
}

pub(crate) unsafe fn map_get(_h: u32, _key: *const u8, _len: u32, _out: *mut u8, _cap: u32) -> i64 {
    outside("map_get")
}

pub(crate) unsafe fn map_set(
    _h: u32,
    _key: *const u8,
    _len: u32,
    _value: *const u8,
    _value_len: u32,
) {
    outside("map_set")
}

pub(crate) unsafe fn set_insert(_h: u32, _member: *const u8, _len: u32) -> u32 {
    outside("set_insert")
}

pub(crate) unsafe fn list_get(_h: u32, _index: u64, _out: *mut u8, _cap: u32) -> i64 {
    outside("list_get")
}

pub(crate) unsafe fn list_set(_h: u32, _index: u64, _value: *const u8, _len: u32) {
    outside("list_set")
}

pub(crate) unsafe fn list_push(_h: u32, _value: *const u8, _len: u32) -> u64 {
    outside("list_push")
}

pub(crate) unsafe fn list_push_structure(_h: u32) -> u32 {
    outside("list_push_structure")
}

pub(crate) unsafe fn list_pop(_h: u32) -> u32 {
    outside("list_pop")
}

pub(crate) unsafe fn sorted_next(
    _h: u32,
    _from: *const u8,
    _len: u32,
    _out: *mut u8,
    _cap: u32,
) -> i64 {
    outside("sorted_next")
}

pub(crate) unsafe fn sorted_prev(
    _h: u32,
    _to: *const u8,
    _len: u32,
    _out: *mut u8,
    _cap: u32,
) -> i64 {
    outside("sorted_prev")
}

fn outside(name: &str) -> ! {
    panic!(
        "the vmcall `{name}` exists only inside svm (build the contract for wasm32-unknown-unknown)"
    )
}
