//! The engine end to end, through public APIs only: contracts deployed and
//! called in blocks on RocksDB, the database reopened, then — at every
//! historical block — a contract variable proven against the world root and
//! a receipt against the receipts root, each checked by svm-verify from its
//! bytes alone, and the whole state checked.

use svm_proofs::verify::{ReceiptRecord, VariableProof, binary};
use svm_proofs::{prove_receipt, prove_variable};
use svm_state::{Address, StateConfig, StateDb};
use svm_tests::contract;
use svm_trie::H256;
use svm_vm::{Arg, BlockContext, Call, Deploy, Tx, Vm, VmConfig};

const ALICE: Address = Address::repeat_byte(0xa1);

fn call(contract: Address, function: &str, args: Vec<Arg>) -> Tx {
    Tx::Call(Call {
        contract,
        sender: ALICE,
        function: function.into(),
        args,
        gas_limit: 300_000,
        value: 0u64.into(),
    })
}

/// What a block left to check later.
struct Seen {
    height: u64,
    world_root: H256,
    receipts_root: H256,
    receipts: Vec<ReceiptRecord>,
    /// The token's variable 1 (balances of holders 0–3) after the block.
    balances: Vec<u8>,
}

#[test]
fn deploy_call_reopen_prove_verify_check() {
    let dir = tempfile::tempdir().unwrap();
    let mut seen: Vec<Seen> = Vec::new();
    let token;
    {
        let db = StateDb::open_rocks(dir.path(), &StateConfig::default()).unwrap();
        let vm = Vm::new(db, VmConfig::default());
        // Genesis: ALICE holds value (no transaction creates any).
        let mut s = vm.db().begin().unwrap();
        s.create_account(&ALICE, 1_000_000u64.into()).unwrap();
        s.commit().unwrap();
        let deploy = |name: &str, nonce, balance: u64| {
            Tx::Deploy(Deploy {
                author: ALICE,
                nonce,
                code: contract(name),
                balance: balance.into(),
                constructor: None,
                gas_limit: 1_000_000,
            })
        };
        let b1 = vm
            .execute_block(
                &[deploy("counter.wat", 0, 0), deploy("token.wat", 1, 500)],
                BlockContext {
                    height: 1,
                    time: 100,
                },
            )
            .unwrap();
        assert!(b1.receipts.iter().all(|r| r.success), "{:?}", b1.receipts);
        let counter = b1.receipts[0].contract;
        token = b1.receipts[1].contract;
        let mut blocks = vec![b1];
        let plans: Vec<Vec<Tx>> = vec![
            vec![
                call(token, "mint", vec![Arg::I32(0), Arg::I64(1_000)]),
                call(counter, "increment", vec![Arg::I64(2)]),
            ],
            vec![
                call(
                    token,
                    "transfer",
                    vec![Arg::I32(0), Arg::I32(1), Arg::I64(300)],
                ),
                call(
                    token,
                    "transfer",
                    vec![Arg::I32(1), Arg::I32(2), Arg::I64(900)],
                ),
                call(counter, "get", vec![]),
            ],
            vec![call(
                token,
                "transfer",
                vec![Arg::I32(0), Arg::I32(3), Arg::I64(7)],
            )],
        ];
        for (i, txs) in plans.iter().enumerate() {
            let height = i as u64 + 2;
            blocks.push(
                vm.execute_block(
                    txs,
                    BlockContext {
                        height,
                        time: 100 * height,
                    },
                )
                .unwrap(),
            );
        }
        // The failing transfer (holder 1 holds 300) changed nothing.
        assert!(!blocks[2].receipts[1].success);
        for (i, b) in blocks.iter().enumerate() {
            let view = vm.db().at(b.world_root).unwrap();
            seen.push(Seen {
                height: i as u64 + 1,
                world_root: b.world_root,
                receipts_root: b.receipts_root,
                receipts: b.receipts.iter().map(|r| r.record()).collect(),
                balances: view.variable(&token, 1).unwrap().to_vec(),
            });
        }
    }
    let db = StateDb::open_rocks(dir.path(), &StateConfig::default()).unwrap();
    let head = db.head();
    assert_eq!(head.root, seen.last().unwrap().world_root);
    for s in &seen {
        let block = db.block(s.height).unwrap().unwrap();
        assert_eq!(
            (block.world_root, block.receipts_root),
            (s.world_root, s.receipts_root)
        );
        // A variable proven at this block's root, verified from its bytes.
        let (proof, _) = prove_variable(&db, s.world_root, &token, 1, true).unwrap();
        let bytes = binary::encode_variable(&proof);
        let decoded: VariableProof = binary::decode_variable(&bytes).unwrap();
        let proven = decoded
            .verify_for(&s.world_root.0, &token.0, 1, None)
            .unwrap();
        assert_eq!(proven.value.as_deref(), Some(s.balances.as_slice()));
        // The same proof is refused against any other block's root.
        for other in seen.iter().filter(|o| o.world_root != s.world_root) {
            assert!(decoded.verify(&other.world_root.0, None).is_err());
        }
        // Every receipt of the block, proven against its receipts root.
        for (i, want) in s.receipts.iter().enumerate() {
            let (p, record, _) = prove_receipt(&db, s.height, i as u64).unwrap();
            assert_eq!(&record, want);
            assert_eq!(p.verify_for(&s.receipts_root.0, i as u64).unwrap(), *want);
        }
        db.check(s.world_root).unwrap();
    }
    // Balances moved as the blocks said: 1,000 minted to holder 0, 300 to
    // holder 1, 7 to holder 3; the failed transfer moved nothing.
    let last = &seen.last().unwrap().balances;
    let holder = |i: usize| u64::from_le_bytes(last[8 * i..8 * i + 8].try_into().unwrap());
    assert_eq!(
        (holder(0), holder(1), holder(2), holder(3)),
        (693, 300, 0, 7)
    );
}
