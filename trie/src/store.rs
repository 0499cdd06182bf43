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

    /// Like [`NodeStore::node`], with whether the store vouches that the bytes
    /// hash to `hash` (`true` only for bytes it has hashed itself, e.g. a
    /// cache of nodes it wrote or checked). [`crate::TrieMut`] re-hashes
    /// every node the store does not vouch for. The default vouches for none.
    fn node_checked(&self, hash: &H256) -> Result<Option<(Vec<u8>, bool)>, StoreError> {
        Ok(self.node(hash)?.map(|bytes| (bytes, false)))
    }
}

impl<S: NodeStore + ?Sized> NodeStore for &S {
    fn node(&self, hash: &H256) -> Result<Option<Vec<u8>>, StoreError> {
        (**self).node(hash)
    }

    fn node_checked(&self, hash: &H256) -> Result<Option<(Vec<u8>, bool)>, StoreError> {
        (**self).node_checked(hash)
    }
}

impl<S: NodeStore + ?Sized> NodeStore for Arc<S> {
    fn node(&self, hash: &H256) -> Result<Option<Vec<u8>>, StoreError> {
        (**self).node(hash)
    }

    fn node_checked(&self, hash: &H256) -> Result<Option<(Vec<u8>, bool)>, StoreError> {
        (**self).node_checked(hash)
    }
}

/// Hashes a node key (itself a keccak256 output) by its first eight bytes XOR
/// a per-process seed.
#[derive(Default, Clone, Copy)]
struct KeyHasher(u64);

impl std::hash::Hasher for KeyHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        // `H256` hashes as its 32 bytes; anything shorter is folded in.
        let mut word = [0u8; 8];
        let n = bytes.len().min(8);
        word[..n].copy_from_slice(&bytes[..n]);
        self.0 ^= u64::from_le_bytes(word);
    }
}

/// Builds [`KeyHasher`]s with the process's seed.
#[derive(Clone, Copy)]
struct KeyHasherBuilder(u64);

impl Default for KeyHasherBuilder {
    fn default() -> Self {
        use std::hash::{BuildHasher, RandomState};
        KeyHasherBuilder(RandomState::new().hash_one(0u8))
    }
}

impl std::hash::BuildHasher for KeyHasherBuilder {
    type Hasher = KeyHasher;

    fn build_hasher(&self) -> KeyHasher {
        KeyHasher(self.0)
    }
}

impl std::fmt::Debug for KeyHasherBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("KeyHasherBuilder")
    }
}

/// Nodes in a hash map: for tests, tools and benchmarks. Keys are node hashes,
/// so the map indexes them by their leading bytes instead of hashing again;
/// a store open to untrusted writers should be a real database.
#[derive(Default, Debug, Clone)]
pub struct MemoryStore {
    nodes: HashMap<H256, Box<[u8]>, KeyHasherBuilder>,
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
            self.nodes.insert(*h, n.into());
        }
    }

    /// Adds one node under its hash.
    pub fn insert(&mut self, encoding: Vec<u8>) -> H256 {
        let h = crate::hash(&encoding);
        self.nodes.insert(h, encoding.into_boxed_slice());
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
    pub fn node_mut(&mut self, hash: &H256) -> Option<&mut [u8]> {
        self.nodes.get_mut(hash).map(|n| &mut **n)
    }

    /// Total bytes of stored node encodings.
    pub fn byte_size(&self) -> usize {
        self.nodes.values().map(|n| n.len()).sum()
    }
}

impl NodeStore for MemoryStore {
    fn node(&self, hash: &H256) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self.nodes.get(hash).map(|n| n.to_vec()))
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
