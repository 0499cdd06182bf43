//! Hostile contracts: each is refused at deploy or stopped with the right
//! error, with no state change and no host crash.

mod common;

use common::*;
use svm_vm::TxError;

/// A module with the given body, a one-page bounded memory and a layout of
/// one 8-byte variable.
fn module(body: &str) -> Vec<u8> {
    format!(
        r#"(module
  (import "svm" "storage_read" (func $read (param i32 i32 i32)))
  (import "svm" "storage_write" (func $write (param i32 i32 i32)))
  (import "svm" "set_return" (func $return (param i32 i32)))
  (import "svm" "log" (func $log (param i32 i32)))
  (import "svm" "balance" (func $balance (param i32 i32)))
  (memory (export "memory") 1 2)
  (@custom "svm-layout" "\80\20\01\08")
  {body})"#
    )
    .into_bytes()
}

/// Deploys `code` (converted first if it is valid text, else as it is).
fn refused(code: Vec<u8>, needle: &str) {
    let vm = vm();
    let head = vm.db().head();
    let code = svm_vm::wat_to_wasm(&code).unwrap_or(code);
    let r = vm
        .deploy(
            &svm_vm::Deploy {
                author: AUTHOR,
                nonce: 0,
                code,
                balance: 0u64.into(),
                constructor: None,
                gas_limit: DEPLOY_GAS,
            },
            BLOCK,
        )
        .unwrap();
    match &r.error {
        Some(TxError::ValidationFailed(why)) => assert!(why.contains(needle), "{why}"),
        other => panic!("expected a validation failure about {needle:?}, got {other:?}"),
    }
    assert_eq!(vm.db().head(), head, "a refused deploy changed the state");
}

#[test]
fn refused_modules() {
    refused(b"\0asm\x01\0\0\0garbage".to_vec(), "invalid module");
    refused(b"not wasm at all (".to_vec(), "not a WebAssembly binary");
    refused(
        module(r#"(func (export "f") (result f32) (f32.const 1.5))"#),
        "floating",
    );
    refused(module(r#"(func (export "f") (param f64))"#), "floating");
    refused(
        br#"(module (import "env" "abort" (func)) (memory (export "memory") 1 1) (@custom "svm-layout" "\80\20\01\08"))"#.to_vec(),
        "unknown import env.abort",
    );
    refused(
        br#"(module (import "svm" "log" (func (param i32))) (memory (export "memory") 1 1) (@custom "svm-layout" "\80\20\01\08"))"#.to_vec(),
        "wrong signature",
    );
    refused(
        br#"(module (memory (export "memory") 1) (@custom "svm-layout" "\80\20\01\08"))"#.to_vec(),
        "maximum",
    );
    refused(
        br#"(module (memory (export "memory") 1 65536) (@custom "svm-layout" "\80\20\01\08"))"#
            .to_vec(),
        "maximum",
    );
    refused(
        br#"(module (memory 1 1) (@custom "svm-layout" "\80\20\01\08"))"#.to_vec(),
        "export its memory",
    );
    refused(
        br#"(module (memory (export "memory") 1 1))"#.to_vec(),
        "svm-layout",
    );
    refused(module(r#"(func $s) (start $s)"#), "start functions");
    let many: String = (0..10_001).map(|_| "(func)").collect();
    refused(module(&many), "functions exceed");
    let locals = format!("(func {})", "(local i32)".repeat(1_001));
    refused(module(&locals), "1001 locals");
    // Parameters count as locals.
    let params = format!(
        "(func (param {}) {})",
        "i32 ".repeat(500),
        "(local i32)".repeat(501)
    );
    refused(module(&params), "1001 locals");
    // Data and element segments must lie inside the initial memory and table.
    refused(
        module(r#"(data (i32.const 65530) "0123456789")"#),
        "data segment",
    );
    refused(
        module(r#"(table 1 4 funcref) (func $f) (elem (i32.const 1) $f)"#),
        "element segment",
    );
}

#[test]
fn runaway_contracts_stop_with_the_right_error() {
    let vm = vm();
    let code = module(
        r#"
  (func (export "spin") (loop $l (br $l)))
  (func $down (export "recurse") (call $down))
  (func $fat (export "recurse_fat") (local i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64) LOCALS (call $fat))
  (func (export "grow") (result i32)
    (drop (memory.grow (i32.const 1)))
    (memory.grow (i32.const 1)))
  (func (export "grow_ok")
    (if (i32.ne (memory.grow (i32.const 1)) (i32.const 1)) (then unreachable))
    (if (i32.ne (memory.grow (i32.const 1)) (i32.const -1)) (then unreachable)))
  (func (export "oob_read") (call $read (i32.const 0) (i32.const 65535) (i32.const 8)))
  (func (export "oob_negative") (call $log (i32.const -1) (i32.const 8)))
  (func (export "oob_len") (call $return (i32.const 0) (i32.const 2147483647)))
  (func (export "oob_balance") (call $balance (i32.const 65530) (i32.const 0)))
  (func (export "bad_var") (call $write (i32.const 1) (i32.const 0) (i32.const 8)))
  (func (export "bad_len") (call $write (i32.const 0) (i32.const 0) (i32.const 9)))
  (func (export "neg_var") (call $write (i32.const -1) (i32.const 0) (i32.const 8)))
"#,
    );
    // The fattest frame allowed: 1,000 i64 locals.
    let code = String::from_utf8(code)
        .unwrap()
        .replace("LOCALS", &"(local i64)".repeat(900))
        .into_bytes();
    let c = deploy(&vm, code);
    assert!(c.success, "{c:?}");
    let c = c.contract;
    let head = vm.db().head();
    let r = call(&vm, c, "spin", vec![], 1_000_000);
    assert_eq!((r.error, r.gas_used), (Some(TxError::OutOfGas), 1_000_000));
    // Recursion stops at the configured depth, deterministically.
    let r = call(&vm, c, "recurse", vec![], 30_000_000);
    assert_eq!(
        r.error,
        Some(TxError::Trap("call depth exceeds 512".into()))
    );
    let r2 = call(&vm, c, "recurse_fat", vec![], 30_000_000);
    assert_eq!(r2.error, r.error, "large frames hit the same limit");
    let again = call(&vm, c, "recurse", vec![], 30_000_000);
    assert_eq!(again.gas_used, r.gas_used);
    assert!(
        r.gas_used > 512 * 10,
        "every call was charged: {}",
        r.gas_used
    );
    // memory.grow within the declared maximum (2 pages) works; beyond it fails.
    let r = call(&vm, c, "grow_ok", vec![], 1_000_000);
    assert!(r.success, "{r:?}");
    for f in ["oob_read", "oob_negative", "oob_len", "oob_balance"] {
        let r = call(&vm, c, f, vec![], 1_000_000);
        match &r.error {
            Some(TxError::Trap(why)) => assert!(why.contains("outside"), "{f}: {why}"),
            other => panic!("{f}: {other:?}"),
        }
    }
    for f in ["bad_var", "bad_len", "neg_var"] {
        let r = call(&vm, c, f, vec![], 1_000_000);
        assert!(matches!(r.error, Some(TxError::Trap(_))), "{f}: {r:?}");
    }
    assert_eq!(
        vm.db().head().root,
        head.root,
        "no failed call changed the state"
    );
    // The VM still works afterwards.
    let r = call(&vm, c, "grow", vec![], 1_000_000);
    assert!(r.success, "{r:?}");
}
