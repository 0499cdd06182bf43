//! quickcheck properties of the trie against a `BTreeMap` model, against
//! `alloy-trie` (an independent implementation), and of every proof verifier.

use std::collections::{BTreeMap, HashSet};
use std::sync::RwLock;

use alloy_primitives::{B256, Bytes};
use alloy_trie::{HashBuilder, Nibbles, proof::verify_proof};
use quickcheck::{Arbitrary, Gen, QuickCheck};
use svm_trie::proof::{self, ProofError, RangeProof};
use svm_trie::{
    ChildView, EMPTY_ROOT, H256, MemoryStore, NodeStore, NodeView, StoreError, TrieError, TrieMut,
    decode_node, root_of, root_of_sorted,
};

/// Bytes keys are drawn from: few, and sharing nibbles, so prefixes collide.
const ALPHABET: [u8; 7] = [0x00, 0x01, 0x10, 0x11, 0x12, 0xf0, 0xff];

fn key(g: &mut Gen, max_len: usize) -> Vec<u8> {
    let len = usize::arbitrary(g) % (max_len + 1);
    (0..len).map(|_| *g.choose(&ALPHABET).unwrap()).collect()
}

fn value(g: &mut Gen) -> Vec<u8> {
    // Short values make inline nodes, long ones hashed nodes.
    let len = 1 + usize::arbitrary(g) % 40;
    (0..len).map(|_| u8::arbitrary(g)).collect()
}

#[derive(Clone, Debug)]
enum Step {
    Insert(Vec<u8>, Vec<u8>),
    Remove(Vec<u8>),
    /// Commit; `true` also reopens the trie from the store at the new root.
    Commit(bool),
    /// Apply a batch of updates at once (empty values delete).
    Batch(Vec<(Vec<u8>, Vec<u8>)>),
}

#[derive(Clone, Debug)]
struct Script {
    /// Fixed key length, or `None` for keys of any length 0..=4.
    fixed: Option<usize>,
    steps: Vec<Step>,
}

impl Script {
    fn key(&self, g: &mut Gen) -> Vec<u8> {
        match self.fixed {
            Some(n) => (0..n).map(|_| *g.choose(&ALPHABET).unwrap()).collect(),
            None => key(g, 4),
        }
    }

    fn gen_with(g: &mut Gen, fixed: Option<usize>) -> Self {
        let mut s = Script {
            fixed,
            steps: Vec::new(),
        };
        let n = usize::arbitrary(g) % 60;
        for _ in 0..n {
            let step = match u8::arbitrary(g) % 10 {
                0..=4 => Step::Insert(s.key(g), value(g)),
                5 | 6 => Step::Remove(s.key(g)),
                7 => Step::Commit(bool::arbitrary(g)),
                _ => {
                    let m = usize::arbitrary(g) % 12;
                    Step::Batch(
                        (0..m)
                            .map(|_| {
                                let v = if u8::arbitrary(g) % 4 == 0 {
                                    Vec::new()
                                } else {
                                    value(g)
                                };
                                (s.key(g), v)
                            })
                            .collect(),
                    )
                }
            };
            s.steps.push(step);
        }
        s
    }
}

impl Arbitrary for Script {
    fn arbitrary(g: &mut Gen) -> Self {
        Script::gen_with(g, None)
    }

    fn shrink(&self) -> Box<dyn Iterator<Item = Self>> {
        // Drop one step at a time.
        let this = self.clone();
        Box::new((0..self.steps.len()).rev().map(move |i| {
            let mut s = this.clone();
            s.steps.remove(i);
            s
        }))
    }
}

/// Scripts whose keys all have the same length (as alloy-trie requires).
#[derive(Clone, Debug)]
struct FixedScript(Script);

impl Arbitrary for FixedScript {
    fn arbitrary(g: &mut Gen) -> Self {
        let len = 1 + usize::arbitrary(g) % 3;
        FixedScript(Script::gen_with(g, Some(len)))
    }

    fn shrink(&self) -> Box<dyn Iterator<Item = Self>> {
        Box::new(self.0.shrink().map(FixedScript))
    }
}

