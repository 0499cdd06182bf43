//! Single-key proofs in the EIP-1186 form.

use super::ProofError;
use super::nodes::{corrupt, fetch_stored, walk};
use crate::{EMPTY_ROOT, H256, NodeStore, TrieError, hash};

/// A proof of one key: its value (or absence) and the path's nodes, root first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyProof {
    /// The key's value, or `None` for an exclusion proof.
    pub value: Option<Vec<u8>>,
    /// RLP nodes referenced by hash along the key's path, root first.
    pub nodes: Vec<Vec<u8>>,
}

/// Proves the value of `key`, or its absence, in the trie with root `root`.
pub fn prove<S: NodeStore + ?Sized>(
    store: &S,
    root: H256,
    key: &[u8],
) -> Result<KeyProof, TrieError> {
    if root == EMPTY_ROOT {
        return Ok(KeyProof {
            value: None,
            nodes: Vec::new(),
        });
    }
    let (value, nodes) = walk(root, key, |h| fetch_stored(store, h), corrupt)?;
    Ok(KeyProof { value, nodes })
}

/// Checks an EIP-1186 proof of `key` against `root`: returns the proven value,
/// or `None` when the proof shows the key absent. Every node must lie on the
/// key's path, in order, with none missing or left over.
pub fn verify(
    root: H256,
    key: &[u8],
    proof: &[impl AsRef<[u8]>],
) -> Result<Option<Vec<u8>>, ProofError> {
    if root == EMPTY_ROOT {
        return match proof.len() {
            0 => Ok(None),
            n => Err(ProofError::UnusedNodes(n)),
        };
    }
    let mut next = 0;
    let (value, _) = walk(
        root,
        key,
        |h| {
            let node = proof.get(next).ok_or(ProofError::MissingNode(*h))?.as_ref();
            if hash(node) != *h {
                return Err(ProofError::HashMismatch {
                    index: next,
                    expected: *h,
                });
            }
            next += 1;
            Ok(node.to_vec())
        },
        |(_, e)| ProofError::Malformed(e),
    )?;
    if next != proof.len() {
        return Err(ProofError::UnusedNodes(proof.len() - next));
    }
    Ok(value)
}
