//! Singlepass and Cranelift agree: the same transactions give the same
//! receipts (gas, errors, return data, logs, roots) under either compiler.
#![cfg(feature = "cranelift")]

mod common;

use common::*;
use std::time::Duration;
use svm_state::kv::{KvStore, MemoryKv};
use svm_state::{StateConfig, StateDb};

use svm_vm::{Arg, CompilerKind, Receipt, Tiering, TxError, Vm, VmConfig};

fn vm_compiled(compiler: CompilerKind) -> Vm<MemoryKv> {
    vm_with(VmConfig {
        compiler,
        ..VmConfig::default()
    })
}

fn vm_tiering(tiering: Option<Tiering>) -> Vm<MemoryKv> {
    vm_with(VmConfig {
        tiering,
        ..VmConfig::default()
    })
}

/// A contract exercising loops, recursion, memory growth, arithmetic and
/// vmcalls, including ways to fail.
const MIXED: &str = r#"(module
  (import "svm" "storage_read" (func $read (param i32 i32 i32)))
  (import "svm" "storage_write" (func $write (param i32 i32 i32)))
  (import "svm" "set_return" (func $return (param i32 i32)))
  (memory (export "memory") 1 4)
  (@custom "svm-layout" "\80\20\02\08\08")
  (func $fib (param $n i64) (result i64)
    (if (result i64) (i64.lt_u (local.get $n) (i64.const 2))
      (then (local.get $n))
      (else (i64.add (call $fib (i64.sub (local.get $n) (i64.const 1)))
                     (call $fib (i64.sub (local.get $n) (i64.const 2)))))))
  (func (export "fib") (param $n i64)
    (i64.store (i32.const 0) (call $fib (local.get $n)))
    (call $write (i32.const 0) (i32.const 0) (i32.const 8))
    (call $return (i32.const 0) (i32.const 8)))
  (func (export "hash") (param $rounds i32)
    (local $x i64)
    (local.set $x (i64.const 0x9e3779b97f4a7c15))
    (loop $l
      (local.set $x (i64.mul (i64.xor (local.get $x) (i64.shr_u (local.get $x) (i64.const 29)))
                             (i64.const 0xbf58476d1ce4e5b9)))
      (br_if $l (local.tee $rounds (i32.sub (local.get $rounds) (i32.const 1)))))
    (i64.store (i32.const 8) (local.get $x))
    (call $write (i32.const 1) (i32.const 8) (i32.const 8))
    (call $return (i32.const 8) (i32.const 8)))
  (func $down (param $n i32) (result i32)
    (call $down (i32.add (local.get $n) (i32.const 1))))
  (func (export "recurse") (drop (call $down (i32.const 0))))
  (func (export "spin") (loop $l (br $l)))
  (func (export "grow") (result i32)
    (drop (memory.grow (i32.const 3)))
    (memory.grow (i32.const 1)))
  (func (export "divide") (param $a i32) (param $b i32) (result i32)
    (i32.div_s (local.get $a) (local.get $b)))
  (func (export "bad_pointer")
    (call $read (i32.const 0) (i32.const 65534) (i32.const 8)))
)"#;

fn script<K: KvStore>(vm: &Vm<K>) -> Vec<Receipt> {
    let mut receipts = vec![deploy(vm, contract("token.wat"))];
    let token = receipts[0].contract;
    for h in 0..4 {
        let args = vec![Arg::I32(h), Arg::I64(500)];
        receipts.push(call(vm, token, "mint", args, 1_000_000));
    }
    for i in 0..20 {
        let args = vec![Arg::I32(i % 4), Arg::I32((i * 5) % 17), Arg::I64(90)];
        receipts.push(call(vm, token, "transfer", args, 1_000_000));
    }
    receipts.push(deploy(vm, MIXED.as_bytes().to_vec()));
    let c = receipts.last().unwrap().contract;
    let calls: Vec<(&str, Vec<Arg>, u64)> = vec![
        ("fib", vec![Arg::I64(15)], 10_000_000),
        ("fib", vec![Arg::I64(25)], 50_000),
        ("hash", vec![Arg::I32(10_000)], 10_000_000),
        ("hash", vec![Arg::I32(1_000_000)], 1_000_000),
        ("recurse", vec![], 30_000_000),
        ("spin", vec![], 123_457),
        ("grow", vec![], 100_000),
        ("divide", vec![Arg::I32(7), Arg::I32(0)], 100_000),
        ("divide", vec![Arg::I32(i32::MIN), Arg::I32(-1)], 100_000),
        ("divide", vec![Arg::I32(-7), Arg::I32(2)], 100_000),
        ("bad_pointer", vec![], 100_000),
        ("missing", vec![], 100_000),
        ("fib", vec![Arg::I32(3)], 100_000),
    ];
    for (function, args, gas) in calls {
        receipts.push(call(vm, c, function, args, gas));
    }
    // At the frame and depth boundaries: the largest frames validation
    // allows, 512 deep (succeeds) and 513 deep (the depth limit, not the
    // native stack, stops it).
    // At the gas boundary: the exact gas a write needs (page load and write
    // charges included) succeeds, one less runs out.
    let counter = deploy(vm, contract("counter.wat")).contract;
    let exact = call(vm, counter, "increment", vec![Arg::I64(1)], 1_000_000);
    let need = exact.gas_used;
    receipts.push(exact);
    for limit in [need, need - 1] {
        receipts.push(call(vm, counter, "increment", vec![Arg::I64(1)], limit));
    }
    for (code, function) in [(fat_frames(1_024), "fat"), (arg_frames(), "args")] {
        let d = deploy(vm, code);
        let f = d.contract;
        receipts.push(d);
        for n in [510, 511] {
            receipts.push(call(vm, f, function, vec![Arg::I32(n)], 30_000_000));
        }
    }
    receipts
}

