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
use std::sync::OnceLock;

use svm_format::account::Account;
use svm_format::event::Event;
use svm_format::layout::Layout;
use svm_format::node::{ChildView, NodeView, decode_node};
use svm_format::receipt::ReceiptRecord;
use svm_format::rlp;
use svm_format::structure::{Handle, Structure};
use svm_sync::chunk::verify_chunk;
use svm_sync::wire::{self, RangeRequest};
use svm_trie::{H256, MemoryStore, NodeStore, TrieMut, proof};
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
    ("module", module),
    ("snapshot_range", snapshot_range),
    ("json_proofs", json_proofs),
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

/// Contract code as a node receives it in a deploy: validation never
/// panics, and code it accepts compiles (with the metering, call-depth and
/// memory-guard middlewares) — a module that validates but does not compile
/// would fail where the node must decide.
pub fn module(data: &[u8]) {
    let config = svm_vm::VmConfig::default();
    if svm_vm::validate(data, &config).is_ok()
        && let Err(e) = svm_vm::compile_artifact(data, &config)
    {
        panic!("validated code does not compile: {e}");
    }
}

/// Entries of the trie the range target's answers are checked against.
const RANGE_ENTRIES: u32 = 160;

/// The trie a syncing node asks for ranges of: 32-byte hashed keys (as in
/// the world and storage tries), values of 1–96 bytes; its store and
/// entries.
pub struct RangeTrie {
    /// Its root.
    pub root: H256,
    /// Its nodes.
    pub store: MemoryStore,
    /// Its entries, the model.
    pub entries: BTreeMap<Vec<u8>, Vec<u8>>,
}

/// The range target's trie (built once).
pub fn range_trie() -> &'static RangeTrie {
    static TRIE: OnceLock<RangeTrie> = OnceLock::new();
    TRIE.get_or_init(|| {
        let mut trie = TrieMut::new(MemoryStore::new());
        let mut entries = BTreeMap::new();
        for i in 0..RANGE_ENTRIES {
            let key = svm_trie::hash(&i.to_be_bytes()).as_bytes().to_vec();
            let value = vec![i as u8; 1 + (i as usize * 7) % 96];
            trie.insert(&key, &value).expect("insert");
            entries.insert(key, value);
        }
        let c = trie.commit().expect("commit");
        let mut store = MemoryStore::new();
        store.insert_all(&c.nodes);
        RangeTrie {
            root: c.root,
            store,
            entries,
        }
    })
}

/// The request a range input asks (its first 4 bytes) of [`range_trie`]:
/// from a key of the trie, a prefix of one or the start; to a key or the
/// end; at most `1 + 64·m` bytes. `None` for an inverted range.
pub fn range_request(header: [u8; 4]) -> Option<RangeRequest> {
    let t = range_trie();
    let key = |i: u8| {
        t.entries
            .keys()
            .nth(usize::from(i) % t.entries.len())
            .cloned()
            .unwrap_or_default()
    };
    let [f, to, m, flags] = header;
    let from = if f == 0xff {
        Vec::new()
    } else {
        let mut k = key(f);
        if flags & 1 == 1 {
            k.truncate(usize::from(flags >> 3));
        }
        k
    };
    let to = (to != 0xff).then(|| key(to));
    if to.as_ref().is_some_and(|to| *to < from) {
        return None;
    }
    Some(RangeRequest {
        root: t.root,
        from,
        to,
        max_bytes: 1 + 64 * usize::from(m),
    })
}

/// Snapshot sync's chunk verifier, fed untrusted answers to requests of a
/// known trie (the first 4 bytes pick the request, the rest is the answer):
/// a chunk it accepts holds exactly the trie's entries from where it was
/// asked to start to where it ends, and only the trie's own nodes; the
/// range message re-encodes to the bytes decoded.
pub fn snapshot_range(data: &[u8]) {
    let Some((header, answer)) = data.split_first_chunk::<4>() else {
        return;
    };
    if let Ok(p) = wire::decode_range(answer) {
        assert_eq!(wire::encode_range(&p), answer, "range message");
    }
    let Some(req) = range_request(*header) else {
        return;
    };
    let Ok(chunk) = verify_chunk(&req, answer) else {
        return;
    };
    let t = range_trie();
    let last = chunk.end.as_ref().or(req.to.as_ref());
    let expected: Vec<(Vec<u8>, Vec<u8>)> = t
        .entries
        .range(req.from.clone()..)
        .take_while(|(k, _)| last.is_none_or(|l| *k <= l))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    assert_eq!(chunk.entries, expected, "a verified chunk's entries");
    for (hash, bytes) in chunk.nodes.iter() {
        let held = t.store.node(hash).expect("memory store");
        assert_eq!(held.as_deref(), Some(bytes), "a verified chunk's node");
    }
}

/// State proofs as `svm verify` and the C API's verifier take them, JSON
/// or binary, of any kind: verification never panics, what it proves
/// prints, and a proof that verifies against the root it names does not
/// verify against another.
pub fn json_proofs(data: &[u8]) {
    let Ok(proven) = svm_proofs::verify_any(data, None, None) else {
        return;
    };
    let _ = proven.to_json();
    let other: svm_verify::Hash = [0x5a; 32];
    let names_other =
        data.windows(8).any(|w| w == b"5a5a5a5a") || data.windows(4).any(|w| w == [0x5a; 4]);
    if !names_other {
        assert!(
            svm_proofs::verify_any(data, Some(&other), None).is_err(),
            "a proof verifies against two roots"
        );
    }
}
