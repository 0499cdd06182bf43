//! The store below the state: one key-value store holding trie nodes, code
//! and metadata, with a bounded cache of nodes and an optional write-behind
//! (a commit's batch is written on a background thread while the next block
//! executes, and reads see it meanwhile).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;

use lru::LruCache;
use svm_trie::{H256, NodeSet, NodeStore, StoreError};

use crate::kv::{Change, Column, Entries, KvError, KvStore, WriteBatch};

/// Cache counters.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CacheStats {
    /// Reads served from the cache.
    pub hits: u64,
    /// Reads that went to the store.
    pub misses: u64,
    /// Memory held: the node encodings and each entry's bookkeeping
    /// ([`NODE_ENTRY_OVERHEAD`]).
    pub bytes: usize,
}

/// Memory a cached node takes beyond its encoding: the LRU entry (hash,
/// pointer, links), its slot in the hash table and the shared buffer's
/// header. Counted against the bound, so a cache of small nodes (account
/// leaves of ~110 bytes) holds what its bound says, not twice that.
pub const NODE_ENTRY_OVERHEAD: usize = 112;

/// What a node of `len` bytes costs the cache.
fn cost(len: usize) -> usize {
    len + NODE_ENTRY_OVERHEAD
}

struct Cache {
    nodes: LruCache<H256, Arc<[u8]>>,
    capacity: usize,
    stats: CacheStats,
}

impl Cache {
    fn insert(&mut self, h: H256, bytes: Arc<[u8]>) {
        if cost(bytes.len()) > self.capacity {
            return;
        }
        self.stats.bytes += cost(bytes.len());
        if let Some(old) = self.nodes.put(h, bytes) {
            self.stats.bytes -= cost(old.len());
        }
        while self.stats.bytes > self.capacity {
            match self.nodes.pop_lru() {
                Some((_, old)) => self.stats.bytes -= cost(old.len()),
                None => break,
            }
        }
    }
}

/// A batch being written in the background, indexed for reads.
struct Pending {
    batch: WriteBatch,
    /// Per column: key → position of its last change in the batch.
    index: [HashMap<Box<[u8]>, usize>; 4],
}

impl Pending {
    fn new(batch: WriteBatch) -> Self {
        let mut index: [HashMap<Box<[u8]>, usize>; 4] = Default::default();
        for (i, change) in batch.changes().iter().enumerate() {
            let (c, k) = match change {
                Change::Put(c, k, _) | Change::Delete(c, k) | Change::AddCount(c, k, _) => (c, k),
            };
            index[c.index() as usize].insert(k.as_slice().into(), i);
        }
        Pending { batch, index }
    }

    /// What the batch does to `key`, if anything.
    fn get(&self, column: Column, key: &[u8]) -> Option<&Change> {
        let i = *self.index[column.index() as usize].get(key)?;
        self.batch.changes().get(i)
    }
}

struct InFlight {
    pending: Arc<Pending>,
    /// Taken by the one [`Store::flush`] that joins it; the batch stays
    /// readable until the join returns.
    writer: Option<JoinHandle<Result<(), KvError>>>,
}

/// The store below the state, over a [`KvStore`]: trie nodes in
/// [`Column::Nodes`] under their hash (recently read or written ones also in
/// a cache bounded in bytes, so hot reads do not touch the database again),
/// code and metadata in their columns, every commit one atomic batch.
///
/// With write-behind on, [`Store::write`] returns once the batch is handed to
/// a background writer; reads see the batch meanwhile, the next write waits
/// for it, and [`Store::flush`] (or dropping the store) waits for it too. If
/// a background write fails, every later write fails: reopen the database.
pub struct Store<K> {
    kv: Arc<K>,
    cache: Mutex<Cache>,
    write_behind: bool,
    in_flight: Mutex<Option<InFlight>>,
    flushing: Mutex<()>,
    failed: Mutex<Option<String>>,
}

impl<K: KvStore> std::fmt::Debug for Store<K> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Store({:?})", self.stats())
    }
}

