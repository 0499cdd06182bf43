//! Where nodes live: the [`NodeStore`] read trait, an in-memory store and a
//! `hash_db` adapter.

use std::collections::HashMap;
use std::sync::Arc;

use crate::H256;

/// A failure of the storage behind a [`NodeStore`].
#[derive(Debug, Clone, thiserror::Error)]
#[error("node store failed: {0}")]
pub struct StoreError(pub String);

/// Read access to nodes by hash. The trie never writes: [`crate::TrieMut::commit`]
/// hands back the new nodes, and the owner of the store persists them in one batch.
pub trait NodeStore: Send + Sync {
    /// The encoding of the node with keccak256 `hash`, if stored.
    fn node(&self, hash: &H256) -> Result<Option<Vec<u8>>, StoreError>;
}

impl<S: NodeStore + ?Sized> NodeStore for &S {
    fn node(&self, hash: &H256) -> Result<Option<Vec<u8>>, StoreError> {
        (**self).node(hash)
    }
}

impl<S: NodeStore + ?Sized> NodeStore for Arc<S> {
    fn node(&self, hash: &H256) -> Result<Option<Vec<u8>>, StoreError> {
        (**self).node(hash)
    }
}

/// Nodes in a hash map: for tests, tools and benchmarks.
#[derive(Default, Debug, Clone)]
pub struct MemoryStore {
    nodes: HashMap<H256, Vec<u8>>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds the nodes of a commit. Content-addressed: re-adding is harmless.
    pub fn insert_all(&mut self, nodes: &crate::NodeSet) {
        self.nodes.reserve(nodes.len());
        for (h, n) in nodes {
            self.nodes.insert(*h, n.to_vec());
        }
    }

    /// Adds one node under its hash.
    pub fn insert(&mut self, encoding: Vec<u8>) -> H256 {
        let h = crate::hash(&encoding);
        self.nodes.insert(h, encoding);
        h
    }

    /// Number of stored nodes.
    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    /// Whether the store holds no node.
    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    /// Mutable access to a stored node's bytes (for corruption tests and tools).
    pub fn node_mut(&mut self, hash: &H256) -> Option<&mut Vec<u8>> {
        self.nodes.get_mut(hash)
    }

    /// Total bytes of stored node encodings.
    pub fn byte_size(&self) -> usize {
        self.nodes.values().map(Vec::len).sum()
    }
}

impl NodeStore for MemoryStore {
    fn node(&self, hash: &H256) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self.nodes.get(hash).cloned())
    }
}

/// Presents any [`NodeStore`] as a `hash_db::HashDBRef` keyed by keccak256, so
/// hash-db tools can read our stores. Store failures read as absent nodes.
#[derive(Debug, Clone, Copy)]
pub struct HashDbAdapter<S>(pub S);

impl<S: NodeStore> hash_db::HashDBRef<keccak_hasher::KeccakHasher, Vec<u8>> for HashDbAdapter<S> {
    fn get(&self, key: &[u8; 32], _prefix: hash_db::Prefix) -> Option<Vec<u8>> {
        self.0.node(&H256(*key)).ok().flatten()
    }

    fn contains(&self, key: &[u8; 32], prefix: hash_db::Prefix) -> bool {
        self.get(key, prefix).is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hash_db::{EMPTY_PREFIX, HashDBRef};

    #[test]
    fn hash_db_adapter_reads_nodes() {
        let mut store = MemoryStore::new();
        let node = vec![0xc2, 0x20, 0x01];
        let h = store.insert(node.clone());
        let db = HashDbAdapter(&store);
        assert_eq!(db.get(&h.0, EMPTY_PREFIX), Some(node));
        assert!(db.contains(&h.0, EMPTY_PREFIX));
        assert!(!db.contains(&[0u8; 32], EMPTY_PREFIX));
    }
}
