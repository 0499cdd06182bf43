//! The counter contract end to end: deploy, calls, receipts, failure
//! discarding state, persistence across reopen.

mod common;

use common::*;
use svm_state::{StateConfig, StateDb};
use svm_vm::{Arg, TxError, Vm, VmConfig};

#[test]
fn counter_counts_and_persists() {
    let dir = tempfile::tempdir().unwrap();
    let address = {
        let db = StateDb::open_rocks(dir.path(), &StateConfig::default()).unwrap();
        let vm = Vm::new(db, VmConfig::default());
        let r = deploy(&vm, contract("counter.wat"));
        assert!(r.success, "{r:?}");
        let code = wat::parse_bytes(&contract("counter.wat"))
            .unwrap()
            .into_owned();
        assert_eq!(r.gas_used, svm_vm::gas::deploy_cost(code.len()));
        let c = r.contract;
        let r = call(&vm, c, "increment", vec![Arg::I64(5)], 100_000);
        assert!(r.success, "{r:?}");
        assert_eq!(r.logs, vec![5u64.to_le_bytes().to_vec()]);
        assert!(r.gas_used > 100, "vmcalls cost gas: {}", r.gas_used);
        let before = r.world_root;
        let r2 = call(&vm, c, "increment", vec![Arg::I64(5)], 100_000);
        assert_eq!(r2.gas_used, r.gas_used, "gas is exact");
        assert_ne!(r2.world_root, before);
        let r = call(&vm, c, "get", vec![], 100_000);
        assert_eq!(r.return_data, 10u64.to_le_bytes());
        // A failing call discards its write.
        let head = vm.db().head();
        let r = call(&vm, c, "fail_after_write", vec![], 100_000);
        assert!(matches!(r.error, Some(TxError::Trap(_))), "{r:?}");
        assert_eq!(r.world_root, head.root);
        assert_eq!(vm.db().head(), head);
        c
    };
    let db = StateDb::open_rocks(dir.path(), &StateConfig::default()).unwrap();
    let vm = Vm::new(db, VmConfig::default());
    let r = call(&vm, address, "get", vec![], 100_000);
    assert_eq!(r.return_data, 10u64.to_le_bytes(), "{r:?}");
    // Receipts serialize to JSON.
    let json = serde_json::to_value(&r).unwrap();
    assert_eq!(json["success"], true);
    assert_eq!(json["return_data"], "0x0a00000000000000");
}

#[test]
fn bad_calls_are_typed_receipts_that_change_nothing() {
    let vm = vm();
    let c = deploy(&vm, contract("counter.wat")).contract;
    let head = vm.db().head();
    let r = call(&vm, c, "nope", vec![], 100_000);
    assert_eq!(r.error, Some(TxError::FunctionNotFound("nope".into())));
    let r = call(&vm, c, "increment", vec![Arg::I32(1)], 100_000);
    assert!(
        matches!(r.error, Some(TxError::InvalidArguments(_))),
        "{r:?}"
    );
    let r = call(&vm, USER, "get", vec![], 100_000);
    assert!(
        matches!(r.error, Some(TxError::ContractNotFound(_))),
        "{r:?}"
    );
    let r = call(&vm, c, "increment", vec![Arg::I64(1)], 10);
    assert_eq!(r.error, Some(TxError::OutOfGas));
    assert_eq!(r.gas_used, 10);
    assert_eq!(vm.db().head(), head);
    // A deploy must carry its author's next nonce; a refused one changes
    // nothing (the nonce included).
    assert_eq!(next_nonce(&vm, &AUTHOR), 1);
    for nonce in [0, 2, u64::MAX] {
        let r = deploy_at(&vm, contract("counter.wat"), nonce);
        assert!(matches!(r.error, Some(TxError::InvalidNonce(_))), "{r:?}");
        assert_eq!(vm.db().head(), head);
    }
    assert_eq!(next_nonce(&vm, &AUTHOR), 1);
    let r = deploy(&vm, contract("counter.wat"));
    assert!(r.success, "{r:?}");
    assert_ne!(
        r.contract, c,
        "the same code at another nonce is another contract"
    );
    assert_eq!(next_nonce(&vm, &AUTHOR), 2);
}