/// A store the test can add to while a trie reads it.
#[derive(Default)]
struct Shared(RwLock<MemoryStore>);

impl NodeStore for Shared {
    fn node(&self, hash: &H256) -> Result<Option<Vec<u8>>, StoreError> {
        self.0.read().unwrap().node(hash)
    }
}

/// The hashes of every stored node reachable from `root`.
fn reachable(store: &Shared, root: H256) -> HashSet<H256> {
    fn visit(store: &Shared, bytes: &[u8], out: &mut HashSet<H256>) {
        let children: Vec<ChildView<'_>> = match decode_node(bytes).unwrap() {
            NodeView::Leaf { .. } => vec![],
            NodeView::Extension { child, .. } => vec![child],
            NodeView::Branch { children, .. } => children.to_vec(),
        };
        for c in children {
            match c {
                ChildView::Empty => {}
                ChildView::Inline(raw) => visit(store, raw, out),
                ChildView::Hash(h) => {
                    let h = H256(h);
                    if out.insert(h) {
                        let node = store.node(&h).unwrap().expect("reachable node stored");
                        visit(store, &node, out);
                    }
                }
            }
        }
    }
    let mut out = HashSet::new();
    if root != EMPTY_ROOT {
        out.insert(root);
        let node = store.node(&root).unwrap().expect("root stored");
        visit(store, &node, &mut out);
    }
    out
}

/// Commits, adds the new nodes to the store, and maybe reopens at the new root.
/// Checks that the commit returned only nodes of the new trie.
fn commit<'s>(trie: &mut TrieMut<&'s Shared>, store: &'s Shared, reopen: bool) -> H256 {
    let was_dirty = trie.is_dirty();
    let c = trie.commit().unwrap();
    store.0.write().unwrap().insert_all(&c.nodes);
    if !was_dirty {
        assert!(c.nodes.is_empty(), "a commit without changes wrote nodes");
    }
    let live = reachable(store, c.root);
    for (h, _) in c.nodes.iter() {
        assert!(
            live.contains(h),
            "commit returned a node the new root does not reach"
        );
    }
    if reopen {
        *trie = TrieMut::open(store, c.root).unwrap();
    }
    c.root
}

/// Runs a script on a trie and on the model; ends with a commit. Checks gets
/// along the way.
fn run(script: &Script, store: &Shared) -> (H256, BTreeMap<Vec<u8>, Vec<u8>>) {
    let mut model = BTreeMap::new();
    let mut trie = TrieMut::new(store);
    for step in &script.steps {
        match step {
            Step::Insert(k, v) => {
                trie.insert(k, v).unwrap();
                model.insert(k.clone(), v.clone());
            }
            Step::Remove(k) => {
                trie.remove(k).unwrap();
                model.remove(k);
            }
            Step::Commit(reopen) => {
                commit(&mut trie, store, *reopen);
            }
            Step::Batch(ups) => {
                trie.apply(ups.iter().map(|(k, v)| (k, v))).unwrap();
                for (k, v) in ups {
                    if v.is_empty() {
                        model.remove(k);
                    } else {
                        model.insert(k.clone(), v.clone());
                    }
                }
            }
        }
        if let Step::Insert(k, _) | Step::Remove(k) = step {
            assert_eq!(
                trie.get(k).unwrap().as_ref(),
                model.get(k),
                "get after update"
            );
        }
    }
    let root = commit(&mut trie, store, false);
    (root, model)
}

fn qc() -> QuickCheck {
    QuickCheck::new().tests(300).max_tests(3000)
}

