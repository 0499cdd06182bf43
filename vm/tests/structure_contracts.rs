//! The sorted-set registry and the nested mailboxes
//! (examples/contracts/registry.wat, inbox.wat) through the VM: ordered
//! listings, owners, nested lists opened by key, listing a map of
//! structures with the entry cursor, O(1) removal of a whole nested list,
//! and gas that does not depend on what ran before in the block.

mod common;

use std::collections::BTreeMap;

use common::*;
use quickcheck::{Arbitrary, Gen, QuickCheck};
use svm_state::Address;
use svm_state::kv::KvStore;
use svm_vm::{Arg, Call, Receipt, Tx, TxError, Vm};

const GAS: u64 = 5_000_000;

fn as_user(c: Address, who: Address, f: &str, args: Vec<Arg>) -> Call {
    Call {
        sender: who,
        ..call_tx(c, f, args, GAS)
    }
}

fn run<K: KvStore>(vm: &Vm<K>, c: Call) -> Receipt {
    vm.call(&c, BLOCK).unwrap()
}

fn bytes(b: &[u8]) -> Arg {
    Arg::Bytes(b.to_vec())
}

fn number(r: &Receipt) -> u64 {
    assert!(r.success, "{r:?}");
    u64::from_le_bytes(r.return_data.as_slice().try_into().unwrap())
}

/// Splits a `names` listing into names.
fn names_of(data: &[u8]) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let mut rest = data;
    while let Some((&n, tail)) = rest.split_first() {
        out.push(tail[..n as usize].to_vec());
        rest = &tail[n as usize..];
    }
    out
}

#[test]
fn the_registry_lists_names_in_order() {
    let vm = vm();
    let reg = deploy(&vm, contract("registry.wat")).contract;
    let alice = Address::repeat_byte(0xa1);
    let bob = Address::repeat_byte(0xb0);
    for (who, name) in [
        (alice, &b"carol"[..]),
        (bob, b"alpha"),
        (alice, b"bravo"),
        (bob, &[0xff; 64]),
        (alice, b"alp"),
    ] {
        let r = run(&vm, as_user(reg, who, "register", vec![bytes(name)]));
        assert!(r.success, "{r:?}");
    }
    // Taken names and names longer than 64 bytes are refused.
    let r = run(&vm, as_user(reg, bob, "register", vec![bytes(b"carol")]));
    assert!(matches!(r.error, Some(TxError::Trap(_))), "{r:?}");
    let r = run(&vm, as_user(reg, bob, "register", vec![bytes(&[1; 65])]));
    match &r.error {
        Some(TxError::Trap(m)) => assert!(m.contains("longer than the 64"), "{m}"),
        e => panic!("{e:?}"),
    }
    let list = |from: &[u8], count: i32| {
        let r = run(
            &vm,
            as_user(reg, bob, "names", vec![bytes(from), Arg::I32(count)]),
        );
        assert!(r.success, "{r:?}");
        names_of(&r.return_data)
    };
    let all: Vec<Vec<u8>> = vec![
        b"alp".to_vec(),
        b"alpha".to_vec(),
        b"bravo".to_vec(),
        b"carol".to_vec(),
        vec![0xff; 64],
    ];
    assert_eq!(list(b"", 100), all);
    assert_eq!(list(b"alpa", 2), all[1..3]);
    assert_eq!(list(b"b", 100), all[2..]);
    assert_eq!(list(&[0xff; 65], 100), Vec::<Vec<u8>>::new());
    let last = run(&vm, as_user(reg, bob, "last", vec![]));
    assert_eq!(last.return_data, vec![0xff; 64]);
    // Owners, and only the owner releases.
    let owner = run(&vm, as_user(reg, bob, "owner_of", vec![bytes(b"bravo")]));
    assert_eq!(owner.return_data, alice.as_bytes());
    let r = run(&vm, as_user(reg, bob, "release", vec![bytes(b"bravo")]));
    assert!(matches!(r.error, Some(TxError::Trap(_))), "{r:?}");
    let r = run(&vm, as_user(reg, alice, "release", vec![bytes(b"bravo")]));
    assert!(r.success, "{r:?}");
    assert_eq!(list(b"", 100).len(), 4);
    assert_eq!(number(&run(&vm, as_user(reg, bob, "count", vec![]))), 4);
    let free = run(&vm, as_user(reg, bob, "owner_of", vec![bytes(b"bravo")]));
    assert!(free.success && free.return_data.is_empty(), "{free:?}");
}

fn who(i: u8) -> Address {
    Address::repeat_byte(0x40 + i)
}

#[derive(Clone, Debug)]
enum Mail {
    Post(u8, u8, Vec<u8>),
    Pop(u8),
    Clear(u8),
}

impl Arbitrary for Mail {
    fn arbitrary(g: &mut Gen) -> Self {
        let i = |g: &mut Gen| u8::arbitrary(g) % 4;
        match u8::arbitrary(g) % 6 {
            0 => Mail::Pop(i(g)),
            1 => Mail::Clear(i(g)),
            _ => Mail::Post(i(g), i(g), Vec::arbitrary(g)),
        }
    }
}

