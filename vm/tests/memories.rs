//! Instance memories come from a pool of reservations (`memory_pool`): a
//! memory handed out again must look exactly like a fresh one. Zeroed, its
//! guard where its declared size ends (not where the last user grew it),
//! its data segments written, whatever earlier transactions did with it.

mod common;

use common::*;
use svm_vm::{Arg, Receipt, TxError};

/// `dirty(fill)` grows memory from 1 to 4 pages and writes the byte `fill`
/// over all of it; `peek(offset)` returns the byte at `offset` (as 4 bytes); the data
/// segment puts "svm" at offset 100.
const DIRTY: &str = r#"(module
  (import "svm" "set_return" (func $return (param i32 i32)))
  (memory (export "memory") 1 4)
  (@custom "svm-layout" "\80\20\01\08")
  (data (i32.const 100) "svm")
  (func (export "dirty") (param $fill i32)
    (local $at i32) (local $word i64)
    (drop (memory.grow (i32.const 3)))
    (local.set $word (i64.mul (i64.extend_i32_u (local.get $fill))
                              (i64.const 0x0101010101010101)))
    (loop $l
      (i64.store (local.get $at) (local.get $word))
      (br_if $l (i32.lt_u (local.tee $at (i32.add (local.get $at) (i32.const 8)))
                          (i32.const 262144)))))
  (func (export "peek") (param $offset i32)
    (i32.store (i32.const 0) (i32.load8_u (local.get $offset)))
    (call $return (i32.const 0) (i32.const 4)))
)"#;

fn peek(r: &Receipt) -> Option<u32> {
    r.success
        .then(|| u32::from_le_bytes(r.return_data[..4].try_into().unwrap()))
}

#[test]
fn a_reused_memory_is_a_fresh_one() {
    let vm = vm();
    let d = deploy(&vm, wasm(DIRTY.as_bytes()));
    assert!(d.success, "{d:?}");
    let c = d.contract;
    let gas = 5_000_000;
    for round in 0..20 {
        let fill = 0x40 + round;
        let d = call(&vm, c, "dirty", vec![Arg::I32(fill)], gas);
        assert!(d.success, "{d:?}");
        // Every byte the last instance wrote reads zero in the next one,
        // but for the data segment.
        for offset in [0, 99, 103, 4_095, 65_535] {
            let r = call(&vm, c, "peek", vec![Arg::I32(offset)], gas);
            assert_eq!(peek(&r), Some(0), "round {round}, offset {offset}");
        }
        let r = call(&vm, c, "peek", vec![Arg::I32(100)], gas);
        assert_eq!(peek(&r), Some(u32::from(b's')));
        let r = call(&vm, c, "peek", vec![Arg::I32(102)], gas);
        assert_eq!(peek(&r), Some(u32::from(b'm')));
        // The grown pages are gone: one page again, the guard right after.
        for offset in [65_536, 131_072, 262_143] {
            let r = call(&vm, c, "peek", vec![Arg::I32(offset)], gas);
            assert!(
                matches!(&r.error, Some(TxError::Trap(m)) if m.contains("out of bounds")),
                "round {round}, offset {offset}: {r:?}"
            );
        }
    }
}
