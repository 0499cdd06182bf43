//! The mutable trie: reads, batched updates and commit.

use rayon::prelude::*;

use crate::codec::ChildRef;
use crate::leaf::Leaf;
use crate::nibbles::{key_len, key_nibble, key_nibbles, pack};
use crate::node::{Children, MemNode, Slot, hash_root, hash_slot, load, resolve};
use crate::{EMPTY_ROOT, H256, NodeSet, NodeStore, TrieError, TrieIter};

/// Updates to one branch at least this many are applied to its children in
/// parallel (and a sort of this many runs in parallel).
const PAR_OPS: usize = 512;

/// Whether there is more than one thread to fan out to.
fn parallel() -> bool {
    rayon::current_num_threads() > 1
}

/// How many levels of the trie a commit hashes in parallel, given the number of
/// updates since the last commit: none for a few, the root's children for
/// hundreds, their children too for thousands.
fn par_depth(pending: usize) -> u8 {
    if !parallel() {
        return 0;
    }
    match pending {
        0..256 => 0,
        256..8192 => 1,
        _ => 2,
    }
}

/// One update: set `key` to `value`, or delete it when `value` is `None`.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Op<'k> {
    pub(crate) key: &'k [u8],
    pub(crate) value: Option<&'k [u8]>,
}

/// What a commit produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Commit {
    /// The new root hash.
    pub root: H256,
    /// The nodes created since the previous commit, children before parents.
    /// The root node is always included (even when its encoding is under 32
    /// bytes); nodes embedded in their parent are not. Two identical new
    /// subtrees yield the same node twice; writes are idempotent.
    pub nodes: NodeSet,
}

/// A Merkle-Patricia trie opened at a root over a [`NodeStore`], with an
/// in-memory overlay of decoded and changed nodes.
///
/// Nodes are loaded lazily and decoded once; they stay decoded across commits.
/// If a store error interrupts a mutation, the uncommitted changes are lost and
/// every later call fails with [`TrieError::Poisoned`]: reopen at the last root.
#[derive(Debug)]
pub struct TrieMut<S> {
    store: S,
    root: Option<Slot>,
    committed: H256,
    dirty: bool,
    pending: usize,
    poisoned: bool,
}

impl<S: NodeStore> TrieMut<S> {
    /// An empty trie.
    pub fn new(store: S) -> Self {
        TrieMut {
            store,
            root: None,
            committed: EMPTY_ROOT,
            dirty: false,
            pending: 0,
            poisoned: false,
        }
    }

    /// Opens the trie with root `root`; fails with [`TrieError::MissingNode`] if
    /// the store lacks the root node.
    pub fn open(store: S, root: H256) -> Result<Self, TrieError> {
        let mut trie = Self::new(store);
        if root != EMPTY_ROOT {
            let (node, r) = load(&trie.store, &root)?;
            trie.root = Some(Slot {
                node: Some(node),
                r,
            });
            trie.committed = root;
        }
        Ok(trie)
    }

    /// The store this trie reads from.
    pub fn store(&self) -> &S {
        &self.store
    }

    /// The root as of the last commit (or open).
    pub fn committed_root(&self) -> H256 {
        self.committed
    }

    /// Whether there are changes since the last commit.
    pub fn is_dirty(&self) -> bool {
        self.dirty
    }

    fn usable(&self) -> Result<(), TrieError> {
        if self.poisoned {
            Err(TrieError::Poisoned)
        } else {
            Ok(())
        }
    }

    /// The value stored under `key`, if any.
    pub fn get(&mut self, key: &[u8]) -> Result<Option<Vec<u8>>, TrieError> {
        self.usable()?;
        let Some(mut slot) = self.root.as_mut() else {
            return Ok(None);
        };
        let klen = key_len(key);
        let mut depth = 0;
        loop {
            match resolve(&self.store, slot)? {
                MemNode::Leaf(leaf) => {
                    return Ok(leaf.holds(key, depth).then(|| leaf.value().to_vec()));
                }
                MemNode::Extension { path, child } => {
                    if !has_path(key, depth, path) {
                        return Ok(None);
                    }
                    depth += path.len();
                    slot = child;
                }
                MemNode::Branch { children, value } => {
                    if depth == klen {
                        return Ok(value.as_deref().map(<[u8]>::to_vec));
                    }
                    match children.get_mut(key_nibble(key, depth)) {
                        Some(child) => slot = child,
                        None => return Ok(None),
                    }
                    depth += 1;
                }
            }
        }
    }

