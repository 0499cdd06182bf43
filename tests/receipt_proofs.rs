//! Receipt proofs: blocks executed on RocksDB keep their receipts tries, so
//! every receipt of every block is provable against the block's receipts
//! root, after a reopen too; spoiled proofs and wrong questions fail, and
//! Ethereum's verifier (alloy-trie) accepts the paths.

use alloy_primitives::{B256, Bytes};
use alloy_trie::Nibbles;
use svm_proofs::verify::{ReceiptProof, VerifyError, binary};
use svm_proofs::{ProveError, json, prove_receipt};
use svm_state::{Address, StateConfig, StateDb};
use svm_vm::{Arg, BlockContext, BlockResult, Call, Deploy, Tx, Vm, VmConfig};

const ALICE: Address = Address::repeat_byte(0xa1);

fn counter() -> Vec<u8> {
    svm_tests::contract("counter.wat")
}

fn call(c: Address, function: &str, by: i64) -> Tx {
    Tx::Call(Call {
        contract: c,
        sender: ALICE,
        function: function.into(),
        args: if function == "increment" {
            vec![Arg::I64(by)]
        } else {
            vec![]
        },
        gas_limit: 200_000,
        value: 0u64.into(),
    })
}

#[test]
fn every_receipt_of_every_block_is_provable() {
    let dir = tempfile::tempdir().unwrap();
    let mut blocks: Vec<(u64, BlockResult)> = Vec::new();
    {
        let db = StateDb::open_rocks(dir.path(), &StateConfig::default()).unwrap();
        let vm = Vm::new(db, VmConfig::default());
        let deploy = Tx::Deploy(Deploy {
            author: ALICE,
            nonce: 0,
            code: counter(),
            balance: 0u64.into(),
            constructor: None,
            gas_limit: 1_000_000,
        });
        let b1 = vm
            .execute_block(
                &[deploy],
                BlockContext {
                    height: 1,
                    time: 10,
                },
            )
            .unwrap();
        let c = b1.receipts[0].contract;
        blocks.push((1, b1));
        for height in 2..=4u64 {
            // Blocks of different sizes, with failures and return data.
            let mut txs: Vec<Tx> = (0..height * 3)
                .map(|i| call(c, "increment", i as i64))
                .collect();
            txs.push(call(c, "fail_after_write", 0));
            txs.push(call(c, "get", 0));
            txs.push(call(c, "missing", 0));
            let r = vm
                .execute_block(
                    &txs,
                    BlockContext {
                        height,
                        time: 10 * height,
                    },
                )
                .unwrap();
            blocks.push((height, r));
        }
        // An empty block has the empty receipts root and nothing to prove.
        let empty = vm
            .execute_block(
                &[],
                BlockContext {
                    height: 5,
                    time: 50,
                },
            )
            .unwrap();
        assert_eq!(empty.receipts_root, svm_trie::EMPTY_ROOT);
        assert!(matches!(
            prove_receipt(vm.db(), 5, 0),
            Err(ProveError::NoReceipt { receipts: 0, .. })
        ));
    }
    // Reopened: the receipts are still provable.
    let db = StateDb::open_rocks(dir.path(), &StateConfig::default()).unwrap();
    let mut checked = 0;
    for (height, block) in &blocks {
        let meta = db.block(*height).unwrap().unwrap();
        assert_eq!(meta.receipts_root, block.receipts_root);
        assert_eq!(meta.world_root, block.world_root);
        assert_eq!(meta.receipts, block.receipts.len() as u64);
        assert_eq!(meta.time, 10 * height);
        let root = block.receipts_root.0;
        for (i, r) in block.receipts.iter().enumerate() {
            let (proof, record, _) = prove_receipt(&db, *height, i as u64).unwrap();
            assert_eq!(record, r.record());
            assert_eq!(proof.verify_for(&root, i as u64).unwrap(), r.record());
            // Ethereum's verifier accepts the same path.
            let key = Nibbles::unpack(svm_proofs::verify::receipt_key(i as u64));
            let nodes: Vec<Bytes> = proof.nodes.iter().map(|n| Bytes::from(n.clone())).collect();
            alloy_trie::proof::verify_proof(B256::from(root), key, Some(r.encode()), &nodes)
                .unwrap();
            // JSON round trip, and a lying claim is refused.
            let doc = json::receipt_to_json(&proof, &record, None);
            assert_eq!(
                json::verify_receipt_json(&doc, Some(&root)).unwrap(),
                record
            );
            let mut lie = doc.clone();
            lie["receipt"]["gasUsed"] = (record.gas_used + 1).into();
            assert!(json::verify_receipt_json(&lie, Some(&root)).is_err());
            // The binary form round-trips, and every spoiled byte of it fails.
            let bytes = binary::encode_receipt(&proof);
            assert_eq!(binary::decode_receipt(&bytes).unwrap(), proof);
            assert_eq!(binary::kind(&bytes), Some(binary::Kind::Receipt));
            if i == block.receipts.len() - 1 {
                for at in 0..bytes.len() {
                    for flip in [0x01, 0x80] {
                        let mut spoiled = bytes.clone();
                        spoiled[at] ^= flip;
                        let verified = binary::decode_receipt(&spoiled)
                            .and_then(|p| p.verify_for(&root, i as u64));
                        assert!(verified.is_err(), "byte {at} ^ {flip:#x} still verifies");
                    }
                }
            }
            // Wrong questions and spoiled proofs fail.
            assert!(proof.verify_for(&root, i as u64 + 1).is_err());
            let mut other = root;
            other[0] ^= 1;
            assert!(proof.verify(&other).is_err());
            for n in 0..proof.nodes.len() {
                let mut bad = proof.clone();
                let len = bad.nodes[n].len();
                bad.nodes[n][len / 2] ^= 0x10;
                assert!(bad.verify(&root).is_err());
                let mut short = proof.clone();
                short.nodes.remove(n);
                assert!(short.verify(&root).is_err());
            }
            checked += 1;
        }
        // Past the last receipt: an exclusion, refused by both sides.
        let n = block.receipts.len() as u64;
        assert!(matches!(
            prove_receipt(&db, *height, n),
            Err(ProveError::NoReceipt { .. })
        ));
        let absent = ReceiptProof {
            receipts_root: root,
            index: n,
            nodes: svm_trie::proof::prove(
                db.store(),
                block.receipts_root,
                &svm_proofs::verify::receipt_key(n),
            )
            .unwrap()
            .nodes,
        };
        assert_eq!(absent.verify(&root), Err(VerifyError::NoReceipt(n)));
    }
    assert!(checked > 30, "{checked}");
    assert!(matches!(
        prove_receipt(&db, 99, 0),
        Err(ProveError::NoBlock(99))
    ));
}
