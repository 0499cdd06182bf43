//! Shared pieces of proof generation and verification.

use svm_format::mpt::{PathWalk, Pool, Step};

use crate::codec::{ChildView, NodeView, decode_node};
use crate::proof::ProofError;
use crate::{H256, NodeStore, TrieError};

/// A walk's result: the value (or `None`) and the hashed nodes it fetched.
pub(super) type Walked = (Option<Vec<u8>>, Vec<Vec<u8>>);

/// Follows `key` from `root` (not the empty root) with svm-format's path
/// walk, reading hashed nodes through `fetch`; returns the value (or `None`
/// when the nodes prove the key absent) and the fetched nodes in path order.
pub(super) fn walk<E>(
    root: H256,
    key: &[u8],
    mut fetch: impl FnMut(&H256) -> Result<Vec<u8>, E>,
    malformed: impl Fn(DecodeErrorAt) -> E,
) -> Result<Walked, E> {
    let mut walk = PathWalk::new(key);
    let mut fetched: Vec<Vec<u8>> = Vec::new();
    let mut next = root;
    loop {
        fetched.push(fetch(&next)?);
        let node = fetched.last().map_or(&[][..], Vec::as_slice);
        match walk.step(node).map_err(|e| malformed((next, e)))? {
            Step::Found(value) => {
                let value = value.to_vec();
                return Ok((Some(value), fetched));
            }
            Step::Absent => return Ok((None, fetched)),
            Step::Next(h) => next = H256(h),
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

/// A proof's nodes by hash, tracking which ones verification used
/// (svm-format's pool, with the trie's errors).
pub(super) struct ProofNodes<'p>(Pool<'p>);

impl<'p> ProofNodes<'p> {
    /// Indexes the nodes; a node listed twice is an error.
    pub(super) fn new(nodes: &'p [Vec<u8>]) -> Result<Self, ProofError> {
        Ok(ProofNodes(Pool::new(nodes)?))
    }

    /// The node with hash `h`, marked used.
    pub(super) fn take(&mut self, h: &H256) -> Result<&'p [u8], ProofError> {
        Ok(self.0.take(&h.0)?)
    }

    /// Fails if any node went unused.
    pub(super) fn all_used(&self) -> Result<(), ProofError> {
        Ok(self.0.all_used()?)
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
            let h = H256(h);
            *slot = fetch(&h)?;
            (slot.as_slice(), h)
        }
        ChildView::Inline(raw) => (raw, parent),
    };
    decode_node(bytes).map(Some).map_err(|e| malformed((at, e)))
}