#[test]
fn matches_model() {
    fn prop(script: Script, probes: Vec<u8>) -> bool {
        let store = Shared::default();
        let (root, model) = run(&script, &store);
        let mut trie = TrieMut::open(&store, root).unwrap();
        // Gets, for keys present and probes likely absent.
        for (k, v) in &model {
            assert_eq!(trie.get(k).unwrap().as_ref(), Some(v));
        }
        assert_eq!(trie.get(&probes).unwrap().as_ref(), model.get(&probes));
        // Full iteration and iteration from every key and from the probe.
        let all: Vec<_> = trie.iter().map(Result::unwrap).collect();
        let want: Vec<_> = model.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
        assert_eq!(all, want);
        let mut starts: Vec<Vec<u8>> = model.keys().cloned().collect();
        starts.push(probes.clone());
        starts.extend(model.keys().map(|k| [&k[..], &[0u8]].concat()));
        for start in starts {
            let got: Vec<_> = trie.iter_from(&start).map(Result::unwrap).collect();
            let want: Vec<_> = model
                .range(start.clone()..)
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            assert_eq!(got, want, "from {start:02x?}");
        }
        // Backwards: everything, and from every key, probe and key extension.
        let all_back: Vec<_> = trie.iter_back_from(None).map(Result::unwrap).collect();
        assert_eq!(all_back, want.iter().rev().cloned().collect::<Vec<_>>());
        let mut ends: Vec<Vec<u8>> = model.keys().cloned().collect();
        ends.push(probes.clone());
        ends.extend(model.keys().map(|k| [&k[..], &[0u8]].concat()));
        ends.extend(
            model
                .keys()
                .filter(|k| !k.is_empty())
                .map(|k| k[..k.len() - 1].to_vec()),
        );
        for end in ends {
            let got: Vec<_> = trie
                .iter_back_from(Some(&end))
                .map(Result::unwrap)
                .collect();
            let want: Vec<_> = model
                .range(..=end.clone())
                .rev()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            assert_eq!(got, want, "back from {end:02x?}");
        }
        // The root depends only on the contents.
        assert_eq!(root, root_of(model.iter()).unwrap());
        // Deleting an absent key or rewriting a value unchanged changes nothing.
        if !model.contains_key(&probes) {
            trie.remove(&probes).unwrap();
        }
        if let Some((k, v)) = model.iter().next() {
            trie.insert(k, v).unwrap();
        }
        assert!(!trie.is_dirty());
        assert!(trie.commit().unwrap().nodes.is_empty());
        true
    }
    qc().quickcheck(prop as fn(Script, Vec<u8>) -> bool);
}

/// The one-pass root of sorted entries is the trie's root; entries out of
/// order, repeated or too long are refused; empty values are absent entries.
#[test]
fn sorted_root_matches_the_trie() {
    fn prop(script: Script, holes: Vec<u8>, swap: usize) -> bool {
        let store = Shared::default();
        let (root, model) = run(&script, &store);
        let mut entries: Vec<(Vec<u8>, Vec<u8>)> =
            model.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
        assert_eq!(root_of_sorted(&entries).unwrap(), root);
        // Keys whose value is empty, slipped in where they sort, change nothing.
        let mut with_holes = entries.clone();
        for h in holes {
            let hole = vec![h];
            if let Err(at) = with_holes.binary_search_by(|(k, _)| k.cmp(&hole)) {
                with_holes.insert(at, (hole, Vec::new()));
            }
        }
        assert_eq!(root_of_sorted(&with_holes).unwrap(), root);
        if entries.len() >= 2 {
            let i = 1 + swap % (entries.len() - 1);
            let mut repeated = entries.clone();
            repeated[i].0 = repeated[i - 1].0.clone();
            assert!(matches!(root_of_sorted(&repeated), Err(TrieError::Unsorted(at)) if at == i));
            entries.swap(i - 1, i);
            assert!(matches!(root_of_sorted(&entries), Err(TrieError::Unsorted(at)) if at == i));
        }
        true
    }
    qc().quickcheck(prop as fn(Script, Vec<u8>, usize) -> bool);
}

#[test]
fn sorted_root_edges() {
    let none: [(&[u8], &[u8]); 0] = [];
    assert_eq!(root_of_sorted(&none).unwrap(), EMPTY_ROOT);
    // Only empty values: the empty trie.
    assert_eq!(root_of_sorted(&[(b"a", b"")]).unwrap(), EMPTY_ROOT);
    // The empty key, alone and as every key's prefix (a value at the root's branch).
    let entries: [(&[u8], &[u8]); 3] = [(b"", b"root"), (b"a", b"1"), (b"ab", b"2")];
    assert_eq!(root_of_sorted(&entries).unwrap(), root_of(entries).unwrap());
    assert_eq!(
        root_of_sorted(&entries[..1]).unwrap(),
        root_of(entries[..1].iter().copied()).unwrap()
    );
    let long = vec![7u8; svm_trie::MAX_KEY_LEN + 1];
    assert!(matches!(
        root_of_sorted(&[(long, b"v")]),
        Err(TrieError::KeyTooLong(n)) if n == svm_trie::MAX_KEY_LEN + 1
    ));
}

