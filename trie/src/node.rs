//! Decoded nodes held in memory by a [`crate::TrieMut`], loading and hashing.
//!
//! A parent holds each child in a [`Slot`]: the child's node (when loaded) and
//! its reference as of the last hashing. Re-encoding a parent therefore reads
//! only its own slots, never the clean children behind them.

use rayon::prelude::*;

use crate::codec::{
    ChildRef, ChildView, NodeView, decode_node, encode_branch, encode_extension, encode_leaf_hp,
};
use crate::leaf::Leaf;
use crate::{DecodeError, H256, NodeSet, NodeStore, TrieError, hash};

/// A node in memory.
#[derive(Clone, Debug)]
pub(crate) enum MemNode {
    /// Remaining key and value.
    Leaf(Leaf),
    /// Shared nibbles and the child below them.
    Extension { path: Box<[u8]>, child: Box<Slot> },
    /// Children by nibble and the value of the key ending here.
    Branch {
        children: Children,
        value: Option<Box<[u8]>>,
    },
}

/// A child as its parent holds it, the child's node inline (so descending a
/// level reads one allocation, the parent's children, not two).
///
/// Invariants: a slot without a node is stored (its reference is a hash); a
/// dirty slot (changed since the last hashing) has its node.
#[derive(Clone, Debug)]
pub(crate) struct Slot {
    /// The node, unless not loaded yet.
    pub(crate) node: Option<MemNode>,
    /// The reference as of the last hashing; [`ChildRef::DIRTY`] if changed since.
    pub(crate) r: ChildRef,
}

impl Slot {
    /// A changed node.
    pub(crate) fn dirty(node: MemNode) -> Self {
        Slot {
            node: Some(node),
            r: ChildRef::DIRTY,
        }
    }

    /// A node known by hash only.
    pub(crate) fn stored(h: &H256) -> Self {
        Slot {
            node: None,
            r: ChildRef::hash(h),
        }
    }

    /// Whether the node changed since it was last hashed.
    pub(crate) fn is_dirty(&self) -> bool {
        self.r == ChildRef::DIRTY
    }
}

/// The children of a branch: a bitmap of the nibbles in use and their slots,
/// in nibble order.
#[derive(Clone, Debug, Default)]
pub(crate) struct Children {
    mask: u16,
    slots: Vec<Slot>,
}

impl Children {
    #[inline]
    fn pos(&self, i: u8) -> usize {
        (self.mask & ((1u16 << i) - 1)).count_ones() as usize
    }

    #[inline]
    fn has(&self, i: u8) -> bool {
        self.mask & (1 << i) != 0
    }

    /// The child at nibble `i`.
    #[inline]
    pub(crate) fn get(&self, i: u8) -> Option<&Slot> {
        self.has(i).then(|| &self.slots[self.pos(i)])
    }

    /// The child at nibble `i`, mutably.
    #[inline]
    pub(crate) fn get_mut(&mut self, i: u8) -> Option<&mut Slot> {
        if self.has(i) {
            let p = self.pos(i);
            Some(&mut self.slots[p])
        } else {
            None
        }
    }

    /// Removes the child at nibble `i`.
    pub(crate) fn remove(&mut self, i: u8) -> Option<Slot> {
        if !self.has(i) {
            return None;
        }
        let p = self.pos(i);
        self.mask &= !(1 << i);
        Some(self.slots.remove(p))
    }

    /// Replaces the child at nibble `i` by `f(child)`, in place. If `f` fails
    /// the slot is left empty-handed: callers poison the trie on any error.
    pub(crate) fn update<E>(
        &mut self,
        i: u8,
        f: impl FnOnce(Option<Slot>) -> Result<(Option<Slot>, bool), E>,
    ) -> Result<bool, E> {
        let p = self.pos(i);
        if self.has(i) {
            let hole = Slot {
                node: None,
                r: ChildRef::EMPTY,
            };
            let old = std::mem::replace(&mut self.slots[p], hole);
            match f(Some(old))? {
                (Some(new), changed) => {
                    self.slots[p] = new;
                    Ok(changed)
                }
                (None, changed) => {
                    self.slots.remove(p);
                    self.mask &= !(1 << i);
                    Ok(changed)
                }
            }
        } else {
            let (new, changed) = f(None)?;
            if let Some(new) = new {
                self.slots.insert(p, new);
                self.mask |= 1 << i;
            }
            Ok(changed)
        }
    }

