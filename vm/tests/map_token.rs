//! The map token (examples/contracts/map_token.wat): balances in a
//! map<address, u64> behave like a `BTreeMap` model under random mints and
//! transfers, value is conserved, failed transfers change nothing, and the
//! gas of a transaction does not depend on the transactions before it in
//! its block.

mod common;

use std::collections::BTreeMap;

use common::*;
use quickcheck::{Arbitrary, Gen, QuickCheck};
use svm_state::kv::KvStore;
use svm_state::structure::PathKey;
use svm_state::{Address, StructurePath};
use svm_vm::{Arg, Call, Deploy, Receipt, Tx, TxError, Vm};

const GAS: u64 = 2_000_000;
const BALANCES: u32 = 2;

fn holder(i: u8) -> Address {
    Address::repeat_byte(0x10 + i)
}

fn deploy_token<K: KvStore>(vm: &Vm<K>) -> Address {
    let d = Deploy {
        constructor: Some(("init".into(), vec![])),
        ..deploy_tx(contract("map_token.wat"), next_nonce(vm, &AUTHOR))
    };
    let r = vm.deploy(&d, BLOCK).unwrap();
    assert!(r.success, "{r:?}");
    r.contract
}

fn tx(token: Address, sender: Address, function: &str, args: Vec<Arg>) -> Call {
    Call {
        sender,
        ..call_tx(token, function, args, GAS)
    }
}

fn mint(token: Address, to: Address, amount: u64) -> Call {
    tx(
        token,
        AUTHOR,
        "mint",
        vec![Arg::Bytes(to.as_bytes().to_vec()), Arg::I64(amount as i64)],
    )
}

fn transfer(token: Address, from: Address, to: Address, amount: u64) -> Call {
    tx(
        token,
        from,
        "transfer",
        vec![Arg::Bytes(to.as_bytes().to_vec()), Arg::I64(amount as i64)],
    )
}

fn u64_of(r: &Receipt) -> u64 {
    assert!(r.success, "{r:?}");
    u64::from_le_bytes(r.return_data.as_slice().try_into().unwrap())
}

fn balance_of<K: KvStore>(vm: &Vm<K>, token: Address, who: Address) -> u64 {
    let r = call(
        vm,
        token,
        "balance_of",
        vec![Arg::Bytes(who.as_bytes().to_vec())],
        GAS,
    );
    u64_of(&r)
}

#[test]
fn balances_live_in_a_map() {
    let vm = vm();
    let token = deploy_token(&vm);
    let (a, b) = (holder(1), holder(2));
    assert!(vm.call(&mint(token, a, 100), BLOCK).unwrap().success);
    // Only the owner mints.
    let r = vm
        .call(&tx(token, a, "mint", mint(token, a, 1).args), BLOCK)
        .unwrap();
    assert!(matches!(r.error, Some(TxError::Trap(_))), "{r:?}");

    let r = vm.call(&transfer(token, a, b, 30), BLOCK).unwrap();
    assert!(r.success, "{r:?}");
    let data: Vec<Vec<u8>> = r.events.iter().map(|e| e.data.clone()).collect();
    assert_eq!(data, vec![30u64.to_le_bytes().to_vec()]);
    assert!(
        r.events
            .iter()
            .all(|e| e.contract == r.contract.0 && e.ttl == 0)
    );
    assert_eq!(balance_of(&vm, token, a), 70);
    assert_eq!(balance_of(&vm, token, b), 30);
    assert_eq!(u64_of(&call(&vm, token, "holders", vec![], GAS)), 2);

    // The map itself, read from the state.
    let mut s = vm.db().begin().unwrap();
    let path = StructurePath::variable(BALANCES);
    let key = PathKey::Key(a.as_bytes().to_vec());
    assert_eq!(
        s.element(&token, &path, &key).unwrap(),
        Some(70u64.to_le_bytes().to_vec())
    );

    // Overdrawing traps and changes nothing.
    let before = vm.db().head().root;
    let r = vm.call(&transfer(token, b, a, 31), BLOCK).unwrap();
    assert!(matches!(r.error, Some(TxError::Trap(_))), "{r:?}");
    assert_eq!(vm.db().head().root, before);

    // Emptying a balance removes the holder.
    assert!(vm.call(&transfer(token, b, a, 30), BLOCK).unwrap().success);
    assert_eq!(u64_of(&call(&vm, token, "holders", vec![], GAS)), 1);
    let mut s2 = vm.db().begin().unwrap();
    assert_eq!(
        s2.element(&token, &path, &PathKey::Key(b.as_bytes().to_vec()))
            .unwrap(),
        None
    );
    assert_eq!(u64_of(&call(&vm, token, "total_supply", vec![], GAS)), 100);
    drop(s);
}

