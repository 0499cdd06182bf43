//! Complete ranges of a trie: every entry whose key lies in `[from, to]`,
//! found by walking every node whose subtree can hold such a key. A proof
//! of a range is exactly those nodes (each fetched by its hash), so what
//! the walk returns is all of the range, nothing missing, nothing added.
//! The prover (svm-proofs) and the verifier (svm-verify) both walk with
//! [`entries_in`]: the prover fetching from its database and keeping what
//! it fetched, the verifier from the proof. docs/FORMATS.md, "Range
//! proofs".

use alloc::vec::Vec;
use core::cmp::Ordering;

use crate::mpt::ProofError;
use crate::node::{ChildView, NodeView, decode_node};
use crate::{EMPTY_ROOT, Hash};

/// Why a range walk failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RangeError {
    /// A node is missing, malformed or does not hash right.
    #[error(transparent)]
    Proof(#[from] ProofError),
    /// The range ends below its start.
    #[error("the range ends below its start")]
    Backwards,
    /// A bound is longer than the trie's keys may be.
    #[error("a bound of {0} bytes is longer than the keys")]
    LongBound(usize),
    /// An entry in the range sits at an odd number of nibbles (no byte key
    /// does).
    #[error("an entry at an odd number of nibbles")]
    OddKey,
    /// The nodes nest deeper than keys of the trie can reach.
    #[error("nodes nest deeper than {0}-byte keys reach")]
    TooDeep(usize),
}

/// Entries as the walk returns them: (key, value), in key order.
pub type Entries = Vec<(Vec<u8>, Vec<u8>)>;

/// The range in nibbles.
struct Bounds {
    from: Vec<u8>,
    to: Vec<u8>,
}

impl Bounds {
    /// Whether some key starting with nibbles `prefix` can lie in range.
    fn overlaps(&self, prefix: &[u8]) -> bool {
        let cmp = |bound: &[u8]| {
            let n = prefix.len().min(bound.len());
            prefix[..n].cmp(&bound[..n])
        };
        // Every key below the prefix is before `from`.
        if cmp(&self.from) == Ordering::Less {
            return false;
        }
        // Every key below the prefix is after `to`.
        match cmp(&self.to) {
            Ordering::Greater => false,
            Ordering::Equal => prefix.len() <= self.to.len(),
            Ordering::Less => true,
        }
    }

    /// Whether the key with nibbles `key` is in range.
    fn contains(&self, key: &[u8]) -> bool {
        key >= &self.from[..] && key <= &self.to[..]
    }
}

fn unpack(key: &[u8]) -> Vec<u8> {
    key.iter().flat_map(|b| [b >> 4, b & 0x0f]).collect()
}

fn pack(nibbles: &[u8]) -> Result<Vec<u8>, RangeError> {
    if !nibbles.len().is_multiple_of(2) {
        return Err(RangeError::OddKey);
    }
    Ok(nibbles
        .chunks_exact(2)
        .map(|p| (p[0] << 4) | p[1])
        .collect())
}

/// Every entry (key, value) of the trie with root `root` whose key lies in
/// `[from, to]`, in key order, walking every node whose subtree overlaps
/// the range and only those; `fetch` gives the node with a hash (and must
/// check it hashes so: a proof's pool does). Keys are at most `max_key`
/// bytes: deeper nodes are refused, so the walk is bounded whatever the
/// nodes say.
pub fn entries_in<E: From<RangeError>>(
    root: &Hash,
    from: &[u8],
    to: &[u8],
    max_key: usize,
    fetch: &mut impl FnMut(&Hash) -> Result<Vec<u8>, E>,
) -> Result<Entries, E> {
    if to < from {
        return Err(RangeError::Backwards.into());
    }
    if let Some(n) = [from.len(), to.len()].into_iter().find(|n| *n > max_key) {
        return Err(RangeError::LongBound(n).into());
    }
    let mut out = Vec::new();
    if *root == EMPTY_ROOT {
        return Ok(out);
    }
    let bounds = Bounds {
        from: unpack(from),
        to: unpack(to),
    };
    let mut walk = Walk {
        bounds,
        max_nibbles: 2 * max_key,
        max_key,
        fetch,
        out: &mut out,
    };
    walk.visit(ChildView::Hash(*root), &mut Vec::new())?;
    Ok(out)
}

struct Walk<'a, F> {
    bounds: Bounds,
    max_nibbles: usize,
    max_key: usize,
    fetch: &'a mut F,
    out: &'a mut Entries,
}

impl<F> Walk<'_, F> {
    fn visit<E: From<RangeError>>(
        &mut self,
        child: ChildView<'_>,
        prefix: &mut Vec<u8>,
    ) -> Result<(), E>
    where
        F: FnMut(&Hash) -> Result<Vec<u8>, E>,
    {
        if child.is_empty() || !self.bounds.overlaps(prefix) {
            return Ok(());
        }
        if prefix.len() > self.max_nibbles {
            return Err(RangeError::TooDeep(self.max_key).into());
        }
        let owned;
        let bytes = match child {
            ChildView::Empty => return Ok(()),
            ChildView::Hash(h) => {
                owned = (self.fetch)(&h)?;
                &owned[..]
            }
            ChildView::Inline(b) => b,
        };
        let view = decode_node(bytes).map_err(|e| RangeError::from(ProofError::from(e)))?;
        let depth = prefix.len();
        match view {
            NodeView::Leaf { path, value } => {
                prefix.extend((0..path.len()).map(|i| path.at(i)));
                if self.bounds.contains(prefix) {
                    let key = pack(prefix)?;
                    self.out.push((key, value.to_vec()));
                }
            }
            NodeView::Extension { path, child } => {
                prefix.extend((0..path.len()).map(|i| path.at(i)));
                self.visit(child, prefix)?;
            }
            NodeView::Branch { children, value } => {
                if let Some(v) = value
                    && self.bounds.contains(prefix)
                {
                    self.out.push((pack(prefix)?, v.to_vec()));
                }
                for (i, c) in children.iter().enumerate() {
                    prefix.push(i as u8);
                    self.visit(*c, prefix)?;
                    prefix.pop();
                }
            }
        }
        prefix.truncate(depth);
        Ok(())
    }
}