    /// Number of children.
    pub(crate) fn len(&self) -> usize {
        self.slots.len()
    }

    /// The lowest nibble in use.
    pub(crate) fn first(&self) -> Option<u8> {
        (self.mask != 0).then(|| self.mask.trailing_zeros() as u8)
    }

    /// The lowest nibble in use that is `>= from`.
    pub(crate) fn next_from(&self, from: u8) -> Option<u8> {
        if from >= 16 {
            return None;
        }
        let m = self.mask & !((1u16 << from) - 1);
        (m != 0).then(|| m.trailing_zeros() as u8)
    }

    /// The children as an array by nibble, leaving this empty (its buffer kept).
    pub(crate) fn take_array(&mut self) -> [Option<Slot>; 16] {
        let mut out: [Option<Slot>; 16] = Default::default();
        let mut mask = self.mask;
        for slot in self.slots.drain(..) {
            let i = mask.trailing_zeros() as usize;
            mask &= mask - 1;
            out[i] = Some(slot);
        }
        self.mask = 0;
        out
    }

    /// Refills from an array by nibble.
    pub(crate) fn put_array(&mut self, array: [Option<Slot>; 16]) {
        self.slots.clear();
        self.mask = 0;
        for (i, slot) in array.into_iter().enumerate() {
            if let Some(slot) = slot {
                self.mask |= 1 << i;
                self.slots.push(slot);
            }
        }
    }

    /// The highest nibble in use that is `<= from`.
    pub(crate) fn prev_from(&self, from: u8) -> Option<u8> {
        let m = if from >= 15 {
            self.mask
        } else {
            self.mask & ((1u16 << (from + 1)) - 1)
        };
        (m != 0).then(|| 15 - m.leading_zeros() as u8)
    }

    /// Adds a child at nibble `i`, which must be above every nibble in use.
    pub(crate) fn push(&mut self, i: u8, slot: Slot) {
        debug_assert!(self.mask >> i == 0, "children pushed in nibble order");
        self.mask |= 1 << i;
        self.slots.push(slot);
    }

    /// Builds from an array by nibble.
    pub(crate) fn from_array(array: [Option<Slot>; 16]) -> Self {
        let mut c = Children {
            mask: 0,
            slots: Vec::with_capacity(array.iter().filter(|s| s.is_some()).count()),
        };
        c.put_array(array);
        c
    }

    /// Mutable slots with their nibbles, in nibble order.
    fn iter_mut(&mut self) -> impl Iterator<Item = (u8, &mut Slot)> {
        let mut mask = self.mask;
        self.slots.iter_mut().map(move |s| {
            let i = mask.trailing_zeros() as u8;
            mask &= mask - 1;
            (i, s)
        })
    }
}

impl MemNode {
    /// Builds an in-memory node from a decoded one.
    pub(crate) fn from_view(view: &NodeView<'_>) -> Result<Self, DecodeError> {
        Ok(match view {
            NodeView::Leaf { path, value } => {
                MemNode::Leaf(Leaf::from_hex_prefix(path.as_bytes(), value))
            }
            NodeView::Extension { path, child } => MemNode::Extension {
                path: path.to_nibbles(),
                child: Box::new(Self::slot_of(child)?.ok_or(DecodeError::BadChild)?),
            },
            NodeView::Branch { children, value } => {
                let mut array: [Option<Slot>; 16] = Default::default();
                for (slot, c) in array.iter_mut().zip(children) {
                    *slot = Self::slot_of(c)?;
                }
                MemNode::Branch {
                    children: Children::from_array(array),
                    value: value.map(Into::into),
                }
            }
        })
    }

    fn slot_of(child: &ChildView<'_>) -> Result<Option<Slot>, DecodeError> {
        Ok(match child {
            ChildView::Empty => None,
            ChildView::Hash(h) => Some(Slot::stored(&H256(*h))),
            ChildView::Inline(raw) => Some(Slot {
                node: Some(Self::from_view(&decode_node(raw)?)?),
                r: ChildRef::of_encoding(raw),
            }),
        })
    }
}

