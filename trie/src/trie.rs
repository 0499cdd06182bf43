//! The mutable trie: reads, batched updates and commit.

use rayon::prelude::*;

use crate::codec::ChildRef;
use crate::nibbles::{key_len, key_nibble, key_nibbles, pack};
use crate::node::{Children, Kind, MemNode, NewNodes, hash_node, load, resolve};
use crate::{EMPTY_ROOT, H256, NodeStore, TrieError, TrieIter, hash};

/// Batches at least this large are split across threads, and their commit
/// hashes the top of the trie in parallel.
const PAR_OPS: usize = 2048;

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
    /// The nodes created since the previous commit, children before parents,
    /// as (keccak256, encoding). The root node is always included (even when its
    /// encoding is under 32 bytes); nodes embedded in their parent are not.
    /// Two identical new subtrees yield the same entry twice; writes are idempotent.
    pub nodes: Vec<(H256, Vec<u8>)>,
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
    root: Option<Box<MemNode>>,
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
            trie.root = Some(Box::new(load(&trie.store, &root)?));
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
        let Some(mut cur) = self.root.as_deref_mut() else {
            return Ok(None);
        };
        let klen = key_len(key);
        let mut depth = 0;
        loop {
            resolve(&self.store, cur)?;
            match &mut cur.kind {
                Kind::Leaf { path, value } => {
                    let hit = depth + path.len() == klen && has_path(key, depth, path);
                    return Ok(hit.then(|| value.to_vec()));
                }
                Kind::Extension { path, child } => {
                    if !has_path(key, depth, path) {
                        return Ok(None);
                    }
                    depth += path.len();
                    cur = child;
                }
                Kind::Branch { children, value } => {
                    if depth == klen {
                        return Ok(value.as_deref().map(<[u8]>::to_vec));
                    }
                    match &mut children[usize::from(key_nibble(key, depth))] {
                        Some(child) => cur = child,
                        None => return Ok(None),
                    }
                    depth += 1;
                }
                Kind::Stored(_) => unreachable!("resolved above"),
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
        let ops = sorted_ops(&updates);
        self.apply_ops(&ops)
    }

    /// Applies sorted, unique ops.
    fn apply_ops(&mut self, ops: &[Op<'_>]) -> Result<(), TrieError> {
        self.usable()?;
        if ops.is_empty() {
            return Ok(());
        }
        match apply_node(&self.store, self.root.take(), ops, 0) {
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
                nodes: Vec::new(),
            });
        }
        let par_depth = if self.pending >= PAR_OPS { 2 } else { 0 };
        let (root, nodes) = match self.root.as_deref_mut() {
            None => (EMPTY_ROOT, Vec::new()),
            Some(node) => hash_root(node, par_depth),
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
        TrieIter::new(&self.store, self.root.as_deref(), start)
    }

    /// Iterates all entries in key order.
    pub fn iter(&self) -> TrieIter<'_, S> {
        self.iter_from(&[])
    }
}

/// Turns updates into sorted ops, keeping the last update of each key.
fn sorted_ops<K: AsRef<[u8]>, V: AsRef<[u8]>>(updates: &[(K, V)]) -> Vec<Op<'_>> {
    let mut ops: Vec<(Op<'_>, usize)> = updates
        .iter()
        .enumerate()
        .map(|(i, (k, v))| {
            let v = v.as_ref();
            let op = Op {
                key: k.as_ref(),
                value: (!v.is_empty()).then_some(v),
            };
            (op, i)
        })
        .collect();
    let order = |a: &(Op<'_>, usize), b: &(Op<'_>, usize)| a.0.key.cmp(b.0.key).then(a.1.cmp(&b.1));
    if ops.len() >= PAR_OPS {
        ops.par_sort_unstable_by(order);
    } else {
        ops.sort_unstable_by(order);
    }
    let mut last: Vec<Op<'_>> = Vec::with_capacity(ops.len());
    for (op, _) in ops {
        match last.last_mut() {
            Some(prev) if prev.key == op.key => *prev = op,
            _ => last.push(op),
        }
    }
    last
}

/// Computes the root of the trie holding `entries` (later duplicates win;
/// empty values delete), without a store.
pub fn root_of<K: AsRef<[u8]>, V: AsRef<[u8]>>(entries: impl IntoIterator<Item = (K, V)>) -> H256 {
    let entries: Vec<(K, V)> = entries.into_iter().collect();
    let ops = sorted_ops(&entries);
    let par_depth = if ops.len() >= PAR_OPS { 2 } else { 0 };
    build(&ops, 0).map_or(EMPTY_ROOT, |mut node| hash_root(&mut node, par_depth).0)
}

