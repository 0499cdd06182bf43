//! Following a key through Merkle-Patricia nodes, and checking path proofs:
//! the one walk the trie's provers, its verifiers and svm-verify share.
//!
//! A path proof (EIP-1186) is the list of nodes referenced by hash along a
//! key's path, root first; nodes under 32 bytes are inlined in their parent
//! and not listed. A multiproof lists the union of several paths' nodes,
//! each once, in any order. Both prove a value or its absence.

use alloc::collections::BTreeMap;
use alloc::vec::Vec;
use core::fmt;

use crate::nibbles::{key_len, key_nibble};
use crate::node::{ChildView, DecodeError, NodeView, decode_node};
use crate::{EMPTY_ROOT, Hash, keccak256};

/// Hex digits of a hash, for messages.
struct Hex<'a>(&'a [u8]);

impl fmt::Display for Hex<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("0x")?;
        self.0.iter().try_for_each(|b| write!(f, "{b:02x}"))
    }
}

/// Why a path proof does not verify.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProofError {
    /// A node the path needs is not in the proof.
    #[error("the proof lacks node {}", Hex(.0))]
    MissingNode(Hash),
    /// A node does not hash to the reference its parent (or the root) holds.
    #[error("proof node {index} does not hash to {}", Hex(.expected))]
    HashMismatch {
        /// Position of the node in the proof.
        index: usize,
        /// The hash the path expects.
        expected: Hash,
    },
    /// A node on the path is not a trie node.
    #[error("proof node is malformed: {0}")]
    Malformed(#[from] DecodeError),
    /// The proof carries nodes no proven path used.
    #[error("the proof carries {0} node(s) not on any proven path")]
    UnusedNodes(usize),
    /// A node is listed twice in a multiproof.
    #[error("the proof lists node {} more than once", Hex(.0))]
    DuplicateNode(Hash),
}

/// Where a walk stands after a node.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step<'n> {
    /// The key's value, borrowed from the node.
    Found(&'n [u8]),
    /// The node proves the key absent.
    Absent,
    /// The path goes on in the node with this hash.
    Next(Hash),
}

/// A key's walk down a trie, one hashed node at a time (the nodes inlined
/// in it are followed within the same step). The caller fetches the nodes,
/// so a prover reading a store and a verifier reading a proof walk alike.
#[derive(Clone, Debug)]
pub struct PathWalk<'k> {
    key: &'k [u8],
    depth: usize,
}

impl<'k> PathWalk<'k> {
    /// A walk of `key` from the root node.
    pub fn new(key: &'k [u8]) -> Self {
        PathWalk { key, depth: 0 }
    }

    /// Reads the next node on the path (the root node first).
    pub fn step<'n>(&mut self, node: &'n [u8]) -> Result<Step<'n>, DecodeError> {
        let key = self.key;
        let klen = key_len(key);
        let mut bytes = node;
        loop {
            let child = match decode_node(bytes)? {
                NodeView::Leaf { path, value } => {
                    let hit = self.depth + path.len() == klen && path.continues(key, self.depth);
                    return Ok(if hit {
                        Step::Found(value)
                    } else {
                        Step::Absent
                    });
                }
                NodeView::Extension { path, child } => {
                    if !path.continues(key, self.depth) {
                        return Ok(Step::Absent);
                    }
                    self.depth += path.len();
                    child
                }
                NodeView::Branch { children, value } => {
                    if self.depth == klen {
                        return Ok(value.map_or(Step::Absent, Step::Found));
                    }
                    let child = children[usize::from(key_nibble(key, self.depth))];
                    self.depth += 1;
                    child
                }
            };
            match child {
                ChildView::Empty => return Ok(Step::Absent),
                ChildView::Hash(h) => return Ok(Step::Next(h)),
                ChildView::Inline(raw) => bytes = raw,
            }
        }
    }
}

/// Walks `key` from `root`, asking `fetch` for each node by hash (the
/// caller checks that the node hashes to it). Returns the value, or `None`
/// when the nodes prove the key absent. An empty root holds no key and
/// fetches nothing.
pub fn walk<'n, E: From<DecodeError>>(
    root: &Hash,
    key: &[u8],
    mut fetch: impl FnMut(&Hash) -> Result<&'n [u8], E>,
) -> Result<Option<&'n [u8]>, E> {
    if *root == EMPTY_ROOT {
        return Ok(None);
    }
    let mut walk = PathWalk::new(key);
    let mut next = *root;
    loop {
        match walk.step(fetch(&next)?)? {
            Step::Found(value) => return Ok(Some(value)),
            Step::Absent => return Ok(None),
            Step::Next(h) => next = h,
        }
    }
}

/// Checks a path proof of `key` against `root`: returns the proven value,
/// or `None` when the proof shows the key absent. Every node must lie on
/// the key's path, in order, with none missing or left over.
pub fn verify<'n>(
    root: &Hash,
    key: &[u8],
    nodes: &'n [impl AsRef<[u8]>],
) -> Result<Option<&'n [u8]>, ProofError> {
    let mut next = 0;
    let value = walk(root, key, |h| {
        let node = nodes.get(next).ok_or(ProofError::MissingNode(*h))?.as_ref();
        if keccak256(node) != *h {
            return Err(ProofError::HashMismatch {
                index: next,
                expected: *h,
            });
        }
        next += 1;
        Ok(node)
    })?;
    match nodes.len() - next {
        0 => Ok(value),
        n => Err(ProofError::UnusedNodes(n)),
    }
}

