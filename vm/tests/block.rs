//! Blocks: many transactions in one session, each in its own checkpoint, one
//! commit; the same end state as one commit per transaction.

mod common;

use common::*;
use svm_state::Address;
use svm_vm::{Arg, BlockResult, Call, Tx, TxError};

fn increment(c: Address, by: i64) -> Tx {
    Tx::Call(Call {
        contract: c,
        sender: USER,
        function: "increment".into(),
        args: vec![Arg::I64(by)],
        gas_limit: 100_000,
        value: 0u64.into(),
    })
}

fn txs(c: Address) -> Vec<Tx> {
    let mut txs: Vec<Tx> = (1..=10).map(|i| increment(c, i)).collect();
    // A failing call in the middle: its write is reverted alone.
    txs.insert(
        5,
        Tx::Call(Call {
            contract: c,
            sender: USER,
            function: "fail_after_write".into(),
            args: vec![],
            gas_limit: 100_000,
            value: 0u64.into(),
        }),
    );
    txs
}

#[test]
fn a_block_equals_its_transactions_one_by_one() {
    let deploy_tx = deploy_tx(contract("counter.wat"), 0);
    let (blocky, single) = (vm(), vm());
    let c = blocky.deploy(&deploy_tx, BLOCK).unwrap().contract;
    assert_eq!(single.deploy(&deploy_tx, BLOCK).unwrap().contract, c);

    let block = blocky.execute_block(&txs(c), BLOCK).unwrap();
    let receipts = &block.receipts;
    let one_by_one: Vec<_> = txs(c)
        .iter()
        .map(|tx| single.execute(tx, BLOCK).unwrap())
        .collect();
    assert_eq!(receipts.len(), 11);
    assert!(matches!(receipts[5].error, Some(TxError::Trap(_))));
    assert_eq!(receipts.iter().filter(|r| r.success).count(), 10);
    let head = blocky.db().head();
    assert_eq!(head.seq, 2, "one commit for the block");
    assert_eq!(block.world_root, head.root);
    for (b, s) in receipts.iter().zip(&one_by_one) {
        assert_eq!(
            (b.success, b.gas_used, &b.events),
            (s.success, s.gas_used, &s.events)
        );
        // Inside a block a receipt claims no roots; alone it has its own.
        assert_eq!((b.world_root, b.state_root), (None, None));
        assert!(s.world_root.is_some() && s.state_root.is_some());
        assert_eq!(b.encode(), s.encode(), "the same consensus receipt");
    }
    assert_eq!(head.root, single.db().head().root, "same state either way");
    // The receipts root commits to every receipt's consensus encoding, in
    // order: an independent trie of the same entries agrees, and any change
    // moves it.
    let mut hb = alloy_trie::HashBuilder::default();
    let mut entries: Vec<(Vec<u8>, Vec<u8>)> = receipts
        .iter()
        .enumerate()
        .map(|(i, r)| (svm_format::receipt::receipt_key(i as u64), r.encode()))
        .collect();
    entries.sort();
    for (k, v) in &entries {
        hb.add_leaf(alloy_trie::Nibbles::unpack(k), v);
    }
    assert_eq!(hb.root().0, block.receipts_root.0);
    let mut swapped = receipts.clone();
    swapped.swap(0, 5);
    assert_ne!(BlockResult::receipts_root_of(&swapped), block.receipts_root);
    assert_eq!(BlockResult::receipts_root_of(&[]), svm_trie::EMPTY_ROOT);
    let r = call(&blocky, c, "get", vec![], 100_000);
    assert_eq!(r.return_data, 55u64.to_le_bytes());
}
