//! svm's fuzz targets, each a function of the fuzzer's bytes that panics
//! only on a bug: `fuzz/` runs them under libFuzzer (`cargo +nightly fuzz run
//! NAME`), and `tests/corpora.rs` replays every committed corpus input on
//! stable, so what fuzzing found stays found.
//!
//! Each target decodes or verifies untrusted bytes as a node, a light
//! client or a syncing node would, and checks what must hold of anything
//! accepted: canonical formats re-encode to exactly the bytes accepted,
//! verified proofs prove what they claim, the trie agrees with a model.

use std::collections::BTreeMap;

use svm_format::account::Account;
use svm_format::event::Event;
use svm_format::layout::Layout;
use svm_format::node::{ChildView, NodeView, decode_node};
use svm_format::receipt::ReceiptRecord;
use svm_format::rlp;
use svm_format::structure::{Handle, Structure};
use svm_trie::{H256, MemoryStore, TrieMut, proof};
use svm_verify::binary;

/// A fuzz target: it panics on a bug, and only then.
pub type Target = fn(&[u8]);

/// Every target, by the name its corpus directory and cargo-fuzz use.
pub const TARGETS: &[(&str, Target)] = &[
    ("decoders", decoders),
    ("binary_proofs", binary_proofs),
    ("mpt_proof", mpt_proof),
    ("layout", layout),
    ("trie_model", trie_model),
];

/// Re-encodes an RLP item from its parts, if every item inside it decodes
/// (`rlp::one` checks only the outer item): equal to what was decoded, as
/// the decoder accepts only canonical encodings.
fn reencode(item: rlp::Item<'_>) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    if item.list {
        let mut payload = Vec::new();
        for inner in rlp::items(item).ok()? {
            payload.extend(reencode(inner)?);
        }
        rlp::encode_list(&mut out, &payload);
    } else {
        rlp::encode_bytes(&mut out, item.payload);
    }
    Some(out)
}

/// The decoders of every consensus format: anything they accept is
/// canonical (re-encodes to the same bytes) and well-formed.
pub fn decoders(data: &[u8]) {
    if let Ok(item) = rlp::one(data) {
        // Nested lists are bounded by the input: recursion is at most its
        // length deep, and the fuzzer's inputs are small.
        if data.len() <= 4096
            && let Some(again) = reencode(item)
        {
            assert_eq!(again, data, "RLP re-encodes");
        }
    }
    if let Ok(node) = decode_node(data) {
        match node {
            NodeView::Leaf { value, .. } => assert!(!value.is_empty()),
            NodeView::Extension { path, child } => {
                assert!(!path.is_empty());
                assert!(!matches!(child, ChildView::Empty));
            }
            NodeView::Branch { children, value } => {
                let n = children
                    .iter()
                    .filter(|c| !matches!(c, ChildView::Empty))
                    .count();
                assert!(n + usize::from(value.is_some()) >= 2, "a branch of one");
            }
        }
    }
    if let Ok(a) = Account::decode(data) {
        assert_eq!(a.encode(), data, "account");
    }
    if let Ok(r) = ReceiptRecord::decode(data) {
        assert_eq!(r.encode(), data, "receipt");
    }
    if let Ok(e) = Event::decode(data) {
        assert_eq!(e.encode(), data, "event");
    }
    if let Ok(h) = Handle::decode(data) {
        assert_eq!(h.encode(), data, "handle");
    }
    let mut rest = data;
    if let Ok(s) = Structure::decode(&mut rest) {
        let mut out = Vec::new();
        s.encode(&mut out);
        assert_eq!(out, data[..data.len() - rest.len()], "structure descriptor");
    }
}

/// Binary state proofs as a light client receives them: decoded, verified
/// against the root they name and against another; whatever decodes
/// re-encodes to the same bytes.
pub fn binary_proofs(data: &[u8]) {
    let other = [0x5a; 32];
    match binary::kind(data) {
        Some(binary::Kind::Variable) => {
            if let Ok(p) = binary::decode_variable(data) {
                assert_eq!(binary::encode_variable(&p), data);
                let _ = p.verify(&p.root, None);
                assert!(p.verify(&other, None).is_err() || p.root == other);
            }
        }
        Some(binary::Kind::Multi) => {
            if let Ok(p) = binary::decode_multi(data) {
                assert_eq!(binary::encode_multi(&p), data);
                let _ = p.verify(&p.root, &BTreeMap::new());
            }
        }
        Some(binary::Kind::Element) => {
            if let Ok(p) = binary::decode_element(data) {
                assert_eq!(binary::encode_element(&p), data);
                let _ = p.verify(&p.root, None);
            }
        }
        Some(binary::Kind::Elements) => {
            if let Ok(p) = binary::decode_elements(data) {
                assert_eq!(binary::encode_elements(&p), data);
                let _ = p.verify(&p.root, &BTreeMap::new());
            }
        }
        Some(binary::Kind::Range) => {
            if let Ok(p) = binary::decode_range(data) {
                assert_eq!(binary::encode_range(&p), data);
                let _ = p.verify(&p.root, None);
            }
        }
        Some(binary::Kind::Receipt) => {
            if let Ok(p) = binary::decode_receipt(data) {
                assert_eq!(binary::encode_receipt(&p), data);
                let _ = p.verify(&p.receipts_root);
            }
        }
        None => {}
    }
}