/// Checks a multiproof of `keys` against `root`: returns each key's value
/// (or `None`), in order. Nodes may come in any order but each exactly
/// once, and every node must lie on some key's path.
pub fn verify_many<'n>(
    root: &Hash,
    keys: &[impl AsRef<[u8]>],
    nodes: &'n [impl AsRef<[u8]>],
) -> Result<Vec<Option<&'n [u8]>>, ProofError> {
    let mut pool = Pool::new(nodes)?;
    let values = keys
        .iter()
        .map(|k| pool.walk(root, k.as_ref()))
        .collect::<Result<Vec<_>, _>>()?;
    pool.all_used()?;
    Ok(values)
}

/// The nodes of a multiproof, found by hash; each may serve many paths but
/// must serve at least one.
#[derive(Debug)]
pub struct Pool<'n> {
    nodes: BTreeMap<Hash, (&'n [u8], bool)>,
}

impl<'n> Pool<'n> {
    /// Indexes `nodes`; a node listed twice is an error.
    pub fn new(nodes: &'n [impl AsRef<[u8]>]) -> Result<Self, ProofError> {
        let mut map = BTreeMap::new();
        for node in nodes {
            let node = node.as_ref();
            let h = keccak256(node);
            if map.insert(h, (node, false)).is_some() {
                return Err(ProofError::DuplicateNode(h));
            }
        }
        Ok(Pool { nodes: map })
    }

    /// The node with hash `h`, marked used.
    pub fn take(&mut self, h: &Hash) -> Result<&'n [u8], ProofError> {
        match self.nodes.get_mut(h) {
            Some((node, used)) => {
                *used = true;
                Ok(*node)
            }
            None => Err(ProofError::MissingNode(*h)),
        }
    }

    /// The value of `key` under `root`, walking this pool's nodes.
    pub fn walk(&mut self, root: &Hash, key: &[u8]) -> Result<Option<&'n [u8]>, ProofError> {
        walk(root, key, |h| self.take(h))
    }

    /// Fails if some node served no path.
    pub fn all_used(&self) -> Result<(), ProofError> {
        match self.nodes.values().filter(|(_, used)| !used).count() {
            0 => Ok(()),
            n => Err(ProofError::UnusedNodes(n)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;
    use alloc::vec;

    /// A two-leaf trie built by hand: a branch holding two hashed leaves.
    fn trie() -> (Hash, Vec<Vec<u8>>) {
        let leaf = |nibble_path: u8, value: &[u8]| {
            let mut payload = Vec::new();
            crate::rlp::encode_bytes(&mut payload, &[0x30 | nibble_path]);
            crate::rlp::encode_bytes(&mut payload, value);
            let mut out = Vec::new();
            crate::rlp::encode_list(&mut out, &payload);
            out
        };
        let a = leaf(1, &[0xaa; 40]); // key 0x01, value long enough to be hashed
        let b = leaf(2, &[0xbb; 40]); // key 0x12
        let mut payload = Vec::new();
        for i in 0..16 {
            match i {
                0 => crate::rlp::encode_bytes(&mut payload, &keccak256(&a)),
                1 => crate::rlp::encode_bytes(&mut payload, &keccak256(&b)),
                _ => payload.push(0x80),
            }
        }
        payload.push(0x80);
        let mut branch = Vec::new();
        crate::rlp::encode_list(&mut branch, &payload);
        (keccak256(&branch), vec![branch, a, b])
    }

    #[test]
    fn proves_values_and_absence() {
        let (root, n) = trie();
        let a = [n[0].clone(), n[1].clone()];
        assert_eq!(verify(&root, &[0x01], &a).unwrap(), Some(&[0xaa; 40][..]));
        assert_eq!(verify(&root, &[0x02], &a).unwrap(), None); // leaf 1 is not 2
        assert_eq!(verify(&root, &[0x31], &n[..1]).unwrap(), None); // empty child
        assert_eq!(
            verify(&root, &[0x31], &a).unwrap_err(),
            ProofError::UnusedNodes(1)
        );
        assert_eq!(
            verify(&root, &[0x01], &n[..1]).unwrap_err(),
            ProofError::MissingNode(keccak256(&n[1]))
        );
        assert!(matches!(
            verify(&root, &[0x01], &[n[0].clone(), n[2].clone()]),
            Err(ProofError::HashMismatch { index: 1, .. })
        ));
        let values = verify_many(&root, &[[0x01], [0x12], [0x22]], &n).unwrap();
        assert_eq!(
            values,
            vec![Some(&[0xaa; 40][..]), Some(&[0xbb; 40][..]), None]
        );
        assert_eq!(
            verify_many(&root, &[[0x01]], &n).unwrap_err(),
            ProofError::UnusedNodes(1)
        );
        let twice = [n[0].clone(), n[0].clone()];
        assert!(matches!(
            verify_many(&root, &[[0x01]], &twice),
            Err(ProofError::DuplicateNode(_))
        ));
        assert_eq!(verify(&EMPTY_ROOT, &[1], &[] as &[Vec<u8>]).unwrap(), None);
        assert!(
            ProofError::MissingNode([0xab; 32])
                .to_string()
                .ends_with("0xabababababababababababababababababababababababababababababababab")
        );
    }
}
