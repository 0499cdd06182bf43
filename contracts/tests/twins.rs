//! The Rust examples deployed into a real svm-vm on RocksDB: each agrees
//! with its hand-written twin on every receipt and on the storage it
//! leaves; misuse fails with a clear trap and changes nothing; proofs of
//! what they stored verify; a template spawns two independent contracts.

use keccak_hash::H256;
use quickcheck::{QuickCheck, TestResult};
use svm_contracts::twins::{self, A, ALICE, AUTHOR, BLOCK, BOB, CAROL, Flavor, GAS, Step};
use svm_proofs::{prove_element, prove_variable};
use svm_state::kv::{RocksConfig, RocksKv};
use svm_state::{Address, StateConfig, StateDb};
use svm_verify::{ElementValue, PathKey};
use svm_vm::{Arg, Call, Receipt, Spawn, Template, TxError, Vm, VmConfig};

fn rocks_vm(dir: &tempfile::TempDir) -> Vm<RocksKv> {
    let kv = RocksKv::open(dir.path(), &RocksConfig::default()).unwrap();
    Vm::new(
        StateDb::open(kv, &StateConfig::default()).unwrap(),
        VmConfig::default(),
    )
}

fn storage_root(vm: &Vm<RocksKv>, a: &Address) -> H256 {
    let view = vm.db().at(vm.db().head().root).unwrap();
    view.account(a).unwrap().expect("deployed").storage_root
}

#[test]
fn every_example_validates_with_its_twins_layout() {
    for (name, rust, _) in svm_contracts::ALL {
        let config = VmConfig::default();
        let layout = svm_vm::validate(rust, &config)
            .unwrap_or_else(|e| panic!("{name}: the Rust module is refused: {e}"));
        let twin = svm_vm::validate(&twins::module(name, Flavor::Wat), &config).unwrap();
        assert_eq!(layout, twin, "{name}: layouts differ");
        // Only svm imports, one memory export, no custom section but the layout.
        let sections: Vec<String> = wasmparser::Parser::new(0)
            .parse_all(rust)
            .filter_map(|p| match p.unwrap() {
                wasmparser::Payload::CustomSection(c) => Some(c.name().to_string()),
                _ => None,
            })
            .collect();
        assert_eq!(sections, ["svm-layout"], "{name}");
    }
}

#[test]
fn rust_examples_agree_with_their_twins_on_rocksdb() {
    for (name, steps) in twins::scripts() {
        let (d1, d2) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let (rust_vm, wat_vm) = (rocks_vm(&d1), rocks_vm(&d2));
        let (rust, rust_at) = twins::run(&rust_vm, Flavor::Rust, &steps).unwrap();
        let (wat, wat_at) = twins::run(&wat_vm, Flavor::Wat, &steps).unwrap();
        let (mut ok, mut failed) = (0, 0);
        for (r, w) in rust.iter().zip(&wat) {
            assert_eq!(r.outcome(), w.outcome(), "{name}: {}", r.what);
            match r.outcome() {
                Some(o) if o.success => ok += 1,
                Some(_) => failed += 1,
                None => {}
            }
        }
        assert!(
            ok > 1 && failed > 0,
            "{name}: the script exercises both outcomes"
        );
        // Storage holding another contract's address differs with the
        // address (the code hash is part of it); the outcomes compared the
        // values read back above.
        let holds_addresses = steps.iter().any(|s| match s {
            Step::Deploy { constructor, .. } => constructor
                .as_ref()
                .is_some_and(|(_, a)| a.iter().any(|a| matches!(a, A::Contract(_)))),
            Step::Call { args, .. } => args.iter().any(|a| matches!(a, A::Contract(_))),
            Step::Fund(..) => false,
        });
        for (r, w) in rust_at.iter().zip(&wat_at) {
            if holds_addresses {
                continue;
            }
            assert_ne!(r, w, "different code, different addresses");
            assert_eq!(
                storage_root(&rust_vm, r),
                storage_root(&wat_vm, w),
                "{name}: storage differs"
            );
        }
        rust_vm.db().check(rust_vm.db().head().root).unwrap();
    }
}

fn call(vm: &Vm<RocksKv>, c: Address, who: Address, f: &str, args: Vec<Arg>) -> Receipt {
    let call = Call {
        contract: c,
        sender: who,
        function: f.into(),
        args,
        gas_limit: GAS,
        value: 0u64.into(),
    };
    vm.call(&call, BLOCK).unwrap()
}

