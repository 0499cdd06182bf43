//! Shared pieces of proof generation and verification.

use std::collections::HashMap;

use crate::codec::{ChildView, NodeView, decode_node};
use crate::nibbles::{continues_with, key_len, key_nibble};
use crate::proof::ProofError;
use crate::{H256, HexPrefix, NodeStore, TrieError, hash};

/// Whether `key` continues with `path` at nibble `depth`.
pub(super) fn has_path(key: &[u8], depth: usize, path: &HexPrefix<'_>) -> bool {
    continues_with(key, depth, path.len(), |i| path.at(i))
}

/// A walk's result: the value (or `None`) and the hashed nodes it fetched.
pub(super) type Walked = (Option<Vec<u8>>, Vec<Vec<u8>>);

/// Where the walk goes next.
enum Next {
    Hash(H256),
    Inline(Vec<u8>),
}

/// Follows `key` from `root`, reading hashed nodes through `fetch`; returns the
/// value (or `None` when the nodes prove the key absent) and the fetched nodes
/// in path order.
pub(super) fn walk<E>(
    root: H256,
    key: &[u8],
    mut fetch: impl FnMut(&H256) -> Result<Vec<u8>, E>,
    malformed: impl Fn(DecodeErrorAt) -> E,
) -> Result<Walked, E> {
    let klen = key_len(key);
    let mut depth = 0;
    let mut current = root;
    let mut fetched = vec![fetch(&root)?];
    let mut inline: Option<Vec<u8>> = None;
    loop {
        let bytes = match &inline {
            Some(b) => b,
            None => fetched.last().map_or(&[][..], Vec::as_slice),
        };
        let view = decode_node(bytes).map_err(|e| malformed((current, e)))?;
        let found = |v: Option<&[u8]>| v.map(<[u8]>::to_vec);
        let child = match view {
            NodeView::Leaf { path, value } => {
                let hit = depth + path.len() == klen && has_path(key, depth, &path);
                return Ok((found(hit.then_some(value)), fetched));
            }
            NodeView::Extension { path, child } => {
                if !has_path(key, depth, &path) {
                    return Ok((None, fetched));
                }
                depth += path.len();
                child
            }
            NodeView::Branch { children, value } => {
                if depth == klen {
                    return Ok((found(value), fetched));
                }
                let child = children[usize::from(key_nibble(key, depth))];
                depth += 1;
                child
            }
        };
        let next = match child {
            ChildView::Empty => return Ok((None, fetched)),
            ChildView::Hash(h) => Next::Hash(h),
            ChildView::Inline(raw) => Next::Inline(raw.to_vec()),
        };
        match next {
            Next::Hash(h) => {
                current = h;
                fetched.push(fetch(&h)?);
                inline = None;
            }
            Next::Inline(raw) => inline = Some(raw),
        }
    }
}

/// A decode failure and the hash of the stored node it was found in.
pub(super) type DecodeErrorAt = (H256, crate::DecodeError);

/// Reads a node from a store for a prover. Its hash is not recomputed: every
/// verifier checks every node's hash, so a corrupt store yields proofs that
/// fail verification, never wrong values, and serving a proof costs no keccak.
pub(super) fn fetch_stored<S: NodeStore + ?Sized>(
    store: &S,
    h: &H256,
) -> Result<Vec<u8>, TrieError> {
    store.node(h)?.ok_or(TrieError::MissingNode(*h))
}

/// Maps a decode failure in a stored node to a trie error.
pub(super) fn corrupt((hash, source): DecodeErrorAt) -> TrieError {
    TrieError::CorruptNode { hash, source }
}

/// A proof's nodes by hash, tracking which ones verification used.
pub(super) struct ProofNodes<'p> {
    by_hash: HashMap<H256, usize>,
    nodes: &'p [Vec<u8>],
    used: Vec<bool>,
}

impl<'p> ProofNodes<'p> {
    /// Indexes the nodes; a node listed twice is an error.
    pub(super) fn new(nodes: &'p [Vec<u8>]) -> Result<Self, ProofError> {
        let mut by_hash = HashMap::with_capacity(nodes.len());
        for (i, n) in nodes.iter().enumerate() {
            let h = hash(n);
            if by_hash.insert(h, i).is_some() {
                return Err(ProofError::DuplicateNode(h));
            }
        }
        Ok(ProofNodes {
            by_hash,
            nodes,
            used: vec![false; nodes.len()],
        })
    }

    /// The node with hash `h`, marked used.
    pub(super) fn take(&mut self, h: &H256) -> Result<&'p [u8], ProofError> {
        let i = *self.by_hash.get(h).ok_or(ProofError::MissingNode(*h))?;
        self.used[i] = true;
        Ok(&self.nodes[i])
    }

    /// Fails if any node went unused.
    pub(super) fn all_used(&self) -> Result<(), ProofError> {
        match self.used.iter().filter(|u| !**u).count() {
            0 => Ok(()),
            n => Err(ProofError::UnusedNodes(n)),
        }
    }
}

/// Resolves a child reference to its node view, reading hashed nodes with `fetch`.
/// Returns `None` for an empty child. The view borrows from `slot` or the child.
pub(super) fn view_of<'a, E>(
    child: ChildView<'a>,
    slot: &'a mut Vec<u8>,
    fetch: impl FnOnce(&H256) -> Result<Vec<u8>, E>,
    malformed: impl Fn(DecodeErrorAt) -> E,
    parent: H256,
) -> Result<Option<NodeView<'a>>, E> {
    let (bytes, at): (&'a [u8], H256) = match child {
        ChildView::Empty => return Ok(None),
        ChildView::Hash(h) => {
            *slot = fetch(&h)?;
            (slot.as_slice(), h)
        }
        ChildView::Inline(raw) => (raw, parent),
    };
    decode_node(bytes).map(Some).map_err(|e| malformed((at, e)))
}
