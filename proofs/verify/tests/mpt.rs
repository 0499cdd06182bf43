//! svm-verify's Merkle-Patricia verifier against svm-trie's prover (and
//! svm-trie's own verifier): every proof of a random trie verifies to the
//! model's value, exclusions included, and every spoiled proof fails.

use std::collections::BTreeMap;

use quickcheck::{Arbitrary, Gen, QuickCheck};
use svm_trie::{MemoryStore, TrieMut, proof};
use svm_verify::EMPTY_ROOT;
use svm_verify::VerifyError;
use svm_verify::mpt::{verify, verify_many};

/// A random trie's contents: keys of one length from a small alphabet (so
/// paths share prefixes, branches and extensions form), values of 1 to 80
/// bytes (so some nodes are inlined in their parent).
#[derive(Clone, Debug)]
struct Entries {
    len: usize,
    map: BTreeMap<Vec<u8>, Vec<u8>>,
}

const ALPHABET: [u8; 4] = [0x00, 0x01, 0x10, 0xff];

fn key(g: &mut Gen, len: usize) -> Vec<u8> {
    (0..len).map(|_| *g.choose(&ALPHABET).unwrap()).collect()
}

impl Arbitrary for Entries {
    fn arbitrary(g: &mut Gen) -> Self {
        let len = *g.choose(&[1usize, 2, 4, 32]).unwrap();
        let n = usize::arbitrary(g) % 60;
        let map = (0..n)
            .map(|_| {
                let v_len = 1 + usize::arbitrary(g) % 80;
                (key(g, len), (0..v_len).map(|_| u8::arbitrary(g)).collect())
            })
            .collect();
        Entries { len, map }
    }
}

fn build(map: &BTreeMap<Vec<u8>, Vec<u8>>) -> (MemoryStore, [u8; 32]) {
    let mut store = MemoryStore::new();
    let commit = {
        let mut trie = TrieMut::new(&store);
        trie.apply(map.iter()).unwrap();
        trie.commit().unwrap()
    };
    store.insert_all(&commit.nodes);
    (store, commit.root.0)
}

#[test]
fn proofs_verify_and_spoiled_ones_fail() {
    fn prop(e: Entries, seed: u64) -> bool {
        let (store, root) = build(&e.map);
        let mut g = Gen::new(seed as usize % 40 + 5);
        let mut keys: Vec<Vec<u8>> = e.map.keys().cloned().collect();
        keys.extend((0..4).map(|_| key(&mut g, e.len)));
        for k in &keys {
            let p = proof::prove(&store, svm_trie::H256(root), k).unwrap();
            let proven = verify(&root, k, &p.nodes).unwrap();
            assert_eq!(proven.as_ref(), e.map.get(k), "the model's value");
            // A wrong root fails.
            let mut wrong = root;
            wrong[31] ^= 1;
            assert!(verify(&wrong, k, &p.nodes).is_err() || root == EMPTY_ROOT);
            // Every changed byte of every node fails.
            for i in 0..p.nodes.len() {
                for at in [0, p.nodes[i].len() / 2, p.nodes[i].len() - 1] {
                    let mut spoiled = p.nodes.clone();
                    spoiled[i][at] ^= 0x40;
                    assert!(verify(&root, k, &spoiled).is_err());
                }
                // A dropped node fails.
                let mut dropped = p.nodes.clone();
                dropped.remove(i);
                assert!(verify(&root, k, &dropped).is_err());
                // An extra node fails.
                let mut extra = p.nodes.clone();
                extra.insert(i, p.nodes[i].clone());
                assert!(verify(&root, k, &extra).is_err());
            }
            // Swapped nodes fail.
            if p.nodes.len() >= 2 {
                let mut swapped = p.nodes.clone();
                swapped.swap(0, 1);
                assert!(verify(&root, k, &swapped).is_err());
            }
        }
        // One multiproof for all the keys, nodes once each, any order.
        let many = proof::prove_many(&store, svm_trie::H256(root), &keys).unwrap();
        let mut nodes = many.nodes.clone();
        nodes.reverse();
        let values = verify_many(&root, &keys, &nodes).unwrap();
        for (k, v) in keys.iter().zip(&values) {
            assert_eq!(v.as_ref(), e.map.get(k));
        }
        if !nodes.is_empty() {
            let mut doubled = nodes.clone();
            doubled.push(nodes[0].clone());
            assert_eq!(
                verify_many(&root, &keys, &doubled),
                Err(VerifyError::DuplicateNode)
            );
            let mut dropped = nodes.clone();
            dropped.pop();
            assert!(verify_many(&root, &keys, &dropped).is_err());
            // Nodes no key needs are refused.
            assert!(verify_many(&root, &keys[..0], &nodes).is_err());
        }
        true
    }
    QuickCheck::new()
        .tests(300)
        .quickcheck(prop as fn(Entries, u64) -> bool);
}

#[test]
fn the_empty_trie_proves_every_key_absent() {
    let none: [Vec<u8>; 0] = [];
    assert_eq!(verify(&EMPTY_ROOT, b"k", &none), Ok(None));
    assert!(verify(&EMPTY_ROOT, b"k", &[vec![0x80]]).is_err());
}

#[test]
fn arbitrary_nodes_never_panic() {
    fn prop(nodes: Vec<Vec<u8>>, key: Vec<u8>) -> bool {
        // A root that matches the first node, so decoding is reached.
        let root = nodes
            .first()
            .map_or(EMPTY_ROOT, |n| svm_verify::keccak256(n));
        let _ = verify(&root, &key, &nodes);
        let _ = verify_many(&root, &[&key], &nodes);
        true
    }
    QuickCheck::new()
        .tests(3000)
        .quickcheck(prop as fn(Vec<Vec<u8>>, Vec<u8>) -> bool);
}