#[test]
fn root_matches_alloy_hash_builder() {
    fn prop(script: FixedScript) -> bool {
        let store = Shared::default();
        let (root, model) = run(&script.0, &store);
        let mut hb = HashBuilder::default();
        for (k, v) in &model {
            hb.add_leaf(Nibbles::unpack(k), v);
        }
        assert_eq!(root.0, hb.root().0);
        true
    }
    qc().quickcheck(prop as fn(FixedScript) -> bool);
}

/// Every way of spoiling a proof: flip one byte of one node, drop a node, add a node.
fn spoiled(nodes: &[Vec<u8>], g: &mut Gen, extra: &[u8]) -> Vec<Vec<Vec<u8>>> {
    let mut out = Vec::new();
    for i in 0..nodes.len() {
        let mut flipped = nodes.to_vec();
        let at = usize::arbitrary(g) % flipped[i].len();
        flipped[i][at] ^= 1 + u8::arbitrary(g) % 255;
        out.push(flipped);
        let mut dropped = nodes.to_vec();
        dropped.remove(i);
        out.push(dropped);
    }
    for at in [0, nodes.len()] {
        let mut added = nodes.to_vec();
        added.insert(at, extra.to_vec());
        out.push(added);
    }
    out
}

static CHECKED_BY_ALLOY: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

#[test]
fn key_proofs_verify_and_spoiled_ones_fail() {
    fn prop(script: FixedScript, probe_seed: u64) -> bool {
        let store = Shared::default();
        let (root, model) = run(&script.0, &store);
        let mut g = Gen::new(probe_seed as usize % 50 + 10);
        let len = script.0.fixed.unwrap_or(2);
        let mut checked_by_alloy = 0;
        let mut keys: Vec<Vec<u8>> = model.keys().cloned().collect();
        keys.extend((0..4).map(|_| (0..len).map(|_| *g.choose(&ALPHABET).unwrap()).collect()));
        for k in &keys {
            let p = proof::prove(&store, root, k).unwrap();
            assert_eq!(p.value.as_ref(), model.get(k));
            assert_eq!(proof::verify(root, k, &p.nodes).unwrap(), p.value);
            // An independent verifier accepts the same proof. (alloy-trie compares a
            // root node under 32 bytes with the root as an inline reference, not by
            // hash, so it cannot check tries whose whole root node is that small.)
            if p.nodes.first().is_some_and(|n| n.len() >= 32) {
                let nodes: Vec<Bytes> = p.nodes.iter().map(|n| Bytes::from(n.clone())).collect();
                verify_proof(
                    B256::from(root.0),
                    Nibbles::unpack(k),
                    p.value.clone(),
                    &nodes,
                )
                .unwrap();
                checked_by_alloy += 1;
            }
            // A wrong root fails.
            let mut wrong = root;
            wrong.0[0] ^= 1;
            assert!(proof::verify(wrong, k, &p.nodes).is_err());
            // Any spoiled proof fails (an extra node: the root of another trie).
            let extra = vec![0xc2, 0x20, 0x01];
            for bad in spoiled(&p.nodes, &mut g, &extra) {
                assert!(
                    proof::verify(root, k, &bad).is_err(),
                    "spoiled proof of {k:02x?} verified"
                );
            }
        }
        CHECKED_BY_ALLOY.fetch_add(checked_by_alloy, std::sync::atomic::Ordering::Relaxed);
        true
    }
    qc().quickcheck(prop as fn(FixedScript, u64) -> bool);
    // Most tries have a hashed root node: alloy-trie checked many proofs.
    assert!(CHECKED_BY_ALLOY.load(std::sync::atomic::Ordering::Relaxed) > 100);
}

