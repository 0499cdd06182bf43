//! Ethereum Merkle-Patricia path proofs: the nodes along a key's path, each
//! referenced by its keccak256 from its parent (nodes shorter than 32 bytes
//! are inlined in their parent), the root node by the root hash.

use alloc::collections::BTreeMap;
use alloc::vec::Vec;

use crate::rlp::{self, Item};
use crate::{EMPTY_ROOT, Hash, VerifyError, keccak256};

fn bad(why: &'static str) -> VerifyError {
    VerifyError::Malformed(why)
}

fn nibbles(key: &[u8]) -> Vec<u8> {
    key.iter().flat_map(|b| [b >> 4, b & 0x0f]).collect()
}

/// A hex-prefix path: whether it ends in a leaf, and its nibbles.
fn hex_prefix(item: Item<'_>) -> Result<(bool, Vec<u8>), VerifyError> {
    if item.list {
        return Err(bad("node path is a list"));
    }
    let (&first, rest) = item.payload.split_first().ok_or(bad("empty node path"))?;
    let flag = first >> 4;
    if flag > 3 {
        return Err(bad("bad hex-prefix flag"));
    }
    let mut path = Vec::with_capacity(rest.len() * 2 + 1);
    if flag & 1 == 1 {
        path.push(first & 0x0f);
    } else if first & 0x0f != 0 {
        return Err(bad("bad hex-prefix padding"));
    }
    path.extend(nibbles(rest));
    Ok((flag >= 2, path))
}

/// Walks `key`'s path from `root`, asking `fetch` for each node referenced by
/// hash. Returns the key's value, or `None` when the nodes prove it absent.
pub(crate) fn walk<'a>(
    root: &Hash,
    key: &[u8],
    fetch: &mut dyn FnMut(&Hash) -> Result<&'a [u8], VerifyError>,
) -> Result<Option<&'a [u8]>, VerifyError> {
    if *root == EMPTY_ROOT {
        return Ok(None);
    }
    let key = nibbles(key);
    let mut at = 0;
    let mut node = rlp::one(fetch(root)?)?;
    loop {
        let items = rlp::items(node)?;
        let child = match items.len() {
            17 => {
                if at == key.len() {
                    let value = items[16];
                    if value.list {
                        return Err(bad("branch value is a list"));
                    }
                    return Ok((!value.payload.is_empty()).then_some(value.payload));
                }
                let child = items[usize::from(key[at])];
                at += 1;
                child
            }
            2 => {
                let (leaf, path) = hex_prefix(items[0])?;
                let rest = &key[at..];
                if leaf {
                    let value = items[1];
                    if value.list || value.payload.is_empty() {
                        return Err(bad("leaf value is not a non-empty string"));
                    }
                    return Ok((rest == path.as_slice()).then_some(value.payload));
                }
                if path.is_empty() {
                    return Err(bad("extension with an empty path"));
                }
                if !rest.starts_with(&path) {
                    return Ok(None);
                }
                at += path.len();
                items[1]
            }
            _ => return Err(bad("node is neither a branch nor a leaf or extension")),
        };
        node = match (child.list, child.payload.len()) {
            (true, _) if child.raw.len() < 32 => child,
            (true, _) => return Err(bad("inline node of 32 bytes or more")),
            (false, 0) => return Ok(None),
            (false, 32) => {
                let hash: Hash = child.payload.try_into().map_err(|_| bad("reference"))?;
                rlp::one(fetch(&hash)?)?
            }
            (false, _) => return Err(bad("child reference is neither a hash nor a node")),
        };
        if at > key.len() {
            return Err(bad("path longer than the key"));
        }
    }
}

/// Checks an EIP-1186 proof (`nodes`: the nodes referenced by hash along
/// `key`'s path, root first) against `root`. Returns the value, or `None`
/// when the proof shows the key absent. Every node must be on the path, in
/// order; none may be missing or left over.
pub fn verify(
    root: &Hash,
    key: &[u8],
    nodes: &[impl AsRef<[u8]>],
) -> Result<Option<Vec<u8>>, VerifyError> {
    let mut next = 0;
    let value = walk(root, key, &mut |hash| {
        let node = nodes.get(next).ok_or(VerifyError::MissingNode)?.as_ref();
        if keccak256(node) != *hash {
            return Err(VerifyError::HashMismatch { index: next });
        }
        next += 1;
        Ok(node)
    })?;
    if next != nodes.len() {
        return Err(VerifyError::UnusedNodes(nodes.len() - next));
    }
    Ok(value.map(<[u8]>::to_vec))
}

/// Checks a multiproof of `keys` (`nodes`: every node on any key's path,
/// each once, in any order) against `root`. Returns each key's value, or
/// `None` where the proof shows it absent; a node on no path fails.
pub fn verify_many(
    root: &Hash,
    keys: &[impl AsRef<[u8]>],
    nodes: &[Vec<u8>],
) -> Result<Vec<Option<Vec<u8>>>, VerifyError> {
    let mut pool = Pool::new(nodes)?;
    let values = keys
        .iter()
        .map(|k| Ok(pool.walk(root, k.as_ref())?.map(<[u8]>::to_vec)))
        .collect::<Result<Vec<_>, VerifyError>>()?;
    pool.all_used()?;
    Ok(values)
}

/// The nodes of a multiproof, found by hash; each may serve many paths but
/// must serve at least one.
pub(crate) struct Pool<'a> {
    nodes: BTreeMap<Hash, (&'a [u8], bool)>,
}

impl<'a> Pool<'a> {
    /// Indexes `nodes`; a node listed twice is an error.
    pub(crate) fn new(nodes: &'a [Vec<u8>]) -> Result<Self, VerifyError> {
        let mut map = BTreeMap::new();
        for node in nodes {
            if map
                .insert(keccak256(node), (node.as_slice(), false))
                .is_some()
            {
                return Err(VerifyError::DuplicateNode);
            }
        }
        Ok(Pool { nodes: map })
    }

    /// The node with hash `hash`, marked used.
    pub(crate) fn take(&mut self, hash: &Hash) -> Result<&'a [u8], VerifyError> {
        match self.nodes.get_mut(hash) {
            Some((node, used)) => {
                *used = true;
                Ok(*node)
            }
            None => Err(VerifyError::MissingNode),
        }
    }

    /// The value of `key` under `root`, walking this pool's nodes.
    pub(crate) fn walk(
        &mut self,
        root: &Hash,
        key: &[u8],
    ) -> Result<Option<&'a [u8]>, VerifyError> {
        walk(root, key, &mut |hash| self.take(hash))
    }

    /// Fails if some node served no path.
    pub(crate) fn all_used(&self) -> Result<(), VerifyError> {
        match self.nodes.values().filter(|(_, used)| !used).count() {
            0 => Ok(()),
            n => Err(VerifyError::UnusedNodes(n)),
        }
    }
}