#[test]
fn an_airdrop_reaches_every_address() {
    let vm = vm();
    let token = deploy_token(&vm);
    let to: Vec<u8> = (0..50u8)
        .flat_map(|i| holder(i).as_bytes().to_vec())
        .collect();
    let r = vm
        .call(
            &tx(token, AUTHOR, "airdrop", vec![Arg::Bytes(to), Arg::I64(7)]),
            BLOCK,
        )
        .unwrap();
    assert!(r.success, "{r:?}");
    assert_eq!(u64_of(&call(&vm, token, "holders", vec![], GAS)), 50);
    assert_eq!(u64_of(&call(&vm, token, "total_supply", vec![], GAS)), 350);
    assert_eq!(balance_of(&vm, token, holder(49)), 7);
}

#[derive(Clone, Debug)]
enum Step {
    Mint(u8, u16),
    Transfer(u8, u8, u16),
}

impl Arbitrary for Step {
    fn arbitrary(g: &mut Gen) -> Self {
        let who = |g: &mut Gen| u8::arbitrary(g) % 6;
        if bool::arbitrary(g) && bool::arbitrary(g) {
            Step::Mint(who(g), u16::arbitrary(g) % 100)
        } else {
            Step::Transfer(who(g), who(g), u16::arbitrary(g) % 120)
        }
    }
}

/// Random mints and transfers in blocks: balances, holders and supply
/// follow a model; a transfer beyond the balance fails alone.
#[test]
fn transfers_match_a_model() {
    fn prop(steps: Vec<Step>) -> bool {
        let vm = vm();
        let token = deploy_token(&vm);
        let mut model: BTreeMap<u8, u64> = BTreeMap::new();
        for chunk in steps.chunks(5) {
            let mut txs = Vec::new();
            let mut want = Vec::new();
            for step in chunk {
                match *step {
                    Step::Mint(to, n) => {
                        txs.push(Tx::Call(mint(token, holder(to), n.into())));
                        *model.entry(to).or_default() += u64::from(n);
                        want.push(true);
                    }
                    Step::Transfer(from, to, n) => {
                        let n = u64::from(n);
                        let have = model.get(&from).copied().unwrap_or(0);
                        txs.push(Tx::Call(transfer(token, holder(from), holder(to), n)));
                        if have >= n {
                            *model.entry(from).or_default() -= n;
                            *model.entry(to).or_default() += n;
                        }
                        want.push(have >= n);
                    }
                }
                model.retain(|_, v| *v > 0);
            }
            let block = vm.execute_block(&txs, BLOCK).unwrap();
            let got: Vec<bool> = block.receipts.iter().map(|r| r.success).collect();
            assert_eq!(got, want);
        }
        for i in 0..6 {
            assert_eq!(
                balance_of(&vm, token, holder(i)),
                model.get(&i).copied().unwrap_or(0)
            );
        }
        let holders = u64_of(&call(&vm, token, "holders", vec![], GAS));
        let supply = u64_of(&call(&vm, token, "total_supply", vec![], GAS));
        holders == model.len() as u64 && supply == model.values().sum::<u64>()
    }
    QuickCheck::new()
        .tests(40)
        .quickcheck(prop as fn(Vec<Step>) -> bool);
}

/// A transaction's gas is the same whether it runs alone in its block or
/// after others (which changed the same map) in one block.
#[test]
fn gas_does_not_depend_on_the_block() {
    let (one, many) = (vm(), vm());
    let (t1, t2) = (deploy_token(&one), deploy_token(&many));
    assert_eq!(t1, t2);
    let txs: Vec<Tx> = (0..8u8)
        .map(|i| Tx::Call(mint(t1, holder(i), 10 + u64::from(i))))
        .chain((0..8u8).map(|i| Tx::Call(transfer(t1, holder(i), holder(7 - i), 3))))
        .collect();
    let together = one.execute_block(&txs, BLOCK).unwrap();
    let mut alone = Vec::new();
    for tx in &txs {
        alone.extend(
            many.execute_block(std::slice::from_ref(tx), BLOCK)
                .unwrap()
                .receipts,
        );
    }
    let gas = |rs: &[Receipt]| {
        rs.iter()
            .map(|r| (r.success, r.gas_used))
            .collect::<Vec<_>>()
    };
    assert_eq!(gas(&together.receipts), gas(&alone));
    assert_eq!(one.db().head().root, many.db().head().root);
}

/// The gas of a mint and of a transfer, pinned: structure prices are
/// consensus (docs/FORMATS.md "Gas"); a change here changes receipts.
#[test]
fn structure_gas_is_pinned() {
    let vm = vm();
    let token = deploy_token(&vm);
    let gas: Vec<u64> = [
        mint(token, holder(1), 100),
        mint(token, holder(2), 100),
        transfer(token, holder(1), holder(2), 30),
        transfer(token, holder(1), holder(3), 70),
    ]
    .iter()
    .map(|c| {
        let r = vm.call(c, BLOCK).unwrap();
        assert!(r.success, "{r:?}");
        r.gas_used
    })
    .collect();
    // Gas rules v3 (per region: untaken arms are paid too): 37–54 more
    // than v2's 63,988 / 64,588 / 34,678 / 38,550.
    assert_eq!(gas, vec![64_025, 64_625, 34_728, 38_604]);
}