#[test]
fn variable_length_key_proofs() {
    fn prop(script: Script, probe: Vec<u8>) -> bool {
        let store = Shared::default();
        let (root, model) = run(&script, &store);
        let mut keys: Vec<Vec<u8>> = model.keys().cloned().collect();
        keys.push(probe);
        keys.push(Vec::new());
        for k in &keys {
            let p = proof::prove(&store, root, k).unwrap();
            assert_eq!(p.value.as_ref(), model.get(k));
            assert_eq!(proof::verify(root, k, &p.nodes).unwrap(), p.value);
        }
        // One multiproof of every key: fewer bytes, same answers.
        let mp = proof::prove_many(&store, root, &keys).unwrap();
        let got = proof::verify_many(root, &keys, &mp.nodes).unwrap();
        for (k, v) in keys.iter().zip(&got) {
            assert_eq!(v.as_ref(), model.get(k));
        }
        let mut g = Gen::new(20);
        for bad in spoiled(&mp.nodes, &mut g, &[0xc2, 0x20, 0x01]) {
            assert!(proof::verify_many(root, &keys, &bad).is_err());
        }
        let mut reordered = mp.nodes.clone();
        reordered.reverse();
        assert_eq!(proof::verify_many(root, &keys, &reordered).unwrap(), got);
        true
    }
    qc().quickcheck(prop as fn(Script, Vec<u8>) -> bool);
}

#[derive(Clone, Debug)]
struct RangeCase {
    script: Script,
    start: Vec<u8>,
    end: Option<Vec<u8>>,
    max: usize,
    pick: usize,
    extra_key: Vec<u8>,
}

impl Arbitrary for RangeCase {
    fn arbitrary(g: &mut Gen) -> Self {
        let script = if bool::arbitrary(g) {
            Script::arbitrary(g)
        } else {
            FixedScript::arbitrary(g).0
        };
        let start = key(g, 4);
        let end = bool::arbitrary(g)
            .then(|| key(g, 4))
            .filter(|e| *e >= start);
        RangeCase {
            script,
            start,
            end,
            max: 1 + usize::arbitrary(g) % 20,
            pick: usize::arbitrary(g),
            extra_key: key(g, 4),
        }
    }

    fn shrink(&self) -> Box<dyn Iterator<Item = Self>> {
        let c = self.clone();
        Box::new(self.script.shrink().map(move |script| RangeCase {
            script,
            ..c.clone()
        }))
    }
}

#[test]
fn range_proofs_verify_and_tampered_ones_fail() {
    fn prop(c: RangeCase) -> bool {
        let store = Shared::default();
        let (root, model) = run(&c.script, &store);
        let p = proof::prove_range(&store, root, &c.start, c.end.as_deref(), c.max).unwrap();
        // The chunk is what the model holds in the proven range.
        let upper = match &p.end {
            Some(e) => std::ops::Bound::Included(e.clone()),
            None => std::ops::Bound::Unbounded,
        };
        let want: Vec<_> = model
            .range((std::ops::Bound::Included(c.start.clone()), upper))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        assert_eq!(p.entries, want);
        assert!(p.entries.len() <= c.max);
        proof::verify_range(root, &p).unwrap();

        let fails = |bad: &RangeProof| proof::verify_range(root, bad).is_err();
        if !p.entries.is_empty() {
            let i = c.pick % p.entries.len();
            let mut dropped = p.clone();
            dropped.entries.remove(i);
            assert!(fails(&dropped), "dropped entry {i} verified");
            let mut altered = p.clone();
            altered.entries[i].1.push(1);
            assert!(fails(&altered), "altered entry {i} verified");
        }
        // An entry the trie does not hold, inside the range.
        let in_range = c.extra_key >= p.start && p.end.as_ref().is_none_or(|e| c.extra_key <= *e);
        if in_range && !model.contains_key(&c.extra_key) {
            let mut added = p.clone();
            let pos = added.entries.partition_point(|(k, _)| *k < c.extra_key);
            added.entries.insert(pos, (c.extra_key.clone(), vec![7]));
            assert!(fails(&added), "added entry verified");
        }
        // Tampered nodes.
        let mut g = Gen::new(20);
        for bad_nodes in spoiled(&p.nodes, &mut g, &[0xc2, 0x20, 0x01]) {
            let mut bad = p.clone();
            bad.nodes = bad_nodes;
            assert!(fails(&bad), "tampered nodes verified");
        }
        // A wider claimed range than the entries cover fails unless nothing is missing.
        if p.end.is_some() && model.range(p.end.clone().unwrap()..).nth(1).is_some() {
            let mut wider = p.clone();
            wider.end = None;
            assert!(fails(&wider), "claim to the trie's end verified");
        }
        true
    }
    qc().quickcheck(prop as fn(RangeCase) -> bool);
}

