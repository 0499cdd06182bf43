//! Single-key proofs in the EIP-1186 form.

use super::ProofError;
use super::nodes::{corrupt, fetch_stored, walk};
use crate::{EMPTY_ROOT, H256, NodeStore, TrieError};

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
/// key's path, in order, with none missing or left over (svm-format's check).
pub fn verify(
    root: H256,
    key: &[u8],
    proof: &[impl AsRef<[u8]>],
) -> Result<Option<Vec<u8>>, ProofError> {
    Ok(svm_format::mpt::verify(&root.0, key, proof)?.map(<[u8]>::to_vec))
}