    /// Sets `key` to `value`; an empty value deletes the key.
    pub fn insert(&mut self, key: &[u8], value: &[u8]) -> Result<(), TrieError> {
        let value = (!value.is_empty()).then_some(value);
        self.apply_ops(&[Op { key, value }])
    }

    /// Deletes `key` (nothing happens if it is absent).
    pub fn remove(&mut self, key: &[u8]) -> Result<(), TrieError> {
        self.apply_ops(&[Op { key, value: None }])
    }

    /// Applies many updates at once, in order: a later update of the same key
    /// wins, and an empty value deletes. Much faster than one call per key.
    pub fn apply<K, V>(
        &mut self,
        updates: impl IntoIterator<Item = (K, V)>,
    ) -> Result<(), TrieError>
    where
        K: AsRef<[u8]>,
        V: AsRef<[u8]>,
    {
        let updates: Vec<(K, V)> = updates.into_iter().collect();
        let sorted = SortedOps::new(&updates);
        self.apply_ops(&sorted.ops())
    }

    /// Applies sorted, unique ops.
    fn apply_ops(&mut self, ops: &[Op<'_>]) -> Result<(), TrieError> {
        self.usable()?;
        if ops.is_empty() {
            return Ok(());
        }
        match apply_slot(&self.store, self.root.take(), ops, 0) {
            Ok((root, changed)) => {
                self.root = root;
                self.dirty |= changed;
                self.pending += ops.len();
                Ok(())
            }
            Err(e) => {
                self.poisoned = true;
                Err(e)
            }
        }
    }

    /// Hashes what changed since the last commit and returns the new root and
    /// the new nodes to persist. Nothing is written anywhere: store the nodes,
    /// then the root can be opened again.
    pub fn commit(&mut self) -> Result<Commit, TrieError> {
        self.usable()?;
        if !self.dirty {
            return Ok(Commit {
                root: self.committed,
                nodes: NodeSet::new(),
            });
        }
        let (root, nodes) = match self.root.as_mut() {
            None => (EMPTY_ROOT, NodeSet::new()),
            Some(slot) => hash_root(slot, par_depth(self.pending)),
        };
        self.committed = root;
        self.dirty = false;
        self.pending = 0;
        Ok(Commit { root, nodes })
    }

    /// Iterates entries in key order, starting at the first key `>= start`.
    /// Uncommitted changes are included.
    pub fn iter_from(&self, start: &[u8]) -> TrieIter<'_, S> {
        if self.poisoned {
            return TrieIter::failed(&self.store, TrieError::Poisoned);
        }
        TrieIter::new(&self.store, self.root.as_ref(), Some(start), false)
    }

    /// Iterates all entries in key order.
    pub fn iter(&self) -> TrieIter<'_, S> {
        self.iter_from(&[])
    }

    /// Iterates entries in reverse key order, starting at the last key `<= end`
    /// (at the last key of all when `end` is `None`). Uncommitted changes are included.
    pub fn iter_back_from(&self, end: Option<&[u8]>) -> TrieIter<'_, S> {
        if self.poisoned {
            return TrieIter::failed(&self.store, TrieError::Poisoned);
        }
        TrieIter::new(&self.store, self.root.as_ref(), end, true)
    }
}

/// Updates sorted by key with the last update of each key kept, their keys and
/// values copied in that order into one buffer so the build reads memory in order.
struct SortedOps {
    bytes: Vec<u8>,
    /// Key end, value end (0-length value: delete) per op.
    ends: Vec<(usize, usize)>,
}

impl SortedOps {
    fn new<K: AsRef<[u8]>, V: AsRef<[u8]>>(updates: &[(K, V)]) -> Self {
        // Sort by (first 8 key bytes, key, position): the inline prefix decides
        // almost every comparison without touching the keys.
        let keys: Vec<&[u8]> = updates.iter().map(|(k, _)| k.as_ref()).collect();
        let mut order: Vec<(u64, usize)> = keys
            .iter()
            .enumerate()
            .map(|(i, k)| {
                let mut p = [0u8; 8];
                let n = k.len().min(8);
                p[..n].copy_from_slice(&k[..n]);
                (u64::from_be_bytes(p), i)
            })
            .collect();
        let cmp = |a: &(u64, usize), b: &(u64, usize)| {
            a.0.cmp(&b.0)
                .then_with(|| keys[a.1].cmp(keys[b.1]))
                .then(a.1.cmp(&b.1))
        };
        if order.len() >= PAR_OPS && parallel() {
            order.par_sort_unstable_by(cmp);
        } else {
            order.sort_unstable_by(cmp);
        }
        let total: usize = updates
            .iter()
            .map(|(k, v)| k.as_ref().len() + v.as_ref().len())
            .sum();
        let mut bytes = Vec::with_capacity(total);
        let mut ends = Vec::with_capacity(order.len());
        for (n, &(_, i)) in order.iter().enumerate() {
            let (k, v) = (keys[i], updates[i].1.as_ref());
            // A later update of the same key replaces this one.
            if order.get(n + 1).is_some_and(|&(_, j)| keys[j] == k) {
                continue;
            }
            bytes.extend_from_slice(k);
            let key_end = bytes.len();
            bytes.extend_from_slice(v);
            ends.push((key_end, bytes.len()));
        }
        SortedOps { bytes, ends }
    }

