//! The state database: world state and contract storage over a key-value
//! store, with the head and the list of committed roots.

use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use lru::LruCache;
use primitive_types::H256;
use svm_trie::{NodeStore, StoreError};

use crate::code::{get_code, layout_of};
use crate::kv::{Column, KvStore, RocksConfig, RocksKv, WriteBatch};
use crate::layout::Layout;
use crate::meta::{self, Head};
use crate::prune::{self, History};
use crate::{CacheStats, Session, StateError, Store, View};

/// How to open a [`StateDb`].
#[derive(Clone, Debug)]
pub struct StateConfig {
    /// The node cache's bound in bytes: node encodings plus each entry's
    /// bookkeeping ([`crate::NODE_ENTRY_OVERHEAD`]), so the memory it holds.
    pub node_cache_bytes: usize,
    /// Storage layouts kept decoded, by code hash.
    pub layout_cache_entries: usize,
    /// RocksDB settings (when opened on a path).
    pub rocks: RocksConfig,
    /// What a new database keeps of its history: the last `n` roots
    /// (pruning; the default keeps 128) or every root (archive). The mode is
    /// chosen when the database is created and recorded in it: a database
    /// created in archive mode (or before pruning existed) stays one, and a
    /// pruning one keeps pruning (the window `n` may change between opens).
    pub history: History,
    /// Write each commit's batch on a background thread while the next
    /// session runs (see [`Store`]). A crash can then lose the last commit
    /// (never a part of one); [`StateDb::flush`] waits for it.
    pub write_behind: bool,
}

impl Default for StateConfig {
    fn default() -> Self {
        StateConfig {
            node_cache_bytes: 256 << 20,
            layout_cache_entries: 4096,
            rocks: RocksConfig::default(),
            history: History::DEFAULT,
            write_behind: false,
        }
    }
}

/// What sessions of one database share.
pub(crate) struct Shared<K> {
    pub(crate) store: Store<K>,
    pub(crate) head: Mutex<Head>,
    layouts: Mutex<LruCache<H256, Arc<Layout>>>,
    /// The history this database keeps.
    pub(crate) history: History,
    /// Whether the database records `history` (written with the next
    /// commit otherwise).
    pub(crate) history_recorded: std::sync::atomic::AtomicBool,
    /// The lowest commit whose root is kept (0 in archive mode).
    pub(crate) kept_from: AtomicU64,
    /// Counters since the database was opened.
    pub(crate) counters: Counters,
}

/// What commits did since the database was opened.
#[derive(Default)]
pub(crate) struct Counters {
    pub(crate) commits: AtomicU64,
    pub(crate) nodes_written: AtomicU64,
    pub(crate) node_bytes_written: AtomicU64,
    pub(crate) nodes_deleted: AtomicU64,
    pub(crate) occurrences_swept: AtomicU64,
    pub(crate) sweep_pending: AtomicU64,
}

impl Counters {
    /// Counts one commit.
    pub(crate) fn commit(&self, nodes: usize, bytes: usize, pruned: &crate::PruneStats) {
        let add = |c: &AtomicU64, n: u64| c.fetch_add(n, Ordering::Relaxed);
        add(&self.commits, 1);
        add(&self.nodes_written, nodes as u64);
        add(&self.node_bytes_written, bytes as u64);
        add(&self.nodes_deleted, pruned.nodes_deleted);
        add(&self.occurrences_swept, pruned.swept);
        self.sweep_pending
            .store(pruned.sweep_pending, Ordering::Relaxed);
    }
}

/// Where a database stands and what its commits did since it was opened
/// ([`StateDb::metrics`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct StateMetrics {
    /// The head's sequence number.
    pub head: u64,
    /// The lowest commit whose root is kept (0 in archive mode).
    pub kept_from: u64,
    /// Commits since the database was opened.
    pub commits: u64,
    /// Trie nodes they wrote.
    pub nodes_written: u64,
    /// Bytes of those nodes.
    pub node_bytes_written: u64,
    /// Nodes pruning deleted.
    pub nodes_deleted: u64,
    /// Occurrences of dropped tries swept.
    pub occurrences_swept: u64,
    /// Occurrences still to sweep after the last commit.
    pub sweep_pending: u64,
    /// The node cache's counters.
    pub cache: CacheStats,
}

