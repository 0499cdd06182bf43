//! Range proofs: all entries of a key range plus the range's boundary paths.
//!
//! The verifier rebuilds the root from three parts: subtrees wholly outside the
//! range are kept as the proof references them, subtrees wholly inside are
//! rebuilt from the entries alone, and the nodes on the boundary paths (the
//! proof) are re-encoded with their children recomputed. The result equals the
//! root only if the entries are exactly the trie's entries in the range.

use std::cmp::Ordering;
use std::collections::HashSet;

use super::ProofError;
use super::nodes::{ProofNodes, corrupt, fetch_stored, view_of};
use crate::batch::Op;
use crate::codec::{ChildRef, ChildView, NodeView, encode_branch, encode_extension};
use crate::nibbles::{has_path, key_len, key_nibble, pack, unpack};
use crate::update::subtree_ref;
use crate::{EMPTY_ROOT, H256, NodeSet, NodeStore, TrieError, TrieMut, hash};

/// A chunk of a trie: every entry with `start <= key <= end` (no upper bound
/// when `end` is `None`), and the nodes that tie them to the root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RangeProof {
    /// First key of the range (inclusive).
    pub start: Vec<u8>,
    /// Last key of the range (inclusive); `None` runs to the end of the trie.
    pub end: Option<Vec<u8>>,
    /// The range's entries in increasing key order.
    pub entries: Vec<(Vec<u8>, Vec<u8>)>,
    /// Nodes on the boundary paths, each once.
    pub nodes: Vec<Vec<u8>>,
}

/// The range in nibbles.
struct Bounds {
    left: Vec<u8>,
    right: Option<Vec<u8>>,
}

/// Where a subtree lies with respect to the range.
#[derive(PartialEq, Eq)]
enum Class {
    /// Every key below is outside the range.
    Outside,
    /// Every key below is inside the range.
    Inside,
    /// The subtree straddles a boundary: its node is in the proof.
    Boundary,
}

impl Bounds {
    fn classify(&self, prefix: &[u8]) -> Class {
        let cmp = |bound: &[u8]| {
            let n = prefix.len().min(bound.len());
            prefix[..n].cmp(&bound[..n])
        };
        // Against the left bound: all keys below the prefix are before it,
        // all at or after it, or mixed.
        let left_mixed = match cmp(&self.left) {
            Ordering::Less => return Class::Outside,
            Ordering::Greater => false,
            Ordering::Equal => prefix.len() < self.left.len(),
        };
        let right_mixed = match &self.right {
            None => false,
            Some(right) => match cmp(right) {
                Ordering::Greater => return Class::Outside,
                Ordering::Less => false,
                Ordering::Equal if prefix.len() > right.len() => return Class::Outside,
                Ordering::Equal => true,
            },
        };
        if left_mixed || right_mixed {
            Class::Boundary
        } else {
            Class::Inside
        }
    }

    fn contains(&self, key: &[u8]) -> bool {
        key >= &self.left[..] && self.right.as_ref().is_none_or(|r| key <= &r[..])
    }
}

/// Proves the entries of the trie with root `root` from `start` on, up to and
/// including `end` (or the trie's end), at most `max_entries` of them (at least
/// one). When the cap cuts the range short, the proof's `end` is the last
/// entry's key, and the next chunk starts just after it.
pub fn prove_range<S: NodeStore>(
    store: &S,
    root: H256,
    start: &[u8],
    end: Option<&[u8]>,
    max_entries: usize,
) -> Result<RangeProof, TrieError> {
    prove_range_capped(store, root, start, end, max_entries, usize::MAX)
}

/// Like [`prove_range`], with a cap on bytes as well: the chunk stops at the
/// first entry that brings the keys and values it holds to `max_bytes` or
/// more (that entry included, so a chunk always makes progress). Snapshot
/// sync asks for chunks this way.
pub fn prove_range_capped<S: NodeStore>(
    store: &S,
    root: H256,
    start: &[u8],
    end: Option<&[u8]>,
    max_entries: usize,
    max_bytes: usize,
) -> Result<RangeProof, TrieError> {
    if end.is_some_and(|e| e < start) {
        return Err(TrieError::InvalidRange);
    }
    for key in std::iter::once(start).chain(end) {
        if key.len() > crate::MAX_KEY_LEN {
            return Err(TrieError::KeyTooLong(key.len()));
        }
    }
    let max_entries = max_entries.max(1);
    let trie = TrieMut::open(store, root)?;
    let mut entries = Vec::new();
    let mut bytes = 0usize;
    let mut capped = false;
    for item in trie.iter_from(start) {
        let (k, v) = item?;
        if end.is_some_and(|e| &k[..] > e) {
            break;
        }
        bytes = bytes.saturating_add(k.len() + v.len());
        entries.push((k, v));
        if entries.len() == max_entries || bytes >= max_bytes {
            capped = true;
            break;
        }
    }
    let proven_end = if capped {
        entries.last().map(|(k, _)| k.clone())
    } else {
        end.map(<[u8]>::to_vec)
    };
    let bounds = Bounds {
        left: unpack(start),
        right: proven_end.as_deref().map(unpack),
    };
    let mut nodes = Vec::new();
    if root != EMPTY_ROOT {
        let mut seen = HashSet::new();
        collect(
            store,
            ChildView::Hash(root.0),
            root,
            &mut Vec::new(),
            &bounds,
            &mut nodes,
            &mut seen,
        )?;
    }
    Ok(RangeProof {
        start: start.to_vec(),
        end: proven_end,
        entries,
        nodes,
    })
}