    fn ops(&self) -> Vec<Op<'_>> {
        let mut start = 0;
        self.ends
            .iter()
            .map(|&(key_end, end)| {
                let op = Op {
                    key: &self.bytes[start..key_end],
                    value: (end > key_end).then(|| &self.bytes[key_end..end]),
                };
                start = end;
                op
            })
            .collect()
    }
}

/// Computes the root of the trie holding `entries` (later duplicates win;
/// empty values delete), without a store.
pub fn root_of<K: AsRef<[u8]>, V: AsRef<[u8]>>(entries: impl IntoIterator<Item = (K, V)>) -> H256 {
    let entries: Vec<(K, V)> = entries.into_iter().collect();
    let sorted = SortedOps::new(&entries);
    let ops = sorted.ops();
    let par_depth = if ops.len() >= PAR_OPS { 2 } else { 0 };
    build(&ops, 0).map_or(EMPTY_ROOT, |node| {
        hash_root(&mut Slot::dirty(node), par_depth).0
    })
}

/// Whether `key` continues with `path` at nibble `depth`.
#[inline]
fn has_path(key: &[u8], depth: usize, path: &[u8]) -> bool {
    depth + path.len() <= key_len(key)
        && path
            .iter()
            .enumerate()
            .all(|(i, n)| key_nibble(key, depth + i) == *n)
}

type Applied = Result<(Option<Slot>, bool), TrieError>;

