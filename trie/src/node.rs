//! Decoded nodes held in memory by a [`crate::TrieMut`], loading and hashing.

use crate::codec::{
    ChildRef, ChildView, NodeView, decode_node, encode_branch, encode_extension, encode_leaf,
};
use crate::{H256, NodeStore, TrieError, hash};
use rayon::prelude::*;

/// Children of a branch, by nibble.
pub(crate) type Children = Box<[Option<Box<MemNode>>; 16]>;

/// The shape of a node held in memory.
#[derive(Clone, Debug)]
pub(crate) enum Kind {
    /// Remaining key nibbles and the value.
    Leaf { path: Box<[u8]>, value: Box<[u8]> },
    /// Shared nibbles and the child below them.
    Extension {
        path: Box<[u8]>,
        child: Box<MemNode>,
    },
    /// Sixteen children and the value of the key ending here.
    Branch {
        children: Children,
        value: Option<Box<[u8]>>,
    },
    /// A node known only by hash, not loaded yet.
    Stored(H256),
}

/// A node in memory with its reference as of the last hashing (`None` when dirty).
#[derive(Clone, Debug)]
pub(crate) struct MemNode {
    pub(crate) kind: Kind,
    pub(crate) cached: Option<ChildRef>,
}

/// New nodes produced by hashing: (hash, encoding).
pub(crate) type NewNodes = Vec<(H256, Vec<u8>)>;

impl MemNode {
    /// A dirty node of the given kind.
    pub(crate) fn dirty(kind: Kind) -> Box<Self> {
        Box::new(MemNode { kind, cached: None })
    }

    /// A dirty leaf.
    pub(crate) fn leaf(path: Box<[u8]>, value: Box<[u8]>) -> Box<Self> {
        Self::dirty(Kind::Leaf { path, value })
    }

    /// A stub for a node stored under `h`.
    pub(crate) fn stored(h: H256) -> Box<Self> {
        Box::new(MemNode {
            kind: Kind::Stored(h),
            cached: Some(ChildRef::hash(&h)),
        })
    }

    /// Builds an in-memory node from a decoded one; `cached` is its reference.
    pub(crate) fn from_view(
        view: &NodeView<'_>,
        cached: ChildRef,
    ) -> Result<Self, crate::DecodeError> {
        let kind = match view {
            NodeView::Leaf { path, value } => Kind::Leaf {
                path: path.to_nibbles(),
                value: (*value).into(),
            },
            NodeView::Extension { path, child } => Kind::Extension {
                path: path.to_nibbles(),
                child: Self::from_child(child)?.ok_or(crate::DecodeError::BadChild)?,
            },
            NodeView::Branch { children, value } => {
                let mut out: Children = Box::default();
                for (slot, c) in out.iter_mut().zip(children) {
                    *slot = Self::from_child(c)?;
                }
                Kind::Branch {
                    children: out,
                    value: value.map(Into::into),
                }
            }
        };
        Ok(MemNode {
            kind,
            cached: Some(cached),
        })
    }

    fn from_child(child: &ChildView<'_>) -> Result<Option<Box<Self>>, crate::DecodeError> {
        Ok(match child {
            ChildView::Empty => None,
            ChildView::Hash(h) => Some(Self::stored(*h)),
            ChildView::Inline(raw) => {
                let view = decode_node(raw)?;
                Some(Box::new(Self::from_view(
                    &view,
                    ChildRef::of_encoding(raw),
                )?))
            }
        })
    }
}

/// Reads, checks and decodes the node stored under `h`.
pub(crate) fn load<S: NodeStore + ?Sized>(store: &S, h: &H256) -> Result<MemNode, TrieError> {
    let bytes = store.node(h)?.ok_or(TrieError::MissingNode(*h))?;
    if hash(&bytes) != *h {
        return Err(TrieError::HashMismatch(*h));
    }
    let corrupt = |source| TrieError::CorruptNode { hash: *h, source };
    let view = decode_node(&bytes).map_err(corrupt)?;
    MemNode::from_view(&view, ChildRef::hash(h)).map_err(corrupt)
}

/// Replaces a [`Kind::Stored`] stub by the loaded node.
#[inline]
pub(crate) fn resolve<S: NodeStore + ?Sized>(
    store: &S,
    node: &mut MemNode,
) -> Result<(), TrieError> {
    if let Kind::Stored(h) = node.kind {
        *node = load(store, &h)?;
    }
    Ok(())
}

/// Encodes every dirty node below and including `node`, appending the hashed
/// ones to `out` (children before parents), and returns `node`'s reference.
/// Clean subtrees are skipped. `par_depth` levels below fan out over threads.
pub(crate) fn hash_node(node: &mut MemNode, out: &mut NewNodes, par_depth: u8) -> ChildRef {
    if let Some(r) = node.cached {
        return r;
    }
    let mut enc = Vec::new();
    match &mut node.kind {
        Kind::Stored(h) => return ChildRef::hash(h),
        Kind::Leaf { path, value } => {
            enc.reserve(path.len() / 2 + value.len() + 8);
            encode_leaf(path, value, &mut enc);
        }
        Kind::Extension { path, child } => {
            let c = hash_node(child, out, par_depth);
            enc.reserve(path.len() / 2 + 40);
            encode_extension(path, &c, &mut enc);
        }
        Kind::Branch { children, value } => {
            let mut refs = [ChildRef::EMPTY; 16];
            if par_depth > 0 {
                let parts: Vec<(ChildRef, NewNodes)> = children
                    .par_iter_mut()
                    .map(|c| match c {
                        Some(c) => {
                            let mut sub = Vec::new();
                            let r = hash_node(c, &mut sub, par_depth - 1);
                            (r, sub)
                        }
                        None => (ChildRef::EMPTY, Vec::new()),
                    })
                    .collect();
                for (slot, (r, sub)) in refs.iter_mut().zip(parts) {
                    *slot = r;
                    out.extend(sub);
                }
            } else {
                for (slot, c) in refs.iter_mut().zip(children.iter_mut()) {
                    if let Some(c) = c {
                        *slot = hash_node(c, out, 0);
                    }
                }
            }
            enc.reserve(560);
            encode_branch(&refs, value.as_deref(), &mut enc);
        }
    }
    let r = ChildRef::of_encoding(&enc);
    if let Some(h) = r.as_hash() {
        out.push((h, enc));
    }
    node.cached = Some(r);
    r
}