impl<K: KvStore> NodeStore for Shared<K> {
    fn node(&self, hash: &H256) -> Result<Option<Vec<u8>>, StoreError> {
        self.store.node(hash)
    }

    fn node_checked(&self, hash: &H256) -> Result<Option<(Vec<u8>, bool)>, StoreError> {
        self.store.node_checked(hash)
    }
}

impl<K: KvStore> Shared<K> {
    /// The sequence number of `root` if the database keeps it, else why
    /// not ([`StateDb::kept`]).
    pub(crate) fn kept(&self, root: &H256) -> Result<u64, StateError> {
        let seq = meta::seq_of(&self.store, root)?.ok_or(StateError::UnknownRoot(*root))?;
        let kept_from = self.kept_from.load(Ordering::Acquire);
        if seq < kept_from && *root != svm_trie::EMPTY_ROOT {
            return Err(StateError::Pruned {
                root: *root,
                seq,
                kept_from,
            });
        }
        Ok(seq)
    }

    /// The window of roots kept, if the database prunes.
    pub(crate) fn pruning(&self) -> Option<u64> {
        match self.history {
            History::Archive => None,
            History::Recent(n) => Some(n),
        }
    }

    /// Adds the history mode to `batch` unless the database records it.
    pub(crate) fn record_history(&self, batch: &mut WriteBatch) {
        if !self.history_recorded.load(Ordering::Acquire) {
            prune::put_mode(batch, self.history);
        }
    }

    /// After a commit's batch is written: the mode is recorded, and the
    /// window starts at `kept_from` (when pruning).
    pub(crate) fn written(&self, kept_from: Option<u64>) {
        self.history_recorded.store(true, Ordering::Release);
        if let Some(k) = kept_from {
            self.kept_from.store(k, Ordering::Release);
        }
    }

    /// The head, locked: commits hold it from their staleness check to the
    /// write, so there is one writer at a time.
    pub(crate) fn head(&self) -> MutexGuard<'_, Head> {
        // The head is replaced only after a successful write, in one
        // assignment: a panic elsewhere cannot leave it half-set.
        self.head.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The layout declared by the stored code `hash`.
    pub(crate) fn layout(&self, hash: &H256) -> Result<Arc<Layout>, StateError> {
        let mut cache = self.layouts.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(l) = cache.get(hash) {
            return Ok(l.clone());
        }
        drop(cache);
        let code = get_code(&self.store, hash)?.ok_or(StateError::MissingCode(*hash))?;
        let layout = Arc::new(layout_of(&code)?);
        let mut cache = self.layouts.lock().unwrap_or_else(|e| e.into_inner());
        cache.put(*hash, layout.clone());
        Ok(layout)
    }
}

/// World state and contract storage over a [`KvStore`]: sessions read any
/// kept root and write on top of the head; a commit is one atomic write
/// batch. In archive mode nothing is ever deleted; by default the last 128
/// roots are kept and the nodes only older roots reach are deleted
/// ([`StateConfig::history`], [`crate::prune`]).
pub struct StateDb<K> {
    shared: Arc<Shared<K>>,
}

/// Another handle on the same database: the same head, caches and store
/// (one writer at a time still: a commit whose base is no longer the head
/// fails with [`StateError::StaleBase`]).
impl<K> Clone for StateDb<K> {
    fn clone(&self) -> Self {
        StateDb {
            shared: self.shared.clone(),
        }
    }
}

impl<K: KvStore> std::fmt::Debug for StateDb<K> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "StateDb(head {:?})", *self.shared.head())
    }
}