/// Gathers the nodes of boundary subtrees, exactly those the verifier resolves.
fn collect<S: NodeStore>(
    store: &S,
    child: ChildView<'_>,
    parent: H256,
    prefix: &mut Vec<u8>,
    bounds: &Bounds,
    out: &mut Vec<Vec<u8>>,
    seen: &mut HashSet<H256>,
) -> Result<(), TrieError> {
    if bounds.classify(prefix) != Class::Boundary {
        return Ok(());
    }
    let mut slot = Vec::new();
    let fetch = |h: &H256| {
        let bytes = fetch_stored(store, h)?;
        if seen.insert(*h) {
            out.push(bytes.clone());
        }
        Ok(bytes)
    };
    let Some(view) = view_of(child, &mut slot, fetch, corrupt, parent)? else {
        return Ok(());
    };
    let here = match child {
        ChildView::Hash(h) => H256(h),
        _ => parent,
    };
    match view {
        NodeView::Leaf { .. } => {}
        NodeView::Extension { path, child } => {
            let n = prefix.len();
            prefix.extend((0..path.len()).map(|i| path.at(i)));
            collect(store, child, here, prefix, bounds, out, seen)?;
            prefix.truncate(n);
        }
        NodeView::Branch { children, .. } => {
            for (i, c) in children.iter().enumerate() {
                prefix.push(i as u8);
                collect(store, *c, here, prefix, bounds, out, seen)?;
                prefix.pop();
            }
        }
    }
    Ok(())
}

/// Checks that `proof.entries` are exactly the entries of the trie with root
/// `root` in the proof's range.
pub fn verify_range(root: H256, proof: &RangeProof) -> Result<(), ProofError> {
    check_range(root, proof, None)
}

/// Verifies a range like [`verify_range`] and returns the trie's nodes the
/// range determines: every node (referenced by hash, and the root node)
/// whose subtree lies inside the range or straddles one of its bounds,
/// children before parents. The chunks that tile a trie's whole key space
/// together return every node of the trie, so a syncing node stores these
/// and ends with the trie itself, its proof nodes checked on the way.
pub fn verify_range_nodes(root: H256, proof: &RangeProof) -> Result<NodeSet, ProofError> {
    let mut out = NodeSet::new();
    check_range(root, proof, Some(&mut out))?;
    Ok(out)
}

/// [`verify_range`], keeping the rebuilt nodes in `out` when given.
fn check_range(
    root: H256,
    proof: &RangeProof,
    out: Option<&mut NodeSet>,
) -> Result<(), ProofError> {
    if proof.end.as_ref().is_some_and(|e| e < &proof.start) {
        return Err(ProofError::BadRange);
    }
    let keys = std::iter::once(&proof.start)
        .chain(&proof.end)
        .chain(proof.entries.iter().map(|(k, _)| k));
    if let Some(n) = keys.map(Vec::len).find(|n| *n > crate::MAX_KEY_LEN) {
        return Err(ProofError::KeyTooLong(n));
    }
    for (i, (k, v)) in proof.entries.iter().enumerate() {
        if v.is_empty() {
            return Err(ProofError::EmptyValue(i));
        }
        if i > 0 && proof.entries[i - 1].0 >= *k {
            return Err(ProofError::Unordered(i));
        }
        if k < &proof.start || proof.end.as_ref().is_some_and(|e| k > e) {
            return Err(ProofError::OutOfRange(i));
        }
    }
    let bounds = Bounds {
        left: unpack(&proof.start),
        right: proof.end.as_deref().map(unpack),
    };
    let mut nodes = ProofNodes::new(&proof.nodes)?;
    let ops: Vec<Op<'_>> = proof
        .entries
        .iter()
        .map(|(k, v)| Op {
            key: k,
            value: Some(v),
        })
        .collect();
    let top = if root == EMPTY_ROOT {
        ChildView::Empty
    } else {
        ChildView::Hash(root.0)
    };
    let mut sink = NodeSet::new();
    let got = rebuild(top, &mut Vec::new(), &ops, &bounds, &mut nodes, &mut sink)?;
    let got = match (got.as_hash(), got.is_empty()) {
        (_, true) => EMPTY_ROOT,
        (Some(h), _) => h,
        (None, _) => {
            // A root under 32 bytes is still stored under its hash.
            let h = hash(got.as_bytes());
            sink.push(h, got.as_bytes());
            h
        }
    };
    if got != root {
        return Err(ProofError::RootMismatch {
            expected: root,
            got,
        });
    }
    nodes.all_used()?;
    if let Some(out) = out {
        out.append(sink);
    }
    Ok(())
}