/// Splits `data` into length-prefixed (one byte) pieces.
fn pieces(mut data: &[u8]) -> Vec<&[u8]> {
    let mut out = Vec::new();
    while let Some((&n, rest)) = data.split_first() {
        let n = usize::from(n).min(rest.len());
        out.push(&rest[..n]);
        data = &rest[n..];
    }
    out
}

/// Merkle-Patricia proofs of one key from untrusted nodes: a root (32
/// bytes), a key, then nodes. Verification never panics, and a value it
/// returns is proven: the nodes it used hash up to the root.
pub fn mpt_proof(data: &[u8]) {
    let Some((root, rest)) = data.split_first_chunk::<32>() else {
        return;
    };
    let parts = pieces(rest);
    let Some((key, nodes)) = parts.split_first() else {
        return;
    };
    let _ = proof::verify(H256(*root), key, nodes);
    // The same nodes under the root of the first one.
    if let Some(first) = nodes.first() {
        let root = svm_trie::hash(first);
        let _ = proof::verify(root, key, nodes);
    }
}

/// Storage layouts, the `svm-layout` section a module carries: what decodes
/// re-encodes to the same bytes, and its placements stay inside its pages.
pub fn layout(data: &[u8]) {
    if let Ok(l) = Layout::decode(data) {
        assert_eq!(l.encode(), data, "layout");
        for i in 0..l.len() {
            if let Ok(p) = l.placement(i) {
                let size = l.page_size();
                if p.len <= size {
                    let end = u64::from(p.offset) + u64::from(p.len);
                    assert!(end <= u64::from(size), "variable {i} straddles pages");
                }
                let last = u64::from(p.pages(size).end);
                assert!(last <= l.pages(), "variable {i} past the layout's pages");
            }
        }
    }
    let _ = svm_format::code::layout_of(data);
}

/// svm-trie against a model: a sequence of inserts and removes (with
/// commits between) over a `BTreeMap`; after each commit the root equals
/// the root computed from scratch, every key reads back, iteration yields
/// the model in order, and proofs of present and absent keys verify.
pub fn trie_model(data: &[u8]) {
    let mut model: BTreeMap<Vec<u8>, Vec<u8>> = BTreeMap::new();
    let mut store = MemoryStore::new();
    let mut trie = TrieMut::new(MemoryStore::new());
    let mut rest = data;
    while let Some((&op, tail)) = rest.split_first() {
        // Keys of 0–4 bytes over a small alphabet, so they collide and
        // share prefixes; values of 1–40 bytes.
        let Some((&k, tail)) = tail.split_first() else {
            break;
        };
        let key: Vec<u8> = (0..k % 5).map(|i| (k >> i) & 0x13).collect();
        rest = tail;
        match op % 4 {
            0 | 1 => {
                let Some((&v, tail)) = rest.split_first() else {
                    break;
                };
                rest = tail;
                let value = vec![v; 1 + usize::from(v % 40)];
                trie.insert(&key, &value).expect("insert");
                model.insert(key, value);
            }
            2 => {
                trie.remove(&key).expect("remove");
                model.remove(&key);
            }
            _ => {
                let c = trie.commit().expect("commit");
                store.insert_all(&c.nodes);
                let expected = svm_trie::root_of(model.iter()).expect("root");
                assert_eq!(c.root, expected, "root after a commit");
                trie = TrieMut::open(store.clone(), c.root).expect("reopen");
            }
        }
    }
    let c = trie.commit().expect("commit");
    store.insert_all(&c.nodes);
    let root = c.root;
    assert_eq!(root, svm_trie::root_of(model.iter()).expect("root"));
    let trie = TrieMut::open(store.clone(), root).expect("reopen");
    let listed: Vec<(Vec<u8>, Vec<u8>)> = trie.iter().map(|e| e.expect("entry")).collect();
    let expected: Vec<(Vec<u8>, Vec<u8>)> = model.clone().into_iter().collect();
    assert_eq!(listed, expected, "iteration");
    for key in (0..=255u8).map(|k| (0..k % 5).map(|i| (k >> i) & 0x13).collect::<Vec<u8>>()) {
        let p = proof::prove(&store, root, &key).expect("prove");
        let proven = proof::verify(root, &key, &p.nodes).expect("verify");
        assert_eq!(proven.as_ref(), model.get(&key), "proof of {key:?}");
    }
}