fn trap_message(r: &Receipt) -> &str {
    match &r.error {
        Some(TxError::Trap(m)) => m,
        e => panic!("expected a trap, got {e:?}"),
    }
}

#[test]
fn misuse_traps_clearly_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let vm = rocks_vm(&dir);
    let steps = [
        Step::Deploy {
            example: "map-token",
            constructor: Some(("init", vec![])),
        },
        Step::Deploy {
            example: "registry",
            constructor: None,
        },
        Step::Deploy {
            example: "inbox",
            constructor: None,
        },
    ];
    let (_, at) = twins::run(&vm, Flavor::Rust, &steps).unwrap();
    let (token, registry, inbox) = (at[0], at[1], at[2]);
    let r = call(
        &vm,
        token,
        AUTHOR,
        "mint",
        vec![Arg::Bytes(ALICE.0.to_vec()), Arg::I64(10)],
    );
    assert!(r.success, "{r:?}");
    let before = vm.db().head().root;
    let cases: Vec<(Address, Address, &str, Vec<Arg>, &str)> = vec![
        // a panic: its message
        (
            token,
            ALICE,
            "transfer",
            vec![Arg::Bytes(BOB.0.to_vec()), Arg::I64(11)],
            "aborted: insufficient balance",
        ),
        (
            token,
            BOB,
            "mint",
            vec![Arg::Bytes(BOB.0.to_vec()), Arg::I64(1)],
            "aborted: only the owner mints",
        ),
        // an argument of the wrong shape
        (
            token,
            AUTHOR,
            "mint",
            vec![Arg::Bytes(vec![1; 21]), Arg::I64(1)],
            "aborted: argument `to` does not decode as its type",
        ),
        (token, AUTHOR, "mint", vec![Arg::I32(1), Arg::I64(1)], ""),
        // an overflow the contract checks
        (
            token,
            AUTHOR,
            "mint",
            vec![Arg::Bytes(ALICE.0.to_vec()), Arg::I64(-1)],
            "aborted: a balance overflows",
        ),
        // a sorted-set member over svm's 64-byte limit: the vmcall refuses it
        (
            registry,
            ALICE,
            "register",
            vec![Arg::Bytes(vec![1; 65])],
            "longer than the 64",
        ),
        // a map key over the 1,024-byte limit
        (
            registry,
            ALICE,
            "owner_of",
            vec![Arg::Bytes(vec![1; 1025])],
            "1024",
        ),
        // a narrow scalar out of range is not silently truncated
        (
            registry,
            ALICE,
            "names",
            vec![Arg::Bytes(vec![]), Arg::I32(-1)],
            "aborted:",
        ),
        (
            inbox,
            ALICE,
            "post",
            vec![Arg::Bytes(vec![2; 19]), Arg::Bytes(b"x".to_vec())],
            "aborted: argument `to`",
        ),
    ];
    for (c, who, f, args, expect) in cases {
        let r = call(&vm, c, who, f, args);
        assert!(!r.success, "{f}: {r:?}");
        assert!(r.events.is_empty() && r.return_data.is_empty(), "{r:?}");
        if expect.is_empty() {
            assert!(
                matches!(r.error, Some(TxError::InvalidArguments(_))),
                "{r:?}"
            );
        } else {
            let m = trap_message(&r);
            assert!(m.contains(expect), "{f}: {m:?} does not say {expect:?}");
        }
        assert_eq!(vm.db().head().root, before, "{f} changed the state");
    }
    // Reading past a list's end is an answer, not a failure.
    let r = call(
        &vm,
        inbox,
        ALICE,
        "read",
        vec![Arg::Bytes(ALICE.0.to_vec()), Arg::I64(3)],
    );
    assert!(r.success && r.return_data.is_empty(), "{r:?}");
    vm.db().check(vm.db().head().root).unwrap();
}

#[test]
fn proofs_of_what_a_rust_contract_stored_verify() {
    let dir = tempfile::tempdir().unwrap();
    let vm = rocks_vm(&dir);
    let (_, steps) = twins::scripts()
        .into_iter()
        .find(|(n, _)| *n == "map-token")
        .unwrap();
    let (ran, at) = twins::run(&vm, Flavor::Rust, &steps).unwrap();
    let supply = ran
        .last()
        .unwrap()
        .receipt
        .as_ref()
        .unwrap()
        .return_data
        .clone();
    assert_eq!(supply, 1015u64.to_le_bytes());
    let root = vm.db().head().root;
    let (_, proven) = prove_variable(vm.db(), root, &at[0], 0, true).unwrap();
    assert_eq!(proven.value, Some(supply));
    let (_, proven) = prove_variable(vm.db(), root, &at[0], 1, false).unwrap();
    assert_eq!(proven.value, Some(AUTHOR.0.to_vec()), "the owner");
    for (who, balance) in [(ALICE, 705u64), (BOB, 0), (CAROL, 310)] {
        let path = [PathKey::Key(who.0.to_vec())];
        let (_, e) = prove_element(vm.db(), root, &at[0], 2, &path, true).unwrap();
        let want = (balance > 0).then(|| ElementValue::Bytes(balance.to_le_bytes().to_vec()));
        assert_eq!(e.element, want, "{who:?}");
    }
}