#[test]
fn singlepass_and_cranelift_agree() {
    let single = script(&vm_compiled(CompilerKind::Singlepass));
    let cranelift = script(&vm_compiled(CompilerKind::Cranelift));
    assert_eq!(single.len(), cranelift.len());
    for (s, c) in single.iter().zip(&cranelift) {
        assert_eq!(s, c);
    }
    // The script covers successes and each kind of failure.
    let kinds: Vec<_> = single.iter().map(|r| r.error.clone()).collect();
    assert!(kinds.iter().filter(|e| e.is_none()).count() > 20);
    assert!(kinds.contains(&Some(TxError::OutOfGas)));
    assert!(kinds.contains(&Some(TxError::FunctionNotFound("missing".into()))));
    assert!(
        kinds
            .iter()
            .any(|e| matches!(e, Some(TxError::Trap(m)) if m.contains("call depth")))
    );
    assert!(
        kinds
            .iter()
            .any(|e| matches!(e, Some(TxError::InvalidArguments(_))))
    );
    let fib = &single[single.len() - 22];
    assert_eq!(fib.return_data, 610u64.to_le_bytes());
    let grow = &single[single.len() - 16];
    assert!(grow.success, "{grow:?}");
    let n = single.len();
    assert!(single[n - 8].success && single[n - 8].gas_used == single[n - 9].gas_used);
    assert_eq!(single[n - 7].error, Some(TxError::OutOfGas));
    for last in [n - 4, n - 1] {
        assert!(single[last - 1].success, "{:?}", single[last - 1]);
        assert_eq!(
            single[last].error,
            Some(TxError::Trap("call depth exceeds 512".into()))
        );
    }
}

/// Contract calls agree too: a chain through three contracts with a callee
/// running out of its gas, one trapping, value moving, the depth limit.
#[test]
fn contract_calls_agree() {
    let script = |vm: &Vm<MemoryKv>| -> Vec<Receipt> {
        let mut receipts: Vec<Receipt> = (0..3).map(|_| deploy(vm, relay())).collect();
        receipts.push(deploy(vm, wasm(&relay_text(true))));
        let [a, b, c, me] = [0, 1, 2, 3].map(|i| receipts[i].contract);
        fund(vm, &a, 1_000);
        let all = i64::MAX as u64;
        let chains = [
            msg(
                b,
                all,
                5,
                "relay",
                &[Arg::Bytes(msg(c, 77_777, 1, "spin", &[]))],
            ),
            msg(
                b,
                all,
                0,
                "relay_then_fail",
                &[Arg::Bytes(msg(c, all, 0, "trap", &[]))],
            ),
            msg(
                c,
                all,
                0,
                "relay",
                &[Arg::Bytes(msg(
                    b,
                    all,
                    0,
                    "echo",
                    &[Arg::Bytes(vec![1; 99])],
                ))],
            ),
        ];
        for m in chains {
            receipts.push(call(vm, a, "relay", vec![Arg::Bytes(m)], 3_000_000));
        }
        let mut deep = msg(me, 0, 0, "count", &[]);
        for _ in 0..9 {
            deep = msg(me, all, 0, "relay", &[Arg::Bytes(deep)]);
        }
        receipts.push(call(vm, me, "relay", vec![Arg::Bytes(deep)], 10_000_000));
        receipts
    };
    let single = script(&vm_compiled(CompilerKind::Singlepass));
    let cranelift = script(&vm_compiled(CompilerKind::Cranelift));
    assert_eq!(single, cranelift);
    assert!(single.iter().all(|r| r.success), "{single:?}");
}

