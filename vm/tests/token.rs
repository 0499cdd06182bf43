//! The token contract, and determinism: the same transactions on two fresh
//! databases give byte-identical receipts and roots.

mod common;

use common::*;
use svm_state::kv::KvStore;
use svm_vm::{Arg, Receipt, TxError, Vm};

fn balance<K: KvStore>(vm: &Vm<K>, c: svm_state::Address, h: i32) -> u64 {
    let r = call(vm, c, "balance_of", vec![Arg::I32(h)], 1_000_000);
    assert!(r.success, "{r:?}");
    u64::from_le_bytes(r.return_data.try_into().unwrap())
}

/// A fixed script of token transactions; returns every receipt.
fn script<K: KvStore>(vm: &Vm<K>) -> Vec<Receipt> {
    let mut receipts = vec![deploy(vm, contract("token.wat"))];
    let c = receipts[0].contract;
    for h in 0..5 {
        receipts.push(call(
            vm,
            c,
            "mint",
            vec![Arg::I32(h), Arg::I64(200)],
            1_000_000,
        ));
    }
    for i in 0..40 {
        let (from, to) = (i % 5, (i * 7 + 1) % 16);
        let args = vec![Arg::I32(from), Arg::I32(to), Arg::I64(i64::from(i) * 9)];
        receipts.push(call(vm, c, "transfer", args, 1_000_000));
    }
    receipts
}

#[test]
fn token_transfers() {
    let vm = vm();
    let c = deploy(&vm, contract("token.wat")).contract;
    assert!(call(&vm, c, "mint", vec![Arg::I32(2), Arg::I64(100)], 1_000_000).success);
    let r = call(
        &vm,
        c,
        "transfer",
        vec![Arg::I32(2), Arg::I32(9), Arg::I64(40)],
        1_000_000,
    );
    assert!(r.success, "{r:?}");
    let data: Vec<Vec<u8>> = r.events.iter().map(|e| e.data.clone()).collect();
    assert_eq!(data, vec![40u64.to_le_bytes().to_vec()]);
    assert!(
        r.events
            .iter()
            .all(|e| e.contract == r.contract.0 && e.ttl == 0)
    );
    assert_eq!((balance(&vm, c, 2), balance(&vm, c, 9)), (60, 40));
    // Overdraft and an unknown holder trap and change nothing.
    let root = vm.db().head().root;
    let r = call(
        &vm,
        c,
        "transfer",
        vec![Arg::I32(2), Arg::I32(9), Arg::I64(61)],
        1_000_000,
    );
    assert!(matches!(r.error, Some(TxError::Trap(_))), "{r:?}");
    let r = call(
        &vm,
        c,
        "transfer",
        vec![Arg::I32(2), Arg::I32(16), Arg::I64(1)],
        1_000_000,
    );
    assert!(matches!(r.error, Some(TxError::Trap(_))), "{r:?}");
    assert_eq!(vm.db().head().root, root);
    assert_eq!((balance(&vm, c, 2), balance(&vm, c, 9)), (60, 40));
    let r = call(&vm, c, "total_supply", vec![], 1_000_000);
    assert_eq!(r.return_data, 100u64.to_le_bytes());
}

#[test]
fn the_same_transactions_give_the_same_receipts() {
    let (a, b) = (vm(), vm());
    let (ra, rb) = (script(&a), script(&b));
    assert!(ra.iter().filter(|r| r.success).count() > 20);
    assert!(
        ra.iter().any(|r| !r.success),
        "the script includes overdrafts"
    );
    let json = |rs: &[Receipt]| serde_json::to_string(rs).unwrap();
    assert_eq!(json(&ra), json(&rb));
    assert_eq!(a.db().head(), b.db().head());
}