/// Applies sorted unique `ops` (all sharing the slot's first `depth` nibbles)
/// to the node in `slot`; returns the new slot and whether anything changed.
fn apply_slot<S: NodeStore>(
    store: &S,
    slot: Option<Slot>,
    ops: &[Op<'_>],
    depth: usize,
) -> Applied {
    if ops.is_empty() {
        return Ok((slot, false));
    }
    let Some(mut slot) = slot else {
        let built = build(ops, depth);
        let changed = built.is_some();
        return Ok((built.map(Slot::dirty), changed));
    };
    match resolve(store, &mut slot)? {
        MemNode::Leaf(leaf) => {
            let [op] = ops else {
                return apply_leaf(slot, ops, depth);
            };
            if !leaf.holds(op.key, depth) {
                return apply_leaf(slot, ops, depth);
            }
            match op.value {
                None => Ok((None, true)),
                Some(v) if v == leaf.value() => Ok((Some(slot), false)),
                Some(v) => {
                    leaf.set_value(v);
                    slot.r = ChildRef::DIRTY;
                    Ok((Some(slot), true))
                }
            }
        }
        MemNode::Extension { path, .. } => {
            let path_len = path.len();
            let through = |op: &Op<'_>| has_path(op.key, depth, path);
            if !ops.iter().all(through) {
                // Deletes of keys that leave the path delete nothing.
                if ops.iter().all(|op| op.value.is_none() || through(op)) {
                    let kept: Vec<Op<'_>> = ops.iter().copied().filter(through).collect();
                    return apply_slot(store, Some(slot), &kept, depth);
                }
                return split_extension(store, slot, ops, depth);
            }
            let Some(MemNode::Extension { path, child }) = slot.node.take() else {
                unreachable!("matched above")
            };
            let (child, changed) = apply_slot(store, Some(*child), ops, depth + path_len)?;
            if !changed {
                let Some(child) = child else {
                    unreachable!("an unchanged child is still there")
                };
                slot.node = Some(MemNode::Extension {
                    path,
                    child: Box::new(child),
                });
                return Ok((Some(slot), false));
            }
            Ok((join_extension(store, path, child)?, true))
        }
        MemNode::Branch { .. } => apply_branch(store, slot, ops, depth),
    }
}

/// Turns an extension into a branch at this depth, then applies the ops to it.
fn split_extension<S: NodeStore>(
    store: &S,
    mut slot: Slot,
    ops: &[Op<'_>],
    depth: usize,
) -> Applied {
    let Some(MemNode::Extension { path, child }) = slot.node.take() else {
        unreachable!("called on extensions")
    };
    let mut array: [Option<Slot>; 16] = Default::default();
    array[usize::from(path[0])] = Some(if path.len() == 1 {
        *child
    } else {
        Slot::dirty(MemNode::Extension {
            path: path[1..].into(),
            child,
        })
    });
    let branch = Slot::dirty(MemNode::Branch {
        children: Children::from_array(array),
        value: None,
    });
    let (slot, _) = apply_branch(store, branch, ops, depth)?;
    Ok((slot, true))
}

/// Applies ops to a leaf by merging it into the ops and rebuilding the subtree.
fn apply_leaf(slot: Slot, ops: &[Op<'_>], depth: usize) -> Applied {
    let Some(MemNode::Leaf(leaf)) = slot.node.as_ref() else {
        unreachable!("called on leaves")
    };
    let mut nibbles: Vec<u8> = (0..depth).map(|i| key_nibble(ops[0].key, i)).collect();
    nibbles.extend_from_slice(&leaf.path().to_nibbles());
    let leaf_key = pack(&nibbles).ok_or(TrieError::OddKey)?;
    let pos = ops.partition_point(|op| op.key < &leaf_key[..]);
    let touched = ops.get(pos).is_some_and(|op| op.key == &leaf_key[..]);
    if !touched && ops.iter().all(|op| op.value.is_none()) {
        return Ok((Some(slot), false));
    }
    let mut merged: Vec<Op<'_>> = Vec::with_capacity(ops.len() + 1);
    merged.extend_from_slice(&ops[..pos]);
    if !touched {
        merged.push(Op {
            key: &leaf_key,
            value: Some(leaf.value()),
        });
    }
    merged.extend_from_slice(&ops[pos..]);
    Ok((build(&merged, depth).map(Slot::dirty), true))
}

/// Applies ops to a branch, then restores the canonical shape.
fn apply_branch<S: NodeStore>(store: &S, mut slot: Slot, ops: &[Op<'_>], depth: usize) -> Applied {
    let Some(MemNode::Branch { children, value }) = slot.node.as_mut() else {
        unreachable!("called on branches")
    };
    let mut changed = false;
    let mut rest = ops;
    if key_len(ops[0].key) == depth {
        let new = ops[0].value;
        if value.as_deref() != new {
            *value = new.map(Into::into);
            changed = true;
        }
        rest = &ops[1..];
    }
    if rest.len() >= PAR_OPS && parallel() {
        let bounds = nibble_bounds(rest, depth);
        let mut array = children.take_array();
        let results: Vec<Result<bool, TrieError>> = array
            .par_iter_mut()
            .enumerate()
            .map(|(i, cell)| {
                let part = &rest[bounds[i]..bounds[i + 1]];
                if part.is_empty() {
                    return Ok(false);
                }
                let (new, ch) = apply_slot(store, cell.take(), part, depth + 1)?;
                *cell = new;
                Ok(ch)
            })
            .collect();
        children.put_array(array);
        for r in results {
            changed |= r?;
        }
    } else {
        let mut start = 0;
        while start < rest.len() {
            let nibble = key_nibble(rest[start].key, depth);
            let len = rest[start..]
                .iter()
                .position(|op| key_nibble(op.key, depth) != nibble)
                .unwrap_or(rest.len() - start);
            let part = &rest[start..start + len];
            changed |= children.update(nibble, |cur| apply_slot(store, cur, part, depth + 1))?;
            start += len;
        }
    }
    if !changed {
        return Ok((Some(slot), false));
    }
    slot.r = ChildRef::DIRTY;
    Ok((normalize_branch(store, slot)?, true))
}

/// Start offsets of each nibble's run in `ops` (sorted, all longer than `depth`).
fn nibble_bounds(ops: &[Op<'_>], depth: usize) -> [usize; 17] {
    let mut bounds = [0usize; 17];
    if ops.len() <= 32 {
        // Few ops: one linear pass counts each nibble's run.
        for op in ops {
            bounds[usize::from(key_nibble(op.key, depth)) + 1] += 1;
        }
        for i in 1..17 {
            bounds[i] += bounds[i - 1];
        }
        return bounds;
    }
    let mut start = 0;
    for (n, b) in bounds.iter_mut().enumerate().skip(1) {
        start += ops[start..].partition_point(|op| usize::from(key_nibble(op.key, depth)) < n);
        *b = start;
    }
    bounds
}

/// Collapses a changed branch left with fewer than two entries.
fn normalize_branch<S: NodeStore>(store: &S, mut slot: Slot) -> Result<Option<Slot>, TrieError> {
    let Some(MemNode::Branch { children, value }) = slot.node.as_mut() else {
        unreachable!("called on branches")
    };
    match (children.len(), value.take()) {
        (0, None) => Ok(None),
        (0, Some(v)) => Ok(Some(Slot::dirty(MemNode::Leaf(Leaf::from_nibbles(
            &[],
            &v,
        ))))),
        (1, None) => {
            let Some(i) = children.first() else {
                unreachable!("one child")
            };
            let child = children.remove(i);
            join_extension(store, Box::new([i]), child)
        }
        (_, v) => {
            *value = v;
            Ok(Some(slot))
        }
    }
}

/// The node for `path` followed by `child`, merging paths so the shape stays canonical.
fn join_extension<S: NodeStore>(
    store: &S,
    path: Box<[u8]>,
    child: Option<Slot>,
) -> Result<Option<Slot>, TrieError> {
    let Some(mut child) = child else {
        return Ok(None);
    };
    resolve(store, &mut child)?;
    let concat = |rest: &[u8]| -> Box<[u8]> { path.iter().chain(rest).copied().collect() };
    let joined = match child.node.take() {
        Some(MemNode::Leaf(leaf)) => MemNode::Leaf(Leaf::from_nibbles(
            &concat(&leaf.path().to_nibbles()),
            leaf.value(),
        )),
        Some(MemNode::Extension { path: p, child }) => MemNode::Extension {
            path: concat(&p),
            child,
        },
        Some(branch @ MemNode::Branch { .. }) => {
            child.node = Some(branch);
            MemNode::Extension {
                path,
                child: Box::new(child),
            }
        }
        None => unreachable!("resolved above"),
    };
    Ok(Some(Slot::dirty(joined)))
}

/// Builds a fresh subtree at `depth` from sorted unique ops, ignoring deletes.
pub(crate) fn build(ops: &[Op<'_>], depth: usize) -> Option<MemNode> {
    if ops.iter().any(|op| op.value.is_none()) {
        let inserts: Vec<Op<'_>> = ops
            .iter()
            .copied()
            .filter(|op| op.value.is_some())
            .collect();
        build_inserts(&inserts, depth)
    } else {
        build_inserts(ops, depth)
    }
}

fn build_inserts(ops: &[Op<'_>], depth: usize) -> Option<MemNode> {
    let (first, last) = match ops {
        [] => return None,
        [op] => {
            return Some(MemNode::Leaf(Leaf::from_key(
                op.key,
                depth,
                op.value.unwrap_or_default(),
            )));
        }
        [first, .., last] => (first.key, last.key),
    };
    let max = key_len(first).min(key_len(last));
    let mut lcp = depth;
    while lcp < max && key_nibble(first, lcp) == key_nibble(last, lcp) {
        lcp += 1;
    }
    if lcp > depth {
        let Some(child) = build_inserts(ops, lcp) else {
            unreachable!("two or more entries build a node")
        };
        return Some(MemNode::Extension {
            path: key_nibbles(first, depth, lcp),
            child: Box::new(Slot::dirty(child)),
        });
    }
    let (value, rest) = if key_len(first) == depth {
        (ops[0].value.map(Into::into), &ops[1..])
    } else {
        (None, ops)
    };
    let bounds = nibble_bounds(rest, depth);
    let mut array: [Option<Slot>; 16] = Default::default();
    let part = |i: usize| &rest[bounds[i]..bounds[i + 1]];
    if rest.len() >= PAR_OPS && parallel() {
        array
            .par_iter_mut()
            .enumerate()
            .for_each(|(i, cell)| *cell = build_inserts(part(i), depth + 1).map(Slot::dirty));
    } else {
        for (i, cell) in array.iter_mut().enumerate() {
            *cell = build_inserts(part(i), depth + 1).map(Slot::dirty);
        }
    }
    Some(MemNode::Branch {
        children: Children::from_array(array),
        value,
    })
}

/// The reference of the subtree built at `depth` from sorted unique inserts.
pub(crate) fn subtree_ref(ops: &[Op<'_>], depth: usize) -> ChildRef {
    match build_inserts(ops, depth) {
        None => ChildRef::EMPTY,
        Some(node) => hash_slot(&mut Slot::dirty(node), &mut NodeSet::new(), 0),
    }
}
