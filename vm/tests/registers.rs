//! Registers: copies between memory, registers and storage; bad register
//! numbers and widths trap.

mod common;

use common::*;
use svm_vm::TxError;

fn module(body: &str) -> Vec<u8> {
    format!(
        r#"(module
  (import "svm" "reg_from_mem" (func $from_mem (param i32 i32 i32)))
  (import "svm" "reg_to_mem" (func $to_mem (param i32 i32 i32)))
  (import "svm" "reg_from_storage" (func $from_storage (param i32 i32 i32)))
  (import "svm" "reg_to_storage" (func $to_storage (param i32 i32 i32)))
  (import "svm" "reg_copy" (func $copy (param i32 i32 i32)))
  (import "svm" "set_return" (func $return (param i32 i32)))
  (memory (export "memory") 1 1)
  (data (i32.const 0) "\01\02\03\04\05\06\07\08\09\0a\0b\0c\0d\0e\0f\10\11\12\13\14")
  ;; layout: page size 4096; variables of 20 and 8 bytes
  (@custom "svm-layout" "\80\20\02\14\08")
  {body})"#
    )
    .into_bytes()
}

#[test]
fn registers_move_bytes_between_memory_and_storage() {
    let vm = vm();
    let code = module(
        r#"
  (func (export "store_address")
    (call $from_mem (i32.const 160) (i32.const 7) (i32.const 0))
    (call $copy (i32.const 160) (i32.const 0) (i32.const 7))
    (call $to_storage (i32.const 160) (i32.const 0) (i32.const 0)))
  (func (export "load_address")
    (call $from_storage (i32.const 160) (i32.const 3) (i32.const 0))
    (call $to_mem (i32.const 160) (i32.const 3) (i32.const 100))
    (call $return (i32.const 100) (i32.const 20)))
  (func (export "bad_index") (call $copy (i32.const 512) (i32.const 4) (i32.const 0)))
  (func (export "bad_width") (call $copy (i32.const 128) (i32.const 0) (i32.const 0)))
  (func (export "negative") (call $to_mem (i32.const 32) (i32.const -1) (i32.const 0)))
  (func (export "width_mismatch") (call $to_storage (i32.const 64) (i32.const 0) (i32.const 0)))
  (func (export "oob") (call $to_mem (i32.const 512) (i32.const 0) (i32.const 65500)))
"#,
    );
    let c = deploy(&vm, code);
    assert!(c.success, "{c:?}");
    let c = c.contract;
    assert!(call(&vm, c, "store_address", vec![], 100_000).success);
    let r = call(&vm, c, "load_address", vec![], 100_000);
    assert_eq!(r.return_data, (1..=20).collect::<Vec<u8>>(), "{r:?}");
    let root = vm.db().head().root;
    for f in [
        "bad_index",
        "bad_width",
        "negative",
        "width_mismatch",
        "oob",
    ] {
        let r = call(&vm, c, f, vec![], 100_000);
        assert!(matches!(r.error, Some(TxError::Trap(_))), "{f}: {r:?}");
    }
    assert_eq!(vm.db().head().root, root);
}
