//! Ethereum Merkle-Patricia path proofs: the nodes along a key's path, each
//! referenced by its keccak256 from its parent (nodes shorter than 32 bytes
//! are inlined in their parent), the root node by the root hash. The walk
//! and the checks are svm-format's ([`svm_format::mpt`], shared with
//! svm-trie); these wrappers give svm-verify's errors and owned values.

use alloc::vec::Vec;

use crate::{Hash, VerifyError};

pub use svm_format::mpt::{PathWalk, Pool, Step, walk};

/// Checks an EIP-1186 proof (`nodes`: the nodes referenced by hash along
/// `key`'s path, root first) against `root`. Returns the value, or `None`
/// when the proof shows the key absent. Every node must be on the path, in
/// order; none may be missing or left over.
pub fn verify(
    root: &Hash,
    key: &[u8],
    nodes: &[impl AsRef<[u8]>],
) -> Result<Option<Vec<u8>>, VerifyError> {
    Ok(svm_format::mpt::verify(root, key, nodes)?.map(<[u8]>::to_vec))
}

/// Checks a multiproof of `keys` (`nodes`: every node on any key's path,
/// each once, in any order) against `root`. Returns each key's value, or
/// `None` where the proof shows it absent; a node on no path fails.
pub fn verify_many(
    root: &Hash,
    keys: &[impl AsRef<[u8]>],
    nodes: &[Vec<u8>],
) -> Result<Vec<Option<Vec<u8>>>, VerifyError> {
    let values = svm_format::mpt::verify_many(root, keys, nodes)?;
    Ok(values.into_iter().map(|v| v.map(<[u8]>::to_vec)).collect())
}