impl StateDb<RocksKv> {
    /// Opens (creating if needed) the RocksDB database in directory `path`,
    /// resuming at its last committed head.
    pub fn open_rocks(path: &Path, config: &StateConfig) -> Result<Self, StateError> {
        Self::open(RocksKv::open(path, &config.rocks)?, config)
    }
}

impl<K: KvStore> StateDb<K> {
    /// Opens the state in `kv`, resuming at its last committed head (the
    /// empty world in a new store).
    pub fn open(kv: K, config: &StateConfig) -> Result<Self, StateError> {
        let head = meta::read_head(&kv)?;
        let recorded = prune::read_mode(&kv)?;
        let history = match (recorded, config.history) {
            // Written before pruning existed: every node uncounted.
            (None, _) if head.seq > 0 => History::Archive,
            (None, asked) => asked,
            (Some(History::Archive), _) => History::Archive,
            // Opened only to read: what the database records.
            (Some(recorded), _) if config.rocks.read_only => recorded,
            (Some(History::Recent(_)), History::Recent(n)) => History::Recent(n.max(1)),
            (Some(recent), History::Archive) => recent,
        };
        let kept_from = prune::read_low(&kv)?;
        let nodes = Store::new(kv, config.node_cache_bytes).with_write_behind(config.write_behind);
        let entries = std::num::NonZeroUsize::new(config.layout_cache_entries)
            .unwrap_or(std::num::NonZeroUsize::MIN);
        Ok(StateDb {
            shared: Arc::new(Shared {
                store: nodes,
                head: Mutex::new(head),
                layouts: Mutex::new(LruCache::new(entries)),
                history_recorded: (recorded == Some(history)).into(),
                history,
                kept_from: AtomicU64::new(kept_from),
                counters: Counters::default(),
            }),
        })
    }

    /// The last committed state.
    pub fn head(&self) -> Head {
        *self.shared.head()
    }

    /// The root committed at sequence number `seq` (0: the empty world).
    pub fn root_at(&self, seq: u64) -> Result<Option<H256>, StateError> {
        meta::root_at(&self.shared.store, seq)
    }

    /// The sequence number that committed `root`, if any did: the first
    /// that did in archive mode, the latest when pruning.
    pub fn seq_of(&self, root: &H256) -> Result<Option<u64>, StateError> {
        meta::seq_of(&self.shared.store, root)
    }

    /// Recomputes every reference count from the head, the journals not
    /// yet applied, the sweep stack and the blocks' receipts, and compares
    /// them with the stored ones and with the nodes stored (leaks, missing
    /// nodes). Memory grows with the number of nodes. In archive mode there
    /// are no counts: everything stored is reported leaked.
    pub fn audit_refs(&self) -> Result<prune::RefAudit, StateError> {
        self.flush()?;
        let head = self.shared.head();
        prune::audit_refs(&self.shared, head.root)
    }

    /// Where the database stands and what its commits did since it was
    /// opened: one read of counters, for an operator's dashboard.
    pub fn metrics(&self) -> StateMetrics {
        let c = &self.shared.counters;
        let get = |a: &AtomicU64| a.load(Ordering::Relaxed);
        StateMetrics {
            head: self.head().seq,
            kept_from: self.kept_from(),
            commits: get(&c.commits),
            nodes_written: get(&c.nodes_written),
            node_bytes_written: get(&c.node_bytes_written),
            nodes_deleted: get(&c.nodes_deleted),
            occurrences_swept: get(&c.occurrences_swept),
            sweep_pending: get(&c.sweep_pending),
            cache: self.cache_stats(),
        }
    }

    /// What this database keeps of its history.
    pub fn history(&self) -> History {
        self.shared.history
    }

    /// The lowest commit whose root is still kept (0 in archive mode):
    /// roots committed only before it were pruned.
    pub fn kept_from(&self) -> u64 {
        self.shared.kept_from.load(Ordering::Acquire)
    }