/// Locks a mutex whose data stays valid whatever a panicking holder did.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl<K: KvStore> Store<K> {
    /// A node store over `kv` caching up to `cache_bytes` of node encodings;
    /// writes are synchronous.
    pub fn new(kv: K, cache_bytes: usize) -> Self {
        Store {
            kv: Arc::new(kv),
            cache: Mutex::new(Cache {
                nodes: LruCache::unbounded(),
                capacity: cache_bytes,
                stats: CacheStats::default(),
            }),
            write_behind: false,
            in_flight: Mutex::new(None),
            flushing: Mutex::new(()),
            failed: Mutex::new(None),
        }
    }

    /// The same store, writing in the background (see [`Store`]).
    pub fn with_write_behind(mut self, on: bool) -> Self {
        self.write_behind = on;
        self
    }

    /// The key-value store below (without the batch being written, if any).
    pub fn kv(&self) -> &K {
        &self.kv
    }

    /// Cache counters.
    pub fn stats(&self) -> CacheStats {
        lock(&self.cache).stats
    }

    fn pending(&self) -> Option<Arc<Pending>> {
        lock(&self.in_flight).as_ref().map(|f| f.pending.clone())
    }

    /// Waits until the batch being written (if any) is on disk; returns the
    /// error of a failed background write, now and for every later write.
    pub fn flush(&self) -> Result<(), KvError> {
        // One flusher or writer at a time: a second one waits until the
        // write in flight is done.
        let _one = lock(&self.flushing);
        self.flush_locked()
    }

    /// [`Store::flush`], with `flushing` held by the caller: nothing can
    /// hand over a new batch meanwhile.
    fn flush_locked(&self) -> Result<(), KvError> {
        let in_flight = lock(&self.in_flight).as_mut().and_then(|f| {
            let writer = f.writer.take()?;
            Some((writer, f.pending.clone()))
        });
        if let Some((writer, pending)) = in_flight {
            let result = writer
                .join()
                .unwrap_or_else(|_| Err(KvError::WriteBehind("the writer panicked".into())));
            match result {
                // On disk: its nodes may be served from the cache now.
                Ok(()) => {
                    self.cache_nodes(pending.batch.changes().iter().filter_map(
                        |change| match change {
                            Change::Put(Column::Nodes, k, v) if k.len() == 32 => {
                                Some((H256::from_slice(k), v.as_slice()))
                            }
                            _ => None,
                        },
                    ))
                }
                Err(e) => *lock(&self.failed) = Some(e.to_string()),
            }
            // Only now is the batch in the store (or lost): stop serving it.
            *lock(&self.in_flight) = None;
        }
        self.failure()
    }

    /// Keeps nodes that are in the store in the cache.
    fn cache_nodes<'a>(&self, nodes: impl Iterator<Item = (H256, &'a [u8])>) {
        let mut cache = lock(&self.cache);
        for (h, n) in nodes {
            cache.insert(h, n.into());
        }
    }

    /// The error of a background write that failed, if one did (without
    /// waiting for the write in flight).
    pub fn failure(&self) -> Result<(), KvError> {
        match lock(&self.failed).as_ref() {
            Some(e) => Err(KvError::WriteBehind(e.clone())),
            None => Ok(()),
        }
    }

    /// Writes `batch` atomically, adding `nodes` (a commit's new nodes) to it;
    /// the new nodes join the cache once they are in the store. With
    /// write-behind, returns once the batch is handed to the writer (after
    /// the previous one is written).
    pub fn write(&self, mut batch: WriteBatch, nodes: &NodeSet) -> Result<(), KvError> {
        // Held from waiting for the previous batch to handing over this one,
        // so no flush can see (and clear) a half-handed-over state.
        let _one = lock(&self.flushing);
        self.flush_locked()?;
        batch.put_nodes(nodes);
        if !self.write_behind {
            self.kv.write(batch)?;
            self.cache_nodes(nodes.into_iter().map(|(h, n)| (*h, n)));
            return Ok(());
        }
        let pending = Arc::new(Pending::new(batch));
        let (kv, p) = (self.kv.clone(), pending.clone());
        let writer = std::thread::Builder::new()
            .name("svm-writer".into())
            .spawn(move || kv.write(p.batch.clone()))
            .map_err(KvError::Io)?;
        *lock(&self.in_flight) = Some(InFlight {
            pending,
            writer: Some(writer),
        });
        Ok(())
    }
}

impl<K: KvStore> Store<K> {
    /// Drops `hashes` from the node cache (nodes a commit deleted).
    pub fn evict(&self, hashes: &[H256]) {
        if hashes.is_empty() {
            return;
        }
        let mut cache = lock(&self.cache);
        for h in hashes {
            if let Some(old) = cache.nodes.pop(h) {
                cache.stats.bytes -= cost(old.len());
            }
        }
    }

