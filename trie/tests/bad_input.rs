//! Arbitrary and mutated bytes fed to the node decoder and every verifier must
//! give errors, never panics.

use quickcheck::{Gen, QuickCheck, TestResult};
use svm_trie::proof::{self, RangeProof};
use svm_trie::{H256, MemoryStore, TrieMut, decode_node};

/// A small real trie's root and nodes, as material to mutate.
fn sample() -> (H256, Vec<Vec<u8>>) {
    let mut t = TrieMut::new(MemoryStore::new());
    for i in 0u32..200 {
        let v = vec![i as u8; 1 + (i as usize % 50)];
        t.insert(&(i * 7919).to_be_bytes(), &v).unwrap();
    }
    t.insert(b"", b"empty key").unwrap();
    t.insert(&[0, 0], b"short").unwrap();
    let c = t.commit().unwrap();
    (c.root, c.nodes.iter().map(|(_, n)| n.to_vec()).collect())
}

fn mutate(node: &[u8], g: &mut Gen) -> Vec<u8> {
    let mut n = node.to_vec();
    let pick = |g: &mut Gen, len: usize| usize::from(u16::arbitrary_small(g)) % len.max(1);
    match u8::arbitrary_small(g) % 5 {
        0 if !n.is_empty() => {
            let i = pick(g, n.len());
            n[i] ^= 1 << (u8::arbitrary_small(g) % 8);
        }
        1 if !n.is_empty() => {
            let i = pick(g, n.len());
            n.truncate(i);
        }
        2 => {
            let i = pick(g, n.len() + 1);
            n.insert(i.min(n.len()), u8::arbitrary_small(g));
        }
        3 if !n.is_empty() => {
            let i = pick(g, n.len());
            n.remove(i);
        }
        _ => {
            // Corrupt a length byte at the front.
            if let Some(b) = n.first_mut() {
                *b = u8::arbitrary_small(g);
            }
        }
    }
    n
}

trait Small {
    fn arbitrary_small(g: &mut Gen) -> Self;
}
impl Small for u8 {
    fn arbitrary_small(g: &mut Gen) -> Self {
        <u8 as quickcheck::Arbitrary>::arbitrary(g)
    }
}
impl Small for u16 {
    fn arbitrary_small(g: &mut Gen) -> Self {
        <u16 as quickcheck::Arbitrary>::arbitrary(g)
    }
}

#[test]
fn decoder_never_panics() {
    fn prop(bytes: Vec<u8>) -> bool {
        let _ = decode_node(&bytes);
        true
    }
    QuickCheck::new()
        .tests(20_000)
        .quickcheck(prop as fn(Vec<u8>) -> bool);

    let (_, nodes) = sample();
    let mut g = Gen::new(64);
    let mut accepted = 0;
    for round in 0..20 {
        for n in &nodes {
            let m = mutate(n, &mut g);
            if let Ok(view) = decode_node(&m) {
                accepted += usize::from(m != *n);
                let _ = format!("{view:?}");
            }
            assert!(
                decode_node(n).is_ok(),
                "round {round}: a real node failed to decode"
            );
        }
    }
    // Some mutations (a flipped bit inside a value) still decode; most must not.
    assert!(
        accepted < nodes.len() * 20 / 2,
        "{accepted} mutated nodes accepted"
    );
}

#[test]
fn verifiers_reject_garbage_and_mutations() {
    fn prop(key: Vec<u8>, garbage: Vec<Vec<u8>>, seed: u8) -> TestResult {
        let (root, nodes) = sample();
        let mut g = Gen::new(32 + usize::from(seed));
        // Pure garbage.
        assert!(proof::verify(root, &key, &garbage).is_err());
        assert!(proof::verify_many(root, &[&key], &garbage).is_err());
        // Real proofs with one node mutated.
        let mut store = MemoryStore::new();
        for n in &nodes {
            store.insert(n.clone());
        }
        let p = proof::prove(&store, root, &key).unwrap();
        let mut bad = p.nodes.clone();
        let i = usize::from(seed) % bad.len();
        bad[i] = mutate(&bad[i], &mut g);
        if bad[i] == p.nodes[i] {
            return TestResult::discard();
        }
        assert!(proof::verify(root, &key, &bad).is_err());
        let range =
            proof::prove_range(&store, root, &key, None, 1 + usize::from(seed % 9)).unwrap();
        if !range.nodes.is_empty() {
            let mut r = range.clone();
            let j = usize::from(seed) % r.nodes.len();
            r.nodes[j] = mutate(&r.nodes[j], &mut g);
            if r.nodes[j] != range.nodes[j] {
                assert!(proof::verify_range(root, &r).is_err());
            }
        }
        let junk = RangeProof {
            start: key.clone(),
            end: None,
            entries: vec![(key, vec![1])],
            nodes: garbage,
        };
        assert!(proof::verify_range(root, &junk).is_err());
        TestResult::passed()
    }
    QuickCheck::new()
        .tests(2000)
        .quickcheck(prop as fn(Vec<u8>, Vec<Vec<u8>>, u8) -> TestResult);
}

#[test]
fn corrupt_store_gives_errors() {
    let mut t = TrieMut::new(MemoryStore::new());
    for i in 0u32..500 {
        t.insert(&i.to_be_bytes(), &[1; 40]).unwrap();
    }
    let c = t.commit().unwrap();
    let mut store = MemoryStore::new();
    store.insert_all(&c.nodes);
    // Flip a byte in a node below the root.
    let (victim, _) = c.nodes.get(c.nodes.len() / 2).unwrap();
    store.node_mut(victim).unwrap()[5] ^= 0x40;
    let mut t = TrieMut::open(&store, c.root).unwrap();
    let errors = (0u32..500)
        .filter(|i| t.get(&i.to_be_bytes()).is_err())
        .count();
    assert!(errors > 0);
    assert!(t.iter().any(|r| r.is_err()));
    // Proofs served from the corrupt store never prove a wrong value: they fail
    // to generate or to verify, or prove the true value.
    let mut caught = 0;
    for i in 0u32..500 {
        let key = i.to_be_bytes();
        match svm_trie::proof::prove(&store, c.root, &key) {
            Err(_) => caught += 1,
            Ok(p) => match svm_trie::proof::verify(c.root, &key, &p.nodes) {
                Err(_) => caught += 1,
                Ok(v) => assert_eq!(v, Some(vec![1; 40])),
            },
        }
    }
    assert!(caught > 0);
    // An unknown root is a typed error.
    let missing = TrieMut::open(&store, H256::repeat_byte(9)).unwrap_err();
    assert!(missing.to_string().contains("missing"), "{missing}");
    // Mutations that hit the corrupt node fail and poison the trie.
    let all: Vec<(Vec<u8>, Vec<u8>)> = (0u32..500)
        .map(|i| (i.to_be_bytes().to_vec(), vec![]))
        .collect();
    assert!(t.apply(all).is_err());
    assert!(matches!(t.get(b"x"), Err(svm_trie::TrieError::Poisoned)));
}