    /// The sequence number of `root` if the database keeps it: an error
    /// says whether it was never committed ([`StateError::UnknownRoot`]) or
    /// pruned ([`StateError::Pruned`]).
    pub fn kept(&self, root: &H256) -> Result<u64, StateError> {
        self.shared.kept(root)
    }

    /// A session on the head: reads, writes, checkpoints, then
    /// [`Session::commit`] (or drop it to discard every change). Fails after
    /// a background write failed (write-behind): reopen the database.
    pub fn begin(&self) -> Result<Session<K>, StateError> {
        self.shared.store.failure()?;
        let head = self.head();
        Session::new(self.shared.clone(), head, true)
    }

    /// A read-only view of any kept root. (A view outliving its root's
    /// place in the window fails its reads once the root is pruned.)
    pub fn at(&self, root: H256) -> Result<View<K>, StateError> {
        self.shared.store.failure()?;
        let seq = self.kept(&root)?;
        Ok(View::new(Session::new(
            self.shared.clone(),
            Head { seq, root },
            false,
        )?))
    }

    /// Events of committed blocks that are still kept (a time-to-live
    /// not yet passed), as `query` asks (see [`crate::events`]).
    pub fn events(
        &self,
        query: &crate::events::EventQuery,
    ) -> Result<Vec<crate::events::IndexedEvent>, StateError> {
        crate::events::query(&self.shared.store, query)
    }

    /// The block committed at `height` ([`Session::commit_block`]), if one
    /// was.
    pub fn block(&self, height: u64) -> Result<Option<crate::BlockMeta>, StateError> {
        meta::block_at(&self.shared.store, height)
    }

    /// Makes `root` the head, in one write with `batch`: for a state that
    /// arrived by snapshot sync, every node of which the caller has stored
    /// and verified (`check` walks it again). The root node must be in the
    /// store (any root but the empty world's). The new head is the next
    /// commit in the sequence, so every earlier root stays readable.
    pub fn adopt(&self, root: H256, batch: WriteBatch) -> Result<Head, StateError> {
        self.shared.store.failure()?;
        let stored = |r: &H256| self.shared.store.get(Column::Nodes, r.as_bytes());
        if root != svm_trie::EMPTY_ROOT && stored(&root)?.is_none() {
            return Err(StateError::UnknownRoot(root));
        }
        let mut head = self.shared.head();
        let new_head = Head {
            seq: head.seq + 1,
            root,
        };
        let mut batch = batch;
        let pruning = self.shared.pruning();
        let root_is_new = pruning.is_some() || self.seq_of(&root)?.is_none();
        meta::put_head(&mut batch, &new_head, root_is_new);
        let mut kept_from = None;
        if let Some(keep) = pruning {
            let stats = prune::plan_adopt(&self.shared, keep, head.root, new_head, &mut batch)?;
            kept_from = Some(stats.kept_from);
        }
        self.shared.record_history(&mut batch);
        self.shared.store.write(batch, &svm_trie::NodeSet::new())?;
        self.shared.written(kept_from);
        *head = new_head;
        Ok(new_head)
    }

    /// Stored code by hash (checked against the hash).
    pub fn code(&self, hash: &H256) -> Result<Option<Vec<u8>>, StateError> {
        Ok(get_code(&self.shared.store, hash)?)
    }

    /// Waits until every commit is written (with write-behind on); reports a
    /// failed background write.
    pub fn flush(&self) -> Result<(), StateError> {
        Ok(self.shared.store.flush()?)
    }

    /// The key-value store below (without a commit still being written).
    pub fn kv(&self) -> &K {
        self.shared.store.kv()
    }

    /// The store below the state: trie nodes, code and metadata, with the
    /// node cache (a `NodeStore` for svm-trie's provers).
    pub fn store(&self) -> &Store<K> {
        &self.shared.store
    }

    /// Node cache counters.
    pub fn cache_stats(&self) -> CacheStats {
        self.shared.store.stats()
    }
}
