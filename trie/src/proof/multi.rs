//! Multiproofs: many keys under one root, every node sent once.

use std::collections::HashMap;

use super::ProofError;
use super::nodes::{DecodeErrorAt, corrupt, fetch_stored, walk};
use crate::{EMPTY_ROOT, H256, NodeStore, TrieError};

/// A proof of many keys: their values in the order asked, and the union of
/// their paths' nodes, each once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MultiProof {
    /// One entry per key: its value, or `None` when absent.
    pub values: Vec<Option<Vec<u8>>>,
    /// Every node on any key's path, once, in order of first use.
    pub nodes: Vec<Vec<u8>>,
}

/// Proves the values (or absence) of `keys` in the trie with root `root`.
pub fn prove_many<S: NodeStore + ?Sized, K: AsRef<[u8]>>(
    store: &S,
    root: H256,
    keys: &[K],
) -> Result<MultiProof, TrieError> {
    let mut nodes: Vec<Vec<u8>> = Vec::new();
    let mut index: HashMap<H256, usize> = HashMap::new();
    let fetch = |h: &H256| {
        if let Some(&i) = index.get(h) {
            return Ok(nodes[i].clone());
        }
        let bytes = fetch_stored(store, h)?;
        index.insert(*h, nodes.len());
        nodes.push(bytes.clone());
        Ok(bytes)
    };
    let values = walk_all(root, keys, fetch, corrupt)?;
    Ok(MultiProof { values, nodes })
}

/// Checks a multiproof of `keys` against `root`, returning each key's proven
/// value (or `None`). Nodes may come in any order but each exactly once, and
/// every node must lie on some key's path (svm-format's check).
pub fn verify_many<K: AsRef<[u8]>>(
    root: H256,
    keys: &[K],
    nodes: &[Vec<u8>],
) -> Result<Vec<Option<Vec<u8>>>, ProofError> {
    let values = svm_format::mpt::verify_many(&root.0, keys, nodes)?;
    Ok(values.into_iter().map(|v| v.map(<[u8]>::to_vec)).collect())
}

/// Walks every key's path from `root` (an empty trie holds no key).
fn walk_all<K: AsRef<[u8]>, E>(
    root: H256,
    keys: &[K],
    mut fetch: impl FnMut(&H256) -> Result<Vec<u8>, E>,
    malformed: impl Fn(DecodeErrorAt) -> E,
) -> Result<Vec<Option<Vec<u8>>>, E> {
    keys.iter()
        .map(|key| {
            if root == EMPTY_ROOT {
                return Ok(None);
            }
            walk(root, key.as_ref(), &mut fetch, &malformed).map(|(value, _)| value)
        })
        .collect()
}