#[test]
fn range_chunks_cover_the_whole_trie() {
    fn prop(script: Script, max: u8) -> bool {
        let store = Shared::default();
        let (root, model) = run(&script, &store);
        let max = 1 + usize::from(max % 7);
        let mut start = Vec::new();
        let mut seen = Vec::new();
        loop {
            let p = proof::prove_range(&store, root, &start, None, max).unwrap();
            proof::verify_range(root, &p).unwrap();
            seen.extend(p.entries.iter().cloned());
            match p.end {
                None => break,
                Some(mut end) => {
                    end.push(0);
                    start = end;
                }
            }
        }
        let want: Vec<_> = model.into_iter().collect();
        assert_eq!(seen, want);
        true
    }
    qc().tests(100).quickcheck(prop as fn(Script, u8) -> bool);
}

/// The nodes that verified chunks return, stored in an empty store, are the
/// whole trie: a syncing node rebuilds exactly the source's nodes.
#[test]
fn range_chunks_rebuild_every_node() {
    fn prop(script: Script, max: u8, max_bytes: u8) -> bool {
        let store = Shared::default();
        let (root, model) = run(&script, &store);
        let max = 1 + usize::from(max % 7);
        let max_bytes = 1 + usize::from(max_bytes % 90);
        let rebuilt = Shared::default();
        let mut start = Vec::new();
        loop {
            let p = proof::prove_range_capped(&store, root, &start, None, max, max_bytes).unwrap();
            let nodes = proof::verify_range_nodes(root, &p).unwrap();
            for (h, n) in &nodes {
                assert_eq!(svm_trie::hash(n), *h);
            }
            rebuilt.0.write().unwrap().insert_all(&nodes);
            match p.end {
                None => break,
                Some(mut end) => {
                    end.push(0);
                    start = end;
                }
            }
        }
        if root != EMPTY_ROOT {
            assert!(rebuilt.node(&root).unwrap().is_some(), "root node rebuilt");
        }
        assert_eq!(reachable(&rebuilt, root), reachable(&store, root));
        let trie = TrieMut::open(&rebuilt, root).unwrap();
        let got: BTreeMap<_, _> = trie.iter().map(Result::unwrap).collect();
        assert_eq!(got, model);
        true
    }
    qc().tests(200)
        .quickcheck(prop as fn(Script, u8, u8) -> bool);
}

/// A byte-capped chunk stops at the entry that reaches the cap, and a
/// spoiled one returns no nodes.
#[test]
fn capped_chunks_stop_at_the_cap() {
    let store = Shared::default();
    let entries: Vec<(Vec<u8>, Vec<u8>)> = (0u8..50).map(|i| (vec![i, i], vec![i; 40])).collect();
    let mut trie = TrieMut::new(&store);
    trie.apply(entries.iter().map(|(k, v)| (k, v))).unwrap();
    let c = trie.commit().unwrap();
    store.0.write().unwrap().insert_all(&c.nodes);
    // 42 bytes per entry: a cap of 100 takes three entries (126 bytes).
    let p = proof::prove_range_capped(&store, c.root, b"", None, usize::MAX, 100).unwrap();
    assert_eq!(p.entries.len(), 3);
    assert_eq!(p.end, Some(vec![2, 2]));
    let mut bad = p.clone();
    bad.entries[1].1[0] ^= 1;
    assert!(proof::verify_range_nodes(c.root, &bad).is_err());
}