    /// Writes `batch` with `nodes` atomically and directly (never behind),
    /// leaving the node cache alone: for bulk ingest (snapshot sync), whose
    /// nodes no reader is waiting for and which would only push the nodes
    /// readers need out of the cache.
    pub fn ingest(&self, mut batch: WriteBatch, nodes: &NodeSet) -> Result<(), KvError> {
        let _one = lock(&self.flushing);
        self.flush_locked()?;
        batch.put_nodes(nodes);
        self.kv.write(batch)
    }
}

impl<K> Drop for Store<K> {
    fn drop(&mut self) {
        // Wait for the last write. Had it failed, the head on disk is simply
        // the commit before it.
        let writer = lock(&self.in_flight).take().and_then(|f| f.writer);
        if let Some(writer) = writer {
            let _ = writer.join();
        }
    }
}

impl<K: KvStore> KvStore for Store<K> {
    /// Reads through the batch being written, then the store (never the cache).
    fn get(&self, column: Column, key: &[u8]) -> Result<Option<Vec<u8>>, KvError> {
        if let Some(pending) = self.pending() {
            match pending.get(column, key) {
                None => {}
                Some(Change::Put(_, _, v)) => return Ok(Some(v.clone())),
                Some(Change::Delete(..)) => return Ok(None),
                Some(Change::AddCount(..)) => {
                    // A sum the batch adds to what the store holds: read it
                    // once the batch is written.
                    self.flush()?;
                }
            }
        }
        self.kv.get(column, key)
    }

    /// Through the batch being written (waiting for it if it adds to one
    /// of the keys' counts), then one batched lookup in the store.
    fn get_many(&self, column: Column, keys: &[&[u8]]) -> Result<Vec<Option<Vec<u8>>>, KvError> {
        let Some(pending) = self.pending() else {
            return self.kv.get_many(column, keys);
        };
        if keys
            .iter()
            .any(|k| matches!(pending.get(column, k), Some(Change::AddCount(..))))
        {
            self.flush()?;
            return self.kv.get_many(column, keys);
        }
        let mut out = self.kv.get_many(column, keys)?;
        for (k, v) in keys.iter().zip(out.iter_mut()) {
            match pending.get(column, k) {
                Some(Change::Put(_, _, p)) => *v = Some(p.clone()),
                Some(Change::Delete(..)) => *v = None,
                _ => {}
            }
        }
        Ok(out)
    }

    fn write(&self, batch: WriteBatch) -> Result<(), KvError> {
        let _one = lock(&self.flushing);
        self.flush_locked()?;
        self.kv.write(batch)
    }

    fn iter_prefix(&self, column: Column, prefix: &[u8]) -> Result<Entries, KvError> {
        self.flush()?;
        self.kv.iter_prefix(column, prefix)
    }

    fn scan(
        &self,
        column: Column,
        prefix: &[u8],
        after: Option<&[u8]>,
        limit: usize,
    ) -> Result<Entries, KvError> {
        self.flush()?;
        self.kv.scan(column, prefix, after, limit)
    }
}

impl<K: KvStore> NodeStore for Store<K> {
    fn node(&self, hash: &H256) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self.node_checked(hash)?.map(|(bytes, _)| bytes))
    }

    /// The cache holds only nodes whose hash is known to match: nodes a
    /// commit produced, and nodes read from the store and hashed here. A node
    /// read from the store that does not match its hash is returned
    /// unvouched (the trie reports it) and not cached.
    fn node_checked(&self, hash: &H256) -> Result<Option<(Vec<u8>, bool)>, StoreError> {
        {
            let mut cache = lock(&self.cache);
            if let Some(bytes) = cache.nodes.get(hash).cloned() {
                cache.stats.hits += 1;
                return Ok(Some((bytes.to_vec(), true)));
            }
            cache.stats.misses += 1;
        }
        let Some(bytes) = self
            .get(Column::Nodes, hash.as_bytes())
            .map_err(|e| StoreError(e.to_string()))?
        else {
            return Ok(None);
        };
        let sound = svm_trie::hash(&bytes) == *hash;
        if sound {
            tracing::trace!(
                target: "svm_state::cache",
                hash = %format_args!("{hash:#x}"),
                bytes = bytes.len(),
                "node cache miss"
            );
            lock(&self.cache).insert(*hash, bytes.as_slice().into());
        } else {
            tracing::error!(
                target: "svm_state::cache",
                hash = %format_args!("{hash:#x}"),
                "a stored node does not hash to its key: the database is corrupt"
            );
        }
        Ok(Some((bytes, sound)))
    }
}