/// Random posts, pops and clears in blocks follow a model of
/// `BTreeMap<address, Vec<message>>`: counts, messages, the number of
/// mailboxes and the listing through the entry cursor.
#[test]
fn mailboxes_match_a_model() {
    fn prop(steps: Vec<Mail>) -> bool {
        let vm = vm();
        let inbox = deploy(&vm, contract("inbox.wat")).contract;
        let mut model: BTreeMap<u8, Vec<Vec<u8>>> = BTreeMap::new();
        for chunk in steps.chunks(4) {
            let txs: Vec<Tx> = chunk
                .iter()
                .map(|m| match m {
                    Mail::Post(from, to, msg) => {
                        model.entry(*to).or_default().push(msg.clone());
                        as_user(
                            inbox,
                            who(*from),
                            "post",
                            vec![bytes(who(*to).as_bytes()), bytes(msg)],
                        )
                    }
                    Mail::Pop(i) => {
                        if let Some(l) = model.get_mut(i) {
                            l.pop();
                        }
                        as_user(inbox, who(*i), "pop", vec![])
                    }
                    Mail::Clear(i) => {
                        model.remove(i);
                        as_user(inbox, who(*i), "clear", vec![])
                    }
                })
                .map(Tx::Call)
                .collect();
            model.retain(|_, l| !l.is_empty());
            let block = vm.execute_block(&txs, BLOCK).unwrap();
            for r in &block.receipts {
                assert!(r.success, "{r:?}");
            }
        }
        for i in 0..4 {
            let addr = bytes(who(i).as_bytes());
            let msgs = model.get(&i).cloned().unwrap_or_default();
            let count = number(&run(
                &vm,
                as_user(inbox, who(0), "count", vec![addr.clone()]),
            ));
            assert_eq!(count, msgs.len() as u64);
            for (j, m) in msgs.iter().enumerate() {
                let r = run(
                    &vm,
                    as_user(
                        inbox,
                        who(0),
                        "read",
                        vec![addr.clone(), Arg::I64(j as i64)],
                    ),
                );
                assert_eq!(&r.return_data, m);
            }
            let past = run(
                &vm,
                as_user(
                    inbox,
                    who(0),
                    "read",
                    vec![addr, Arg::I64(msgs.len() as i64)],
                ),
            );
            assert!(past.success && past.return_data.is_empty());
        }
        let boxes = number(&run(&vm, as_user(inbox, who(0), "mailboxes", vec![])));
        assert_eq!(boxes, model.len() as u64);
        // The listing: every non-empty mailbox once, with its count.
        let listed = run(&vm, as_user(inbox, who(0), "list", vec![]));
        assert!(listed.success, "{listed:?}");
        let mut got: Vec<(Vec<u8>, u64)> = listed
            .return_data
            .chunks(28)
            .map(|c| {
                (
                    c[..20].to_vec(),
                    u64::from_le_bytes(c[20..].try_into().unwrap()),
                )
            })
            .collect();
        got.sort();
        let want: Vec<(Vec<u8>, u64)> = model
            .iter()
            .map(|(i, l)| (who(*i).as_bytes().to_vec(), l.len() as u64))
            .collect();
        got == want
    }
    QuickCheck::new()
        .tests(40)
        .quickcheck(prop as fn(Vec<Mail>) -> bool);
}

/// Nested lists changed by earlier transactions of a block are written
/// into their map before each transaction: the same transactions cost the
/// same gas in one block as in a block each, and leave the same root.
#[test]
fn nested_gas_does_not_depend_on_the_block() {
    let (one, many) = (vm(), vm());
    let a = deploy(&one, contract("inbox.wat")).contract;
    assert_eq!(deploy(&many, contract("inbox.wat")).contract, a);
    let mut txs = Vec::new();
    for i in 0..12u8 {
        txs.push(Tx::Call(as_user(
            a,
            who(i % 3),
            "post",
            vec![bytes(who(i % 5).as_bytes()), bytes(&[i; 40])],
        )));
        if i % 4 == 3 {
            txs.push(Tx::Call(as_user(a, who(i % 5), "clear", vec![])));
            txs.push(Tx::Call(as_user(a, who(0), "list", vec![])));
        }
    }
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
            .map(|r| (r.success, r.gas_used, r.return_data.clone()))
            .collect::<Vec<_>>()
    };
    assert_eq!(gas(&together.receipts), gas(&alone));
    assert_eq!(one.db().head().root, many.db().head().root);
}

/// Clearing a mailbox costs the same gas however many messages it holds.
#[test]
fn clearing_costs_the_same_at_any_size() {
    let vm = vm();
    let a = deploy(&vm, contract("inbox.wat")).contract;
    let mut cost = Vec::new();
    for (i, n) in [(1u8, 1usize), (2, 300)] {
        let txs: Vec<Tx> = (0..n)
            .map(|_| {
                let post = vec![bytes(who(i).as_bytes()), bytes(b"hello")];
                Tx::Call(Call {
                    gas_limit: 300_000,
                    ..as_user(a, who(0), "post", post)
                })
            })
            .collect();
        vm.execute_block(&txs, BLOCK).unwrap();
        let r = run(&vm, as_user(a, who(i), "clear", vec![]));
        assert!(r.success, "{r:?}");
        cost.push(r.gas_used);
    }
    assert_eq!(cost[0], cost[1]);
}
