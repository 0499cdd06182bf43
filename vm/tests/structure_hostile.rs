//! Contracts attacking the structure vmcalls: endless pushes stop at gas
//! with bounded memory; keys, members and values at their limits and one
//! byte past; nesting deeper than the layout; handles from another call or
//! never opened; handles left stale by a pop; too many handles; wrong kinds
//! and pointers; clear, reuse and revert. Every refusal is a trap with a
//! message, and nothing of a failed transaction stays.

mod common;

use common::*;
use svm_state::kv::KvStore;
use svm_state::{Address, StructurePath};
use svm_vm::{Arg, Receipt, TxError, Vm};

const HOSTILE: &str = r#"
(module
  (import "svm" "set_return" (func $return (param i32 i32)))
  (import "svm" "struct_open" (func $open (param i32) (result i32)))
  (import "svm" "struct_open_key" (func $open_key (param i32 i32 i32) (result i32)))
  (import "svm" "struct_len" (func $len (param i32) (result i64)))
  (import "svm" "struct_clear" (func $clear (param i32)))
  (import "svm" "struct_entry" (func $entry (param i32 i32 i32 i32 i32) (result i64)))
  (import "svm" "map_get" (func $get (param i32 i32 i32 i32 i32) (result i64)))
  (import "svm" "map_set" (func $set (param i32 i32 i32 i32 i32)))
  (import "svm" "set_insert" (func $insert (param i32 i32 i32) (result i32)))
  (import "svm" "list_push" (func $push (param i32 i32 i32) (result i64)))
  (import "svm" "list_push_structure" (func $push_s (param i32) (result i32)))
  (import "svm" "list_pop" (func $pop (param i32) (result i32)))
  (memory (export "memory") 2 2)
  ;; list<bytes>, map<bytes, bytes>, sorted set, list<list<bytes>>,
  ;; eight maps deep
  (@custom "svm-layout" "\80\20\05\00\01\00\00\02\00\00\04\00\01\01\00\00\02\02\02\02\02\02\02\02\00")
  (data (i32.const 16) "\77")
  (func (export "push_forever")
    (local $h i32)
    (local.set $h (call $open (i32.const 0)))
    (loop $again
      (drop (call $push (local.get $h) (i32.const 16) (i32.const 1)))
      (br $again)))
  (func (export "map_key") (param $len i32)
    (call $set (call $open (i32.const 1)) (i32.const 1024) (local.get $len) (i32.const 16) (i32.const 1)))
  (func (export "map_value") (param $len i32)
    (call $set (call $open (i32.const 1)) (i32.const 16) (i32.const 1) (i32.const 1024) (local.get $len)))
  (func (export "member") (param $len i32)
    (drop (call $insert (call $open (i32.const 2)) (i32.const 1024) (local.get $len))))
  (func (export "use_handle") (param $h i32)
    (drop (call $len (local.get $h))))
  (func (export "open_var") (param $v i32)
    (i32.store (i32.const 0) (call $open (local.get $v)))
    (call $return (i32.const 0) (i32.const 4)))
  ;; Opens $levels maps below variable 4, then reads the last one's length.
  (func (export "deep") (param $levels i32)
    (local $h i32)
    (local.set $h (call $open (i32.const 4)))
    (block $done
      (loop $down
        (br_if $done (i32.eqz (local.get $levels)))
        (local.set $h (call $open_key (local.get $h) (i32.const 16) (i32.const 1)))
        (local.set $levels (i32.sub (local.get $levels) (i32.const 1)))
        (br $down)))
    (drop (call $len (local.get $h))))
  ;; Sets a value eight maps deep.
  (func (export "deep_set")
    (local $h i32) (local $i i32)
    (local.set $h (call $open (i32.const 4)))
    (block $done
      (loop $down
        (br_if $done (i32.eq (local.get $i) (i32.const 7)))
        (local.set $h (call $open_key (local.get $h) (i32.const 16) (i32.const 1)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $down)))
    (call $set (local.get $h) (i32.const 16) (i32.const 1) (i32.const 16) (i32.const 1)))
  (func (export "wrong_kind")
    (drop (call $push (call $open (i32.const 1)) (i32.const 16) (i32.const 1))))
  (func (export "bad_pointer")
    (drop (call $get (call $open (i32.const 1)) (i32.const 16) (i32.const 1) (i32.const 131070) (i32.const 8))))
  (func (export "push3")
    (local $h i32)
    (local.set $h (call $open (i32.const 0)))
    (drop (call $push (local.get $h) (i32.const 16) (i32.const 1)))
    (drop (call $push (local.get $h) (i32.const 16) (i32.const 1)))
    (drop (call $push (local.get $h) (i32.const 16) (i32.const 1))))
  ;; Clears the list and pushes one element; fails at the end if asked.
  (func (export "clear_reuse") (param $fail i32)
    (local $h i32)
    (local.set $h (call $open (i32.const 0)))
    (call $clear (local.get $h))
    (drop (call $push (local.get $h) (i32.const 16) (i32.const 1)))
    (if (local.get $fail) (then unreachable)))
  ;; Pushes a list, pops it, then uses its handle.
  (func (export "stale")
    (local $h i32) (local $inner i32)
    (local.set $h (call $open (i32.const 3)))
    (local.set $inner (call $push_s (local.get $h)))
    (drop (call $push (local.get $inner) (i32.const 16) (i32.const 1)))
    (drop (call $pop (local.get $h)))
    (drop (call $push (local.get $inner) (i32.const 16) (i32.const 1))))
  ;; Opens $n distinct maps below variable 4.
  (func (export "many_handles") (param $n i32)
    (local $h i32) (local $i i32)
    (local.set $h (call $open (i32.const 4)))
    (block $done
      (loop $each
        (br_if $done (i32.eq (local.get $i) (local.get $n)))
        (i32.store (i32.const 0) (local.get $i))
        (drop (call $open_key (local.get $h) (i32.const 0) (i32.const 4)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $each))))
  ;; The length of the list's first entry, asked with no room for it.
  (func (export "entry_no_room")
    (i64.store (i32.const 0)
      (call $entry (call $open (i32.const 0)) (i32.const 0) (i32.const 0) (i32.const 32) (i32.const 0)))
    (call $return (i32.const 0) (i32.const 8)))
)
"#;

const GAS: u64 = 30_000_000;

fn setup() -> (Vm<svm_state::kv::MemoryKv>, Address) {
    let vm = vm();
    let r = deploy(&vm, HOSTILE.as_bytes().to_vec());
    assert!(r.success, "{r:?}");
    (vm, r.contract)
}

fn trap_of(r: &Receipt) -> String {
    match &r.error {
        Some(TxError::Trap(m)) => m.clone(),
        e => panic!("expected a trap, got {e:?}"),
    }
}

fn list_len<K: KvStore>(vm: &Vm<K>, c: Address, var: u32) -> u64 {
    let mut s = vm.db().begin().unwrap();
    s.structure_len(&c, &StructurePath::variable(var)).unwrap()
}

#[test]
fn endless_pushes_stop_at_gas_with_bounded_memory() {
    let (vm, c) = setup();
    let root = vm.db().head().root;
    let before = rss_kib();
    let r = call(&vm, c, "push_forever", vec![], GAS);
    assert_eq!(r.error, Some(TxError::OutOfGas), "{r:?}");
    assert_eq!(r.gas_used, GAS);
    let grown = rss_kib().saturating_sub(before);
    assert!(grown < 64 * 1024, "RSS grew by {grown} KiB");
    assert_eq!(vm.db().head().root, root);
    assert_eq!(list_len(&vm, c, 0), 0);
}

#[test]
fn keys_members_and_values_at_their_limits() {
    let (vm, c) = setup();
    let ok = |f: &str, n: i32| {
        let r = call(&vm, c, f, vec![Arg::I32(n)], GAS);
        assert!(r.success, "{f}({n}): {r:?}");
    };
    let refused = |f: &str, n: i32, what: &str| {
        let r = call(&vm, c, f, vec![Arg::I32(n)], GAS);
        let m = trap_of(&r);
        assert!(m.contains(what), "{f}({n}): {m}");
    };
    ok("map_key", 1024);
    refused(
        "map_key",
        1025,
        "a key of 1025 bytes is longer than the 1024 allowed",
    );
    ok("map_value", 65_536);
    refused(
        "map_value",
        65_537,
        "a value of 65537 bytes is longer than the 65536 allowed",
    );
    ok("member", 64);
    ok("member", 0);
    refused(
        "member",
        65,
        "a key of 65 bytes is longer than the 64 allowed",
    );
    // A negative length is a huge one, refused before anything is read.
    refused("map_key", -1, "longer than the 1024 allowed");
}

#[test]
fn nesting_stops_where_the_layout_does() {
    let (vm, c) = setup();
    let r = call(&vm, c, "deep", vec![Arg::I32(7)], GAS);
    assert!(r.success, "{r:?}");
    let r = call(&vm, c, "deep_set", vec![], GAS);
    assert!(r.success, "{r:?}");
    let m = trap_of(&call(&vm, c, "deep", vec![Arg::I32(8)], GAS));
    assert_eq!(m, "struct_open_key does not apply to a map of bytes");
    // Opening a fixed variable as a structure.
    let m = trap_of(&call(&vm, c, "open_var", vec![Arg::I32(5)], GAS));
    assert!(m.contains("variable 5"), "{m}");
}

#[test]
fn handles_belong_to_their_call() {
    let (vm, c) = setup();
    let r = call(&vm, c, "open_var", vec![Arg::I32(1)], GAS);
    assert!(r.success, "{r:?}");
    let h = i32::from_le_bytes(r.return_data.as_slice().try_into().unwrap());
    assert_eq!(h, 1);
    // The same number in the next call names nothing.
    let m = trap_of(&call(&vm, c, "use_handle", vec![Arg::I32(h)], GAS));
    assert_eq!(m, "structure handle 1 is not open in this call (it has 0)");
    for bad in [0, -1, i32::MAX] {
        let m = trap_of(&call(&vm, c, "use_handle", vec![Arg::I32(bad)], GAS));
        assert!(m.contains("is not open in this call"), "{m}");
    }
}

#[test]
fn a_popped_structure_s_handle_is_stale() {
    let (vm, c) = setup();
    let m = trap_of(&call(&vm, c, "stale", vec![], GAS));
    assert_eq!(m, "index 0 is outside the list's 0 elements");
    assert_eq!(list_len(&vm, c, 3), 0);
}

#[test]
fn handles_are_bounded() {
    let (vm, c) = setup();
    let r = call(&vm, c, "many_handles", vec![Arg::I32(255)], GAS);
    assert!(r.success, "{r:?}");
    let m = trap_of(&call(&vm, c, "many_handles", vec![Arg::I32(256)], GAS));
    assert_eq!(m, "a call may open at most 256 structures");
}

#[test]
fn wrong_kinds_and_pointers_trap() {
    let (vm, c) = setup();
    let m = trap_of(&call(&vm, c, "wrong_kind", vec![], GAS));
    assert_eq!(m, "list_push does not apply to a map of bytes");
    let m = trap_of(&call(&vm, c, "bad_pointer", vec![], GAS));
    assert!(m.contains("outside the 131072-byte memory"), "{m}");
}

#[test]
fn clear_reuse_and_revert() {
    let (vm, c) = setup();
    assert!(call(&vm, c, "push3", vec![], GAS).success);
    assert_eq!(list_len(&vm, c, 0), 3);
    // Cleared and reused, then failed: all of it undone.
    let root = vm.db().head().root;
    trap_of(&call(&vm, c, "clear_reuse", vec![Arg::I32(1)], GAS));
    assert_eq!(vm.db().head().root, root);
    assert_eq!(list_len(&vm, c, 0), 3);
    // The same in a block, after a transaction that pushed: only the failed
    // one is undone.
    let txs = [
        svm_vm::Tx::Call(call_tx(c, "push3", vec![], GAS)),
        svm_vm::Tx::Call(call_tx(c, "clear_reuse", vec![Arg::I32(1)], GAS)),
    ];
    let block = vm.execute_block(&txs, BLOCK).unwrap();
    assert!(block.receipts[0].success && !block.receipts[1].success);
    assert_eq!(list_len(&vm, c, 0), 6);
    // Kept: one element, the new one.
    assert!(call(&vm, c, "clear_reuse", vec![Arg::I32(0)], GAS).success);
    assert_eq!(list_len(&vm, c, 0), 1);
    let r = call(&vm, c, "entry_no_room", vec![], GAS);
    // next cursor (none: 1 byte), key (2 + 4 bytes), value (1 byte)
    assert_eq!(r.return_data, 8i64.to_le_bytes());
}
