//! The counter contract end to end: deploy, calls, receipts, failure
//! discarding state, persistence across reopen.

mod common;

use common::*;
use svm_state::{StateConfig, StateDb};
use svm_vm::gas::{CODE_LOAD_BYTE, NEW_ACCOUNT, call_intrinsic, deploy_intrinsic};
use svm_vm::{Arg, Event, TxError, Vm, VmConfig, VmError};

#[test]
fn counter_counts_and_persists() {
    let dir = tempfile::tempdir().unwrap();
    let address = {
        let db = StateDb::open_rocks(dir.path(), &StateConfig::default()).unwrap();
        let vm = Vm::new(db, VmConfig::default());
        let r = deploy(&vm, contract("counter.wat"));
        assert!(r.success, "{r:?}");
        let code = contract("counter.wat");
        // The deploy, and the author's new account.
        assert_eq!(r.gas_used, deploy_intrinsic(code.len(), 0) + NEW_ACCOUNT);
        let c = r.contract;
        let r = call(&vm, c, "increment", vec![Arg::I64(5)], 100_000);
        assert!(r.success, "{r:?}");
        let event = Event {
            contract: r.contract.0,
            topics: vec![],
            data: 5u64.to_le_bytes().to_vec(),
            ttl: 0,
        };
        assert_eq!(r.events, vec![event]);
        // Pinned: 21,000 intrinsic + 254 code bytes loaded + 6,196 to load
        // the 4 KiB page + 21,384 to write it + 513 for vmcalls and operators.
        assert_eq!(code.len(), 254);
        assert_eq!(r.gas_used, 49_347, "the gas of an increment changed");
        // Its consensus encoding: success, gas, contract, no return data,
        // the event (the contract, no topics, the data, time-to-live 0); a
        // failure's carries only its code.
        let mut want = vec![0xf8, 0x3c, 0x80, 0x82, 0xc0, 0xc3, 0x94];
        want.extend_from_slice(r.contract.as_bytes());
        want.extend_from_slice(&[0x80, 0xe1, 0xe0, 0x94]);
        want.extend_from_slice(r.contract.as_bytes());
        want.extend_from_slice(&[0xc0, 0x88, 5, 0, 0, 0, 0, 0, 0, 0, 0x80]);
        assert_eq!(r.encode(), want);
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
        assert_eq!(r.record().status, 2);
        assert_eq!(r.encode()[1], 0x02, "status Trap, whatever the message");
        assert_eq!(r.world_root, Some(head.root));
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
    // Loading the module is charged by code size: a limit that covers only
    // the intrinsic gas runs out before the contract starts.
    let base = call_intrinsic(0);
    let r = call(&vm, c, "increment", vec![Arg::I64(1)], base + 10);
    assert_eq!(r.error, Some(TxError::OutOfGas));
    assert_eq!(r.gas_used, base + 10);
    let loaded = base + CODE_LOAD_BYTE * contract("counter.wat").len() as u64;
    let r = call(&vm, c, "increment", vec![Arg::I64(1)], loaded + 10);
    assert_eq!(
        (r.error, r.gas_used),
        (Some(TxError::OutOfGas), loaded + 10)
    );
    // Failures cost the intrinsic gas (and what ran), never nothing.
    let r = call(&vm, c, "nope", vec![], 100_000);
    assert_eq!(r.gas_used, loaded);
    let r = call(&vm, USER, "get", vec![], 100_000);
    assert_eq!(r.gas_used, base);
    // A gas limit below the intrinsic gas, or above the maximum, is not a
    // transaction: an error, no receipt.
    for limit in [0, base - 1, VmConfig::default().max_tx_gas + 1] {
        let e = try_call(&vm, c, "get", vec![], limit).unwrap_err();
        assert!(matches!(e, VmError::InvalidTx { index: 0, .. }), "{e}");
    }
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
fn a_deploy_lands_on_an_account_that_only_received_value() {
    let vm = vm();
    let code = contract("counter.wat");
    let address = svm_vm::contract_address(&AUTHOR, 0, &svm_state::code::code_hash(&code));
    // Someone sends value to the predicted address first (squatting).
    fund(&vm, &address, 5);
    let r = deploy(&vm, code.clone());
    assert!(r.success, "{r:?}");
    assert_eq!(r.contract, address);
    let view = vm.db().at(vm.db().head().root).unwrap();
    let a = view.account(&address).unwrap().unwrap();
    assert_eq!(a.balance, 5u64.into(), "the balance is kept");
    assert_eq!(a.code_hash, svm_state::code::code_hash(&code));
    assert_eq!(next_nonce(&vm, &AUTHOR), 1);
}

#[test]
fn a_deploy_onto_a_used_account_changes_nothing() {
    let vm = vm();
    let code = contract("counter.wat");
    let address = svm_vm::contract_address(&AUTHOR, 0, &svm_state::code::code_hash(&code));
    let mut session = vm.db().begin().unwrap();
    session.create_account(&address, 5u64.into()).unwrap();
    session.increment_nonce(&address).unwrap();
    session.commit().unwrap();
    let head = vm.db().head();
    let r = deploy(&vm, code);
    assert!(matches!(r.error, Some(TxError::AccountExists(_))), "{r:?}");
    assert!(r.gas_used > 0, "a refused deploy is charged");
    assert_eq!(r.world_root, Some(head.root));
    assert_eq!(vm.db().head(), head);
    assert_eq!(next_nonce(&vm, &AUTHOR), 0);
}

#[test]
fn deploy_gas_counts_code_bytes_accounts_and_constructor() {
    let code = contract("counter.wat");
    let intrinsic = deploy_intrinsic(code.len(), 0);
    let cost = intrinsic + NEW_ACCOUNT; // the author has no account yet
    let deploy = |vm: &Vm<svm_state::kv::MemoryKv>, constructor, gas_limit| {
        vm.deploy(
            &svm_vm::Deploy {
                author: AUTHOR,
                nonce: 0,
                code: code.clone(),
                balance: 0u64.into(),
                constructor,
                gas_limit,
            },
            BLOCK,
        )
    };
    let vm = vm();
    let c = deploy(
        &vm,
        Some(("increment".to_string(), vec![Arg::I64(3)])),
        DEPLOY_GAS,
    )
    .unwrap();
    assert!(c.success, "{c:?}");
    let called = call(&vm, c.contract, "increment", vec![Arg::I64(3)], 100_000);
    let run = called.gas_used - call_intrinsic(0) - CODE_LOAD_BYTE * code.len() as u64;
    assert_eq!(
        c.gas_used,
        cost + run,
        "code bytes + accounts + constructor"
    );
    // A limit below the intrinsic gas is no transaction.
    let vm = self::vm();
    let e = deploy(&vm, None, intrinsic - 1).unwrap_err();
    assert!(matches!(e, VmError::InvalidTx { .. }), "{e}");
    // Enough for the deploy, not for the author's new account.
    let r = deploy(&vm, None, intrinsic).unwrap();
    assert_eq!((r.error, r.gas_used), (Some(TxError::OutOfGas), intrinsic));
    assert_eq!(vm.db().head().seq, 0);
    // Enough for the code but not for the constructor.
    let ctor = Some(("increment".to_string(), vec![Arg::I64(3)]));
    let r = deploy(&vm, ctor, cost + 10).unwrap();
    assert_eq!((r.error, r.gas_used), (Some(TxError::OutOfGas), cost + 10));
    assert_eq!(vm.db().head().seq, 0);
}

#[test]
fn a_trap_that_spends_the_last_gas_is_a_trap() {
    let vm = vm();
    let code = wasm(
        br#"(module (memory (export "memory") 1 1) (@custom "svm-layout" "\80\20\01\08")
        (func (export "boom") (br_if 0 (i32.const 0)) unreachable))"#,
    );
    let base = call_intrinsic(0) + CODE_LOAD_BYTE * code.len() as u64;
    let c = deploy(&vm, code).contract;
    let r = call(&vm, c, "boom", vec![], base + 1_000);
    assert!(matches!(r.error, Some(TxError::Trap(_))), "{r:?}");
    assert!(r.gas_used > base, "the branch before the trap is charged");
    // With exactly the gas the function needs, it still traps (not out of gas).
    let r = call(&vm, c, "boom", vec![], r.gas_used);
    assert_eq!(r.error, Some(TxError::Trap("unreachable".into())));
    assert_eq!(
        call(&vm, c, "boom", vec![], base).error,
        Some(TxError::OutOfGas)
    );
}