#[test]
fn a_deploy_onto_an_existing_account_changes_nothing() {
    let vm = vm();
    let code = wat::parse_bytes(&contract("counter.wat"))
        .unwrap()
        .into_owned();
    let address = svm_vm::contract_address(&AUTHOR, 0, &svm_state::code::code_hash(&code));
    let mut session = vm.db().begin().unwrap();
    session.create_account(&address, 5u64.into()).unwrap();
    session.commit().unwrap();
    let head = vm.db().head();
    let r = deploy(&vm, code);
    assert!(matches!(r.error, Some(TxError::AccountExists(_))), "{r:?}");
    assert_eq!((r.gas_used, r.world_root), (0, head.root));
    assert_eq!(vm.db().head(), head);
    assert_eq!(next_nonce(&vm, &AUTHOR), 0);
}

#[test]
fn deploy_gas_counts_code_bytes_and_constructor() {
    let code = wat::parse_bytes(&contract("counter.wat"))
        .unwrap()
        .into_owned();
    let cost = svm_vm::gas::deploy_cost(code.len());
    let deploy = |vm: &Vm<svm_state::kv::MemoryKv>, constructor| {
        vm.deploy(
            &svm_vm::Deploy {
                author: AUTHOR,
                nonce: 0,
                code: code.clone(),
                balance: 0u64.into(),
                constructor,
            },
            BLOCK,
        )
    };
    let vm = vm();
    let c = deploy(&vm, Some(("increment".to_string(), vec![Arg::I64(3)])));
    assert!(c.success, "{c:?}");
    let called = call(&vm, c.contract, "increment", vec![Arg::I64(3)], 100_000);
    assert_eq!(
        c.gas_used,
        cost + called.gas_used,
        "code bytes + constructor"
    );
    // A limit below the code's price refuses the deploy: out of gas at the limit.
    let tight = Vm::new(
        StateDb::open(svm_state::kv::MemoryKv::new(), &StateConfig::default()).unwrap(),
        VmConfig {
            deploy_gas: cost - 1,
            ..VmConfig::default()
        },
    );
    let head = tight.db().head();
    let r = deploy(&tight, None);
    assert_eq!((r.error, r.gas_used), (Some(TxError::OutOfGas), cost - 1));
    assert_eq!(tight.db().head(), head);
    // Enough for the code but not for the constructor.
    let tight = Vm::new(
        StateDb::open(svm_state::kv::MemoryKv::new(), &StateConfig::default()).unwrap(),
        VmConfig {
            deploy_gas: cost + 10,
            ..VmConfig::default()
        },
    );
    let r = deploy(&tight, Some(("increment".to_string(), vec![Arg::I64(3)])));
    assert_eq!((r.error, r.gas_used), (Some(TxError::OutOfGas), cost + 10));
    assert_eq!(tight.db().head().seq, 0);
}

#[test]
fn a_trap_that_spends_the_last_gas_is_a_trap() {
    let vm = vm();
    let code = br#"(module (memory (export "memory") 1 1) (@custom "svm-layout" "\80\20\01\08")
        (func (export "boom") unreachable))"#;
    let c = deploy(&vm, code.to_vec()).contract;
    let r = call(&vm, c, "boom", vec![], 1_000);
    assert!(matches!(r.error, Some(TxError::Trap(_))), "{r:?}");
    // With exactly the gas the function needs, it still traps (not out of gas).
    let r = call(&vm, c, "boom", vec![], r.gas_used);
    assert!(matches!(r.error, Some(TxError::Trap(_))), "{r:?}");
    assert_eq!(
        call(&vm, c, "boom", vec![], 0).error,
        Some(TxError::OutOfGas)
    );
}