/// Tiering swaps Cranelift's code in under running contracts: round after
/// round of the same calls, the receipts are those of a VM that never tiers
/// (the later rounds run the swapped-in modules: every module of the script
/// is hot after its first call).
#[test]
fn tiering_changes_no_receipt() {
    let tiered = vm_tiering(Some(Tiering {
        hot_calls: 1,
        ..Tiering::default()
    }));
    let plain = vm_tiering(None);
    let mut optimized = Vec::new();
    for round in 0..3 {
        let a = script(&tiered);
        tiered.settle_tiering();
        let b = script(&plain);
        assert_eq!(a, b, "round {round}");
        optimized.push(tiered.module_stats().optimized_calls);
    }
    // The first round runs singlepass code (each module turns hot on its
    // first call and is swapped in later); the next rounds run Cranelift's.
    assert!(
        optimized[0] < optimized[1] && optimized[1] < optimized[2],
        "{optimized:?}"
    );
    assert!(optimized[2] - optimized[1] >= 40, "{optimized:?}");
    let stats = tiered.module_stats();
    // token, the mixed contract, counter and the two frame contracts.
    assert_eq!(stats.tier_ups, 5, "{stats:?}");
    assert_eq!(stats.tier_refusals, 0, "{stats:?}");
    assert_eq!(plain.module_stats().tier_ups, 0);
    assert_eq!(plain.module_stats().optimized_calls, 0);
}

/// A compile over its budget leaves the module on singlepass for good (not
/// compiled again), as does code over the size bound; receipts never move.
#[test]
fn tiering_over_budget_or_size_stays_on_singlepass() {
    let over_budget = vm_tiering(Some(Tiering {
        hot_calls: 1,
        compile_budget: Duration::ZERO,
        ..Tiering::default()
    }));
    let too_large = vm_tiering(Some(Tiering {
        hot_calls: 1,
        max_code_bytes: 0,
        ..Tiering::default()
    }));
    let plain = vm_tiering(None);
    let mut refusals = Vec::new();
    for round in 0..2 {
        let a = script(&over_budget);
        over_budget.settle_tiering();
        let b = script(&too_large);
        too_large.settle_tiering();
        let c = script(&plain);
        assert_eq!(a, c, "round {round}");
        assert_eq!(b, c, "round {round}");
        refusals.push(over_budget.module_stats().tier_refusals);
    }
    assert_eq!(refusals, [5, 5]);
    assert_eq!(over_budget.module_stats().tier_ups, 0);
    assert_eq!(over_budget.module_stats().optimized_calls, 0);
    let large = too_large.module_stats();
    assert_eq!((large.tier_ups, large.tier_refusals), (0, 0));
}

/// A tiered module's Cranelift artifact persists: after a restart the
/// module is loaded from it and runs optimized from the first call, with
/// the same receipts.
#[test]
fn tiered_artifacts_persist_across_restarts() {
    let dir = tempfile::tempdir().unwrap();
    let artifacts = dir.path().join("artifacts");
    let config = VmConfig {
        artifact_dir: Some(artifacts.clone()),
        tiering: Some(Tiering {
            hot_calls: 1,
            ..Tiering::default()
        }),
        ..VmConfig::default()
    };
    let open = || {
        let db = StateDb::open_rocks(&dir.path().join("db"), &StateConfig::default()).unwrap();
        Vm::new(db, config.clone())
    };
    let (c, before) = {
        let vm = open();
        let c = deploy(&vm, contract("counter.wat")).contract;
        let first = call(&vm, c, "increment", vec![Arg::I64(2)], 100_000);
        vm.settle_tiering();
        let second = call(&vm, c, "increment", vec![Arg::I64(2)], 100_000);
        let s = vm.module_stats();
        assert_eq!(
            (s.compiles, s.tier_ups, s.optimized_calls),
            (1, 1, 1),
            "{s:?}"
        );
        (c, [first, second])
    };
    // Singlepass's artifact and Cranelift's.
    assert_eq!(std::fs::read_dir(&artifacts).unwrap().count(), 2);
    let vm = open();
    let after = [
        call(&vm, c, "increment", vec![Arg::I64(2)], 100_000),
        call(&vm, c, "increment", vec![Arg::I64(2)], 100_000),
    ];
    let s = vm.module_stats();
    assert_eq!(
        (s.disk_hits, s.compiles, s.tier_ups, s.optimized_calls),
        (1, 0, 0, 2),
        "{s:?}"
    );
    for (b, a) in before.iter().zip(&after) {
        assert!(a.success, "{a:?}");
        assert_eq!(a.gas_used, b.gas_used);
    }
    let r = call(&vm, c, "get", vec![], 100_000);
    assert_eq!(r.return_data, 8u64.to_le_bytes(), "{r:?}");
}