#[test]
fn a_template_spawns_two_independent_counters() {
    let dir = tempfile::tempdir().unwrap();
    let vm = rocks_vm(&dir);
    let code = svm_contracts::COUNTER.to_vec();
    let hash = keccak_hash::keccak(&code);
    let t = Template {
        author: AUTHOR,
        nonce: vm.next_nonce(&AUTHOR).unwrap(),
        code,
        gas_limit: GAS,
    };
    assert!(vm.template(&t, BLOCK).unwrap().success);
    let mut spawned = Vec::new();
    for _ in 0..2 {
        let s = Spawn {
            author: AUTHOR,
            nonce: vm.next_nonce(&AUTHOR).unwrap(),
            template: hash,
            balance: 0u64.into(),
            constructor: Some(("increment".into(), vec![Arg::I64(1)])),
            gas_limit: GAS,
        };
        let r = vm.spawn(&s, BLOCK).unwrap();
        assert!(r.success, "{r:?}");
        spawned.push(r.contract);
    }
    let r = call(&vm, spawned[1], BOB, "increment", vec![Arg::I64(41)]);
    assert!(r.success, "{r:?}");
    let get = |c| call(&vm, c, BOB, "get", vec![]).return_data;
    assert_eq!(get(spawned[0]), 1u64.to_le_bytes());
    assert_eq!(get(spawned[1]), 42u64.to_le_bytes());
    let view = vm.db().at(vm.db().head().root).unwrap();
    let (a, b) = (
        view.account(&spawned[0]).unwrap().unwrap(),
        view.account(&spawned[1]).unwrap().unwrap(),
    );
    assert_eq!(a.code_hash, hash, "both run the template's code");
    assert_eq!(a.code_hash, b.code_hash);
    assert_ne!(
        a.storage_root, b.storage_root,
        "each has storage of its own"
    );
}

fn args_of(spec: Vec<(u8, i64, Vec<u8>)>) -> (svm_sdk::Args, Vec<Arg>) {
    let mut sdk = svm_sdk::Args::new();
    let mut vm = Vec::new();
    for (kind, n, b) in spec {
        match kind % 3 {
            0 => {
                sdk = sdk.i32(n as i32);
                vm.push(Arg::I32(n as i32));
            }
            1 => {
                sdk = sdk.i64(n);
                vm.push(Arg::I64(n));
            }
            _ => {
                sdk = sdk.bytes(&b);
                vm.push(Arg::Bytes(b));
            }
        }
    }
    (sdk, vm)
}

#[test]
fn the_sdks_call_arguments_are_svms_encoding() {
    fn prop(spec: Vec<(u8, i64, Vec<u8>)>) -> TestResult {
        let (sdk, vm) = args_of(spec);
        let encoded = sdk.encode();
        TestResult::from_bool(
            encoded == svm_vm::args::encode_args(&vm)
                && svm_vm::args::decode_args(&encoded) == Ok(vm),
        )
    }
    QuickCheck::new()
        .tests(300)
        .quickcheck(prop as fn(Vec<(u8, i64, Vec<u8>)>) -> TestResult);
    // Long byte strings take RLP's long headers on both sides.
    let (sdk, vm) = args_of(vec![(2, 0, vec![7; 70_000]), (0, -5, vec![])]);
    assert_eq!(sdk.encode(), svm_vm::args::encode_args(&vm));
}

#[test]
fn every_example_has_a_script() {
    // Keeps the scripts honest: every example has one, and it calls more
    // than the deploy.
    let scripts = twins::scripts();
    for (name, ..) in svm_contracts::ALL {
        let (_, steps) = scripts
            .iter()
            .find(|(n, _)| n == name)
            .expect("a script per example");
        assert!(
            steps
                .iter()
                .filter(|s| matches!(s, Step::Call { .. }))
                .count()
                >= 5,
            "{name}"
        );
    }
}