#[test]
fn empty_trie_proofs() {
    let store = MemoryStore::new();
    let p = proof::prove(&store, EMPTY_ROOT, b"k").unwrap();
    assert!(p.value.is_none() && p.nodes.is_empty());
    assert_eq!(proof::verify(EMPTY_ROOT, b"k", &p.nodes).unwrap(), None);
    assert_eq!(
        proof::verify(EMPTY_ROOT, b"k", &[vec![0x80]]).unwrap_err(),
        ProofError::UnusedNodes(1)
    );
    let r = proof::prove_range(&store, EMPTY_ROOT, b"", None, 10).unwrap();
    proof::verify_range(EMPTY_ROOT, &r).unwrap();
    let mut lie = r.clone();
    lie.entries.push((b"a".to_vec(), b"b".to_vec()));
    assert!(proof::verify_range(EMPTY_ROOT, &lie).is_err());
}

/// Batches large enough to take the parallel build, apply and hashing paths.
#[test]
fn large_batches_match_model_and_alloy() {
    fn prop(seed: u64, deletes: u8) -> bool {
        let mut g = Gen::new(100);
        let mut x = seed | 1;
        let mut next = move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        let keys: Vec<Vec<u8>> = (0..6000)
            .map(|_| next().to_be_bytes()[..5].to_vec())
            .collect();
        let store = Shared::default();
        let mut trie = TrieMut::new(&store);
        let mut model = BTreeMap::new();
        let first: Vec<(Vec<u8>, Vec<u8>)> =
            keys.iter().map(|k| (k.clone(), value(&mut g))).collect();
        trie.apply(first.iter().map(|(k, v)| (k, v))).unwrap();
        model.extend(first.iter().cloned());
        let root = commit(&mut trie, &store, bool::arbitrary(&mut g));
        assert_eq!(root, root_of(model.iter()).unwrap());
        let sorted: Vec<_> = model.iter().collect();
        assert_eq!(root, root_of_sorted(&sorted).unwrap());
        // Update, delete and add across the trie in one more large batch.
        let step = 2 + usize::from(deletes % 5);
        let mut second = Vec::new();
        for (i, k) in keys.iter().enumerate() {
            if i % step == 0 {
                second.push((k.clone(), Vec::new()));
                model.remove(k);
            } else if i % 3 == 0 {
                let v = value(&mut g);
                second.push((k.clone(), v.clone()));
                model.insert(k.clone(), v);
            }
        }
        for _ in 0..2500 {
            let k = next().to_be_bytes()[..5].to_vec();
            second.push((k.clone(), vec![1, 2, 3]));
            model.insert(k, vec![1, 2, 3]);
        }
        trie.apply(second.iter().map(|(k, v)| (k, v))).unwrap();
        let root = commit(&mut trie, &store, false);
        let mut hb = HashBuilder::default();
        for (k, v) in &model {
            hb.add_leaf(Nibbles::unpack(k), v);
        }
        assert_eq!(root.0, hb.root().0);
        let reopened = TrieMut::open(&store, root).unwrap();
        let all: Vec<_> = reopened.iter().map(Result::unwrap).collect();
        assert_eq!(all, model.into_iter().collect::<Vec<_>>());
        true
    }
    QuickCheck::new()
        .tests(6)
        .quickcheck(prop as fn(u64, u8) -> bool);
}

