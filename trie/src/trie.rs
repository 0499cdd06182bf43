//! The mutable trie: reads, batched updates and commit.

use crate::batch::{Op, SortedOps};
use crate::nibbles::{has_path, key_len, key_nibble};
use crate::node::{MemNode, Slot, hash_root, load, resolve};
use crate::par::par_depth;
use crate::sorted::sorted_root;
use crate::update::apply_slot;
use crate::{EMPTY_ROOT, H256, NodeSet, NodeStore, TrieError, TrieIter};

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

    /// How many nodes a look-up of `key` passes through (the leaf or branch
    /// holding it included, inlined nodes counted like the others), whether
    /// or not `key` is present: a measure of the work that depends only on
    /// the keys the trie holds, never on what is cached (gas prices it).
    pub fn path_nodes(&mut self, key: &[u8]) -> Result<u32, TrieError> {
        self.usable()?;
        let Some(mut slot) = self.root.as_mut() else {
            return Ok(0);
        };
        let klen = key_len(key);
        let mut depth = 0;
        let mut nodes = 0;
        loop {
            nodes += 1;
            match resolve(&self.store, slot)? {
                MemNode::Leaf(_) => return Ok(nodes),
                MemNode::Extension { path, child } => {
                    if !has_path(key, depth, path) {
                        return Ok(nodes);
                    }
                    depth += path.len();
                    slot = child;
                }
                MemNode::Branch { children, .. } => {
                    if depth == klen {
                        return Ok(nodes);
                    }
                    match children.get_mut(key_nibble(key, depth)) {
                        Some(child) => slot = child,
                        None => return Ok(nodes),
                    }
                    depth += 1;
                }
            }
        }
    }

    /// Sets `key` to `value`; an empty value deletes the key. Keys longer than
    /// [`crate::MAX_KEY_LEN`] are refused and change nothing.
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
        check_keys(ops)?;
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

/// Refuses keys longer than [`crate::MAX_KEY_LEN`].
fn check_keys(ops: &[Op<'_>]) -> Result<(), TrieError> {
    match ops.iter().find(|op| op.key.len() > crate::MAX_KEY_LEN) {
        Some(op) => Err(TrieError::KeyTooLong(op.key.len())),
        None => Ok(()),
    }
}

/// Computes the root of the trie holding `entries` (later duplicates win;
/// empty values delete), without a store.
pub fn root_of<K: AsRef<[u8]>, V: AsRef<[u8]>>(
    entries: impl IntoIterator<Item = (K, V)>,
) -> Result<H256, TrieError> {
    let entries: Vec<(K, V)> = entries.into_iter().collect();
    let sorted = SortedOps::new(&entries);
    let ops = sorted.ops();
    check_keys(&ops)?;
    if ops.iter().any(|op| op.value.is_none()) {
        let inserts: Vec<&Op<'_>> = ops.iter().filter(|op| op.value.is_some()).collect();
        Ok(sorted_root(&inserts))
    } else {
        Ok(sorted_root(&ops))
    }
}