/// Recomputes the reference of the subtree at `prefix` from the entries below
/// it (`ops`) and, for boundary subtrees, the proof's nodes.
fn rebuild(
    child: ChildView<'_>,
    prefix: &mut Vec<u8>,
    ops: &[Op<'_>],
    bounds: &Bounds,
    nodes: &mut ProofNodes<'_>,
    out: &mut NodeSet,
) -> Result<ChildRef, ProofError> {
    let depth = prefix.len();
    match bounds.classify(prefix) {
        Class::Outside => return Ok(ChildRef::of_view(&child)),
        Class::Inside => return Ok(subtree_ref(ops, depth, out)),
        Class::Boundary => {}
    }
    let mut slot = Vec::new();
    let fetch = |h: &H256| nodes.take(h).map(<[u8]>::to_vec);
    let view = view_of(
        child,
        &mut slot,
        fetch,
        |(_, e)| ProofError::Malformed(e),
        EMPTY_ROOT,
    )?;
    let Some(view) = view else {
        return Ok(subtree_ref(ops, depth, out));
    };
    let mut enc = Vec::new();
    match view {
        NodeView::Leaf { path, value } => {
            let mut key = prefix.clone();
            key.extend((0..path.len()).map(|i| path.at(i)));
            if bounds.contains(&key) {
                return Ok(subtree_ref(ops, depth, out));
            }
            // The leaf lies outside the range: it stays, beside whatever the entries add.
            let key = pack(&key).ok_or(ProofError::OddKey)?;
            let pos = ops.partition_point(|op| op.key < &key[..]);
            let mut merged = Vec::with_capacity(ops.len() + 1);
            merged.extend_from_slice(&ops[..pos]);
            merged.push(Op {
                key: &key,
                value: Some(value),
            });
            merged.extend_from_slice(&ops[pos..]);
            return Ok(subtree_ref(&merged, depth, out));
        }
        NodeView::Extension { path, child } => {
            let nibbles = path.to_nibbles();
            let through = |op: &Op<'_>| has_path(op.key, depth, &nibbles);
            if !ops.iter().all(through) {
                // Entries the extension's path rules out: the claim is false.
                return Ok(subtree_ref(ops, depth, out));
            }
            prefix.extend_from_slice(&nibbles);
            let c = rebuild(child, prefix, ops, bounds, nodes, out)?;
            prefix.truncate(depth);
            if c.is_empty() {
                return Ok(ChildRef::EMPTY);
            }
            encode_extension(&nibbles, &c, &mut enc);
        }
        NodeView::Branch { children, value } => {
            let (own, rest) = match ops.first() {
                Some(op) if key_len(op.key) == depth => (op.value, &ops[1..]),
                _ => (None, ops),
            };
            let value = if depth.is_multiple_of(2) && bounds.contains(prefix) {
                own
            } else {
                value
            };
            let mut refs = [ChildRef::EMPTY; 16];
            let mut from = 0;
            for (i, slot) in refs.iter_mut().enumerate() {
                let len =
                    rest[from..].partition_point(|op| usize::from(key_nibble(op.key, depth)) <= i);
                prefix.push(i as u8);
                *slot = rebuild(
                    children[i],
                    prefix,
                    &rest[from..from + len],
                    bounds,
                    nodes,
                    out,
                )?;
                prefix.pop();
                from += len;
            }
            encode_branch(&refs, value, &mut enc);
        }
    }
    let r = ChildRef::of_encoding(&enc);
    if let Some(h) = r.as_hash() {
        out.push(h, &enc);
    }
    Ok(r)
}