/// The nodes a look-up passes through (what gas prices) depend only on the
/// keys the trie holds: the same for a trie changed step by step without a
/// commit, one reopened from its root (nodes loaded lazily) and one built
/// at once; at most one per nibble of the key, plus one.
#[test]
fn path_nodes_depend_only_on_the_contents() {
    fn prop(script: Script, probes: Vec<Vec<u8>>) -> bool {
        let store = Shared::default();
        let (root, model) = run(&script, &store);
        // Step by step, never committed.
        let mut stepped = TrieMut::new(&store);
        for step in &script.steps {
            match step {
                Step::Insert(k, v) => stepped.insert(k, v).unwrap(),
                Step::Remove(k) => stepped.remove(k).unwrap(),
                Step::Commit(_) => {}
                Step::Batch(ups) => stepped.apply(ups.iter().map(|(k, v)| (k, v))).unwrap(),
            }
        }
        let mut reopened = TrieMut::open(&store, root).unwrap();
        let mut built = TrieMut::new(&store);
        built.apply(model.iter()).unwrap();
        let mut keys: Vec<Vec<u8>> = model.keys().cloned().collect();
        keys.extend(probes.into_iter().map(|p| p.into_iter().take(6).collect()));
        for k in &keys {
            let n = reopened.path_nodes(k).unwrap();
            assert_eq!(stepped.path_nodes(k).unwrap(), n, "{k:02x?}");
            assert_eq!(built.path_nodes(k).unwrap(), n, "{k:02x?}");
            assert!(n as usize <= 2 * k.len() + 1);
            assert_eq!(n == 0, model.is_empty());
        }
        true
    }
    qc().quickcheck(prop as fn(Script, Vec<Vec<u8>>) -> bool);
}

/// The complete-range walk (svm-format's `range::entries_in`): a prover
/// walking the store and keeping every node it fetched, and a verifier
/// walking only those nodes, both return exactly the model's entries in
/// `[from, to]`; a dropped, spoiled or extra node fails.
#[test]
fn complete_ranges_prove_exactly_the_range() {
    use svm_format::mpt::{Pool, ProofError};
    use svm_format::range::{Entries, RangeError, entries_in};

    fn prop(script: Script, a: Vec<u8>, b: Vec<u8>, spoil: u16) -> bool {
        let store = Shared::default();
        let (root, model) = run(&script, &store);
        let (a, b): (Vec<u8>, Vec<u8>) = (
            a.into_iter().take(5).collect(),
            b.into_iter().take(5).collect(),
        );
        let (from, to) = if a <= b { (a, b) } else { (b, a) };
        // The prover: fetch from the store, keep each node once.
        let mut nodes: Vec<Vec<u8>> = Vec::new();
        let mut seen = HashSet::new();
        let mut fetch = |h: &[u8; 32]| -> Result<Vec<u8>, RangeError> {
            let missing = || RangeError::Proof(ProofError::MissingNode(*h));
            let bytes = store
                .node(&H256(*h))
                .map_err(|_| missing())?
                .ok_or_else(missing)?;
            if seen.insert(*h) {
                nodes.push(bytes.clone());
            }
            Ok(bytes)
        };
        let proven = entries_in(&root.0, &from, &to, 8, &mut fetch).unwrap();
        let want: Vec<(Vec<u8>, Vec<u8>)> = model
            .range(from.clone()..=to.clone())
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        assert_eq!(proven, want);
        // The verifier: only the proof's nodes, each used.
        let verify = |nodes: &[Vec<u8>]| -> Result<Entries, RangeError> {
            let mut pool = Pool::new(nodes)?;
            let got = entries_in(&root.0, &from, &to, 8, &mut |h: &[u8; 32]| {
                pool.take(h).map(<[u8]>::to_vec).map_err(RangeError::from)
            })?;
            pool.all_used()?;
            Ok(got)
        };
        assert_eq!(verify(&nodes).unwrap(), want);
        if !nodes.is_empty() {
            let i = spoil as usize % nodes.len();
            let mut dropped = nodes.clone();
            dropped.remove(i);
            assert!(verify(&dropped).is_err(), "a dropped node");
            let mut spoiled = nodes.clone();
            let j = (spoil as usize / 7) % spoiled[i].len();
            spoiled[i][j] ^= 0x01;
            assert!(verify(&spoiled).is_err(), "a spoiled node");
        }
        // A node the range does not need.
        let all = reachable(&store, root);
        let extra = all
            .iter()
            .map(|h| store.node(h).unwrap().unwrap())
            .find(|n| !nodes.contains(n));
        if let Some(extra) = extra {
            let mut more = nodes.clone();
            more.push(extra);
            assert!(verify(&more).is_err(), "an extra node");
        }
        true
    }
    qc().quickcheck(prop as fn(Script, Vec<u8>, Vec<u8>, u16) -> bool);
}