/// Reads, checks and decodes the node stored under `h`; also returns its
/// reference (inline if its encoding is under 32 bytes).
pub(crate) fn load<S: NodeStore + ?Sized>(
    store: &S,
    h: &H256,
) -> Result<(MemNode, ChildRef), TrieError> {
    let (bytes, checked) = store.node_checked(h)?.ok_or(TrieError::MissingNode(*h))?;
    if !checked && hash(&bytes) != *h {
        return Err(TrieError::HashMismatch(*h));
    }
    let corrupt = |source| TrieError::CorruptNode { hash: *h, source };
    let node = MemNode::from_view(&decode_node(&bytes).map_err(corrupt)?).map_err(corrupt)?;
    let r = if bytes.len() < 32 {
        ChildRef::of_encoding(&bytes)
    } else {
        ChildRef::hash(h)
    };
    Ok((node, r))
}

/// Loads the slot's node if needed and returns it.
#[inline]
pub(crate) fn resolve<'s, S: NodeStore + ?Sized>(
    store: &S,
    slot: &'s mut Slot,
) -> Result<&'s mut MemNode, TrieError> {
    if slot.node.is_none() {
        let Some(h) = slot.r.as_hash() else {
            unreachable!("a slot without its node is stored by hash")
        };
        slot.node = Some(load(store, &h)?.0);
    }
    match slot.node.as_mut() {
        Some(node) => Ok(node),
        None => unreachable!("loaded above"),
    }
}

/// Encodes every dirty node in and below `slot` into `out` (children before
/// parents, only nodes referenced by hash) and returns the slot's reference.
/// Clean slots are returned as they are. `par_depth` levels fan out over threads.
pub(crate) fn hash_slot(slot: &mut Slot, out: &mut NodeSet, par_depth: u8) -> ChildRef {
    if !slot.is_dirty() {
        return slot.r;
    }
    let Some(node) = slot.node.as_mut() else {
        unreachable!("a dirty slot holds its node")
    };
    let r = match node {
        MemNode::Leaf(leaf) => seal(out, |buf| {
            encode_leaf_hp(leaf.hex_prefix(), leaf.value(), buf)
        }),
        MemNode::Extension { path, child } => {
            let c = hash_slot(child, out, par_depth);
            seal(out, |buf| encode_extension(path, &c, buf))
        }
        MemNode::Branch { children, value } => {
            let mut refs = [ChildRef::EMPTY; 16];
            if par_depth > 0 && children.len() > 1 {
                let parts: Vec<(u8, ChildRef, NodeSet)> = children
                    .iter_mut()
                    .collect::<Vec<_>>()
                    .into_par_iter()
                    .map(|(i, s)| {
                        let mut sub = NodeSet::new();
                        let r = hash_slot(s, &mut sub, par_depth - 1);
                        (i, r, sub)
                    })
                    .collect();
                for (i, r, sub) in parts {
                    refs[usize::from(i)] = r;
                    out.append(sub);
                }
            } else {
                for (i, s) in children.iter_mut() {
                    refs[usize::from(i)] = hash_slot(s, out, 0);
                }
            }
            seal(out, |buf| encode_branch(&refs, value.as_deref(), buf))
        }
    };
    slot.r = r;
    r
}

/// Encodes a node at the end of `out`; keeps it if referenced by hash.
#[inline]
fn seal(out: &mut NodeSet, encode: impl FnOnce(&mut Vec<u8>)) -> ChildRef {
    let buf = out.buffer();
    let mark = buf.len();
    encode(buf);
    let enc = &buf[mark..];
    if enc.len() < 32 {
        let r = ChildRef::of_encoding(enc);
        out.discard(mark);
        r
    } else {
        let h = hash(enc);
        out.seal(h);
        ChildRef::hash(&h)
    }
}

/// Hashes a root: the root is always stored by hash, even when small.
pub(crate) fn hash_root(slot: &mut Slot, par_depth: u8) -> (H256, NodeSet) {
    let mut nodes = NodeSet::new();
    let r = hash_slot(slot, &mut nodes, par_depth);
    let root = match r.as_hash() {
        Some(h) => h,
        None => {
            let h = hash(r.as_bytes());
            nodes.push(h, r.as_bytes());
            h
        }
    };
    (root, nodes)
}