/// Hashes a root node: the root is always stored by hash.
pub(crate) fn hash_root(node: &mut MemNode, par_depth: u8) -> (H256, NewNodes) {
    let mut nodes = Vec::new();
    let r = hash_node(node, &mut nodes, par_depth);
    let root = match r.as_hash() {
        Some(h) => h,
        None => {
            let enc = r.as_bytes().to_vec();
            let h = hash(&enc);
            nodes.push((h, enc));
            h
        }
    };
    (root, nodes)
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

/// Applies sorted unique `ops` (all sharing the node's first `depth` nibbles)
/// to `node`; returns the new node and whether anything changed.
fn apply_node<S: NodeStore>(
    store: &S,
    node: Option<Box<MemNode>>,
    ops: &[Op<'_>],
    depth: usize,
) -> Result<(Option<Box<MemNode>>, bool), TrieError> {
    if ops.is_empty() {
        return Ok((node, false));
    }
    let Some(mut node) = node else {
        let built = build(ops, depth);
        let changed = built.is_some();
        return Ok((built, changed));
    };
    resolve(store, &mut node)?;
    match &mut node.kind {
        Kind::Leaf { path, value } => {
            let [op] = ops else {
                return apply_leaf(node, ops, depth);
            };
            if depth + path.len() != key_len(op.key) || !has_path(op.key, depth, path) {
                return apply_leaf(node, ops, depth);
            }
            match op.value {
                None => Ok((None, true)),
                Some(v) if v == &**value => Ok((Some(node), false)),
                Some(v) => {
                    *value = v.into();
                    node.cached = None;
                    Ok((Some(node), true))
                }
            }
        }
        Kind::Extension { path, .. } => {
            let path_len = path.len();
            let through = |op: &Op<'_>| has_path(op.key, depth, path);
            if ops.iter().all(through) {
                let Kind::Extension { path, child } = node.kind else {
                    unreachable!("matched above")
                };
                let (child, changed) = apply_node(store, Some(child), ops, depth + path_len)?;
                if !changed {
                    let child = child.expect("an unchanged child is still there");
                    node.kind = Kind::Extension { path, child };
                    return Ok((Some(node), false));
                }
                return Ok((join_extension(store, path, child)?, true));
            }
            // Deletes of keys that leave the path delete nothing.
            if ops.iter().all(|op| op.value.is_none() || through(op)) {
                let kept: Vec<Op<'_>> = ops.iter().copied().filter(through).collect();
                return apply_node(store, Some(node), &kept, depth);
            }
            // Otherwise split the extension into a branch at this depth.
            let Kind::Extension { path, child } = node.kind else {
                unreachable!("matched above")
            };
            let mut children: Children = Box::default();
            children[usize::from(path[0])] = Some(if path.len() == 1 {
                child
            } else {
                MemNode::dirty(Kind::Extension {
                    path: path[1..].into(),
                    child,
                })
            });
            let branch = MemNode::dirty(Kind::Branch {
                children,
                value: None,
            });
            let (node, _) = apply_branch(store, branch, ops, depth)?;
            Ok((node, true))
        }
        Kind::Branch { .. } => apply_branch(store, node, ops, depth),
        Kind::Stored(_) => unreachable!("resolved above"),
    }
}

/// Applies ops to a leaf by merging it into the ops and rebuilding the subtree.
fn apply_leaf(
    node: Box<MemNode>,
    ops: &[Op<'_>],
    depth: usize,
) -> Result<(Option<Box<MemNode>>, bool), TrieError> {
    let Kind::Leaf { path, value } = &node.kind else {
        unreachable!("called on leaves")
    };
    let mut nibbles: Vec<u8> = (0..depth).map(|i| key_nibble(ops[0].key, i)).collect();
    nibbles.extend_from_slice(path);
    let leaf_key = pack(&nibbles).ok_or(TrieError::OddKey)?;
    let pos = ops.partition_point(|op| op.key < &leaf_key[..]);
    let touched = ops.get(pos).is_some_and(|op| op.key == &leaf_key[..]);
    if !touched && ops.iter().all(|op| op.value.is_none()) {
        return Ok((Some(node), false));
    }
    let mut merged: Vec<Op<'_>> = Vec::with_capacity(ops.len() + 1);
    merged.extend_from_slice(&ops[..pos]);
    if !touched {
        merged.push(Op {
            key: &leaf_key,
            value: Some(value),
        });
    }
    merged.extend_from_slice(&ops[pos..]);
    Ok((build(&merged, depth), true))
}

/// Applies ops to a branch node, then restores the canonical shape.
fn apply_branch<S: NodeStore>(
    store: &S,
    mut node: Box<MemNode>,
    ops: &[Op<'_>],
    depth: usize,
) -> Result<(Option<Box<MemNode>>, bool), TrieError> {
    let Kind::Branch { children, value } = &mut node.kind else {
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
    let bounds = nibble_bounds(rest, depth);
    if rest.len() >= PAR_OPS {
        let results: Vec<Result<bool, TrieError>> = children
            .par_iter_mut()
            .enumerate()
            .map(|(i, slot)| {
                let part = &rest[bounds[i]..bounds[i + 1]];
                let (new, ch) = apply_node(store, slot.take(), part, depth + 1)?;
                *slot = new;
                Ok(ch)
            })
            .collect();
        for r in results {
            changed |= r?;
        }
    } else {
        for (i, slot) in children.iter_mut().enumerate() {
            let part = &rest[bounds[i]..bounds[i + 1]];
            if !part.is_empty() {
                let (new, ch) = apply_node(store, slot.take(), part, depth + 1)?;
                *slot = new;
                changed |= ch;
            }
        }
    }
    if !changed {
        return Ok((Some(node), false));
    }
    node.cached = None;
    Ok((normalize_branch(store, node)?, true))
}

/// Start offsets of each nibble's run in `ops` (sorted, all longer than `depth`).
fn nibble_bounds(ops: &[Op<'_>], depth: usize) -> [usize; 17] {
    let mut bounds = [0usize; 17];
    let mut start = 0;
    for (n, b) in bounds.iter_mut().enumerate().skip(1) {
        start += ops[start..].partition_point(|op| usize::from(key_nibble(op.key, depth)) < n);
        *b = start;
    }
    bounds[16] = ops.len();
    bounds
}

/// Collapses a changed branch left with fewer than two entries.
fn normalize_branch<S: NodeStore>(
    store: &S,
    mut node: Box<MemNode>,
) -> Result<Option<Box<MemNode>>, TrieError> {
    let Kind::Branch { children, value } = &mut node.kind else {
        unreachable!("called on branches")
    };
    let mut used = children.iter().enumerate().filter(|(_, c)| c.is_some());
    let first = used.next().map(|(i, _)| i);
    let more = used.next().is_some();
    match (first, more, value.take()) {
        (None, _, None) => Ok(None),
        (None, _, Some(v)) => Ok(Some(MemNode::leaf(Box::default(), v))),
        (Some(i), false, None) => {
            let child = children[i].take().expect("counted above");
            join_extension(store, Box::new([i as u8]), Some(child))
        }
        (_, _, v) => {
            *value = v;
            Ok(Some(node))
        }
    }
}

/// The node for `path` followed by `child`, merging paths so the shape stays canonical.
fn join_extension<S: NodeStore>(
    store: &S,
    path: Box<[u8]>,
    child: Option<Box<MemNode>>,
) -> Result<Option<Box<MemNode>>, TrieError> {
    let Some(mut child) = child else {
        return Ok(None);
    };
    resolve(store, &mut child)?;
    let concat = |rest: &[u8]| -> Box<[u8]> { path.iter().chain(rest).copied().collect() };
    Ok(Some(match child.kind {
        Kind::Leaf { path: p, value } => MemNode::leaf(concat(&p), value),
        Kind::Extension { path: p, child } => MemNode::dirty(Kind::Extension {
            path: concat(&p),
            child,
        }),
        Kind::Branch { .. } => MemNode::dirty(Kind::Extension { path, child }),
        Kind::Stored(_) => unreachable!("resolved above"),
    }))
}

/// Builds a fresh subtree at `depth` from sorted unique ops, ignoring deletes.
pub(crate) fn build(ops: &[Op<'_>], depth: usize) -> Option<Box<MemNode>> {
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

fn build_inserts(ops: &[Op<'_>], depth: usize) -> Option<Box<MemNode>> {
    let (first, last) = match ops {
        [] => return None,
        [op] => {
            let value = op.value.unwrap_or_default();
            return Some(MemNode::leaf(
                key_nibbles(op.key, depth, key_len(op.key)),
                value.into(),
            ));
        }
        [first, .., last] => (first.key, last.key),
    };
    let max = key_len(first).min(key_len(last));
    let mut lcp = depth;
    while lcp < max && key_nibble(first, lcp) == key_nibble(last, lcp) {
        lcp += 1;
    }
    if lcp > depth {
        let child = build_inserts(ops, lcp).expect("two or more entries build a node");
        return Some(MemNode::dirty(Kind::Extension {
            path: key_nibbles(first, depth, lcp),
            child,
        }));
    }
    let (value, rest) = if key_len(first) == depth {
        (ops[0].value.map(Into::into), &ops[1..])
    } else {
        (None, ops)
    };
    let bounds = nibble_bounds(rest, depth);
    let mut children: Children = Box::default();
    let part = |i: usize| &rest[bounds[i]..bounds[i + 1]];
    if rest.len() >= PAR_OPS {
        children
            .par_iter_mut()
            .enumerate()
            .for_each(|(i, slot)| *slot = build_inserts(part(i), depth + 1));
    } else {
        for (i, slot) in children.iter_mut().enumerate() {
            *slot = build_inserts(part(i), depth + 1);
        }
    }
    Some(MemNode::dirty(Kind::Branch { children, value }))
}

/// The reference of the subtree built at `depth` from sorted unique inserts.
pub(crate) fn subtree_ref(ops: &[Op<'_>], depth: usize) -> ChildRef {
    match build_inserts(ops, depth) {
        None => ChildRef::EMPTY,
        Some(mut node) => hash_node(&mut node, &mut Vec::new(), 0),
    }
}
