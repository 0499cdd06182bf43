//! Trie nodes on the key-value layer, behind a bounded cache.

use std::sync::{Arc, Mutex, MutexGuard};

use lru::LruCache;
use svm_trie::{H256, NodeSet, NodeStore, StoreError};

use crate::kv::{Column, KvError, KvStore, WriteBatch};

/// Cache counters.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CacheStats {
    /// Reads served from the cache.
    pub hits: u64,
    /// Reads that went to the store.
    pub misses: u64,
    /// Bytes of node encodings held.
    pub bytes: usize,
}

struct Cache {
    nodes: LruCache<H256, Arc<[u8]>>,
    capacity: usize,
    stats: CacheStats,
}

impl Cache {
    fn insert(&mut self, h: H256, bytes: Arc<[u8]>) {
        if bytes.len() > self.capacity {
            return;
        }
        self.stats.bytes += bytes.len();
        if let Some(old) = self.nodes.put(h, bytes) {
            self.stats.bytes -= old.len();
        }
        while self.stats.bytes > self.capacity {
            match self.nodes.pop_lru() {
                Some((_, old)) => self.stats.bytes -= old.len(),
                None => break,
            }
        }
    }
}

/// The trie node store of a [`KvStore`]: nodes live in [`Column::Nodes`] under
/// their hash, and recently read or written nodes stay in a cache bounded in
/// bytes, so hot reads do not touch the database again.
pub struct NodeDb<K> {
    kv: K,
    cache: Mutex<Cache>,
}

impl<K: KvStore> std::fmt::Debug for NodeDb<K> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "NodeDb({:?})", self.stats())
    }
}

impl<K: KvStore> NodeDb<K> {
    /// A node store over `kv` caching up to `cache_bytes` of node encodings.
    pub fn new(kv: K, cache_bytes: usize) -> Self {
        NodeDb {
            kv,
            cache: Mutex::new(Cache {
                nodes: LruCache::unbounded(),
                capacity: cache_bytes,
                stats: CacheStats::default(),
            }),
        }
    }

    /// The key-value store below.
    pub fn kv(&self) -> &K {
        &self.kv
    }

    fn cache(&self) -> MutexGuard<'_, Cache> {
        // The cache holds only copies of stored nodes: a panic elsewhere while
        // it was locked cannot make it wrong.
        self.cache.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Cache counters.
    pub fn stats(&self) -> CacheStats {
        self.cache().stats
    }

    /// Writes `batch` atomically, adding `nodes` (a commit's new nodes) to it,
    /// and keeps the new nodes in the cache.
    pub fn write(&self, mut batch: WriteBatch, nodes: &NodeSet) -> Result<(), KvError> {
        batch.put_nodes(nodes);
        self.kv.write(batch)?;
        let mut cache = self.cache();
        for (h, n) in nodes {
            cache.insert(*h, n.into());
        }
        Ok(())
    }
}

impl<K: KvStore> NodeStore for NodeDb<K> {
    fn node(&self, hash: &H256) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self.node_checked(hash)?.map(|(bytes, _)| bytes))
    }

    /// The cache holds only nodes whose hash is known to match: nodes a
    /// commit produced, and nodes read from the store and hashed here. A node
    /// read from the store that does not match its hash is returned
    /// unvouched (the trie reports it) and not cached.
    fn node_checked(&self, hash: &H256) -> Result<Option<(Vec<u8>, bool)>, StoreError> {
        {
            let mut cache = self.cache();
            if let Some(bytes) = cache.nodes.get(hash).cloned() {
                cache.stats.hits += 1;
                return Ok(Some((bytes.to_vec(), true)));
            }
            cache.stats.misses += 1;
        }
        let Some(bytes) = self
            .kv
            .get(Column::Nodes, hash.as_bytes())
            .map_err(|e| StoreError(e.to_string()))?
        else {
            return Ok(None);
        };
        let sound = svm_trie::hash(&bytes) == *hash;
        if sound {
            self.cache().insert(*hash, bytes.as_slice().into());
        }
        Ok(Some((bytes, sound)))
    }
}
