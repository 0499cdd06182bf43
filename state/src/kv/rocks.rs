//! RocksDB (the `rocksdb` crate): one column family per [`Column`], one
//! RocksDB write batch per [`WriteBatch`], and a choice of durability.
//!
//! Column families are named `col0`, `col1`, `col2` (the names kvdb-rocksdb
//! gave them, so databases it wrote open unchanged) and `col3` (reference
//! counts, created when a database without it is opened for writing), each
//! with a block cache, bloom filters and level-style compaction sized from the
//! memory budget.

use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

use rocksdb::{
    BlockBasedOptions, Cache, ColumnFamily, ColumnFamilyDescriptor, DB, Direction, IteratorMode,
    Options, ReadOptions, WriteBufferManager, WriteOptions,
};

use super::{Change, Column, Entries, KvError, KvStore, WriteBatch, decode_count, encode_count};

/// How to open RocksDB.
#[derive(Clone, Debug)]
pub struct RocksConfig {
    /// Memory for RocksDB's block cache and write buffers, per column, in
    /// MiB: the database holds at most this times the columns (4) — one
    /// block cache of that size, with the write buffers (at most half of
    /// it) charged to it.
    pub memory_budget_mib: usize,
    /// Every how many write batches (commits) the write-ahead log is synced
    /// to the device before the write returns: 0 never (a process crash
    /// loses nothing, a power loss or kernel crash may lose the last
    /// commits but never part of one), 1 every commit (nothing acknowledged
    /// is ever lost, at the price of one fsync per commit), N every Nth
    /// commit (at most N − 1 acknowledged commits lost to a power loss).
    pub sync_every: u64,
    /// Open read-only: no lock is taken, so another process (a running
    /// node) may hold the database open for writing; this one sees it as it
    /// was when opened, and every write fails with [`KvError::ReadOnly`].
    /// A missing database is an error instead of a new, empty one.
    pub read_only: bool,
}

impl Default for RocksConfig {
    fn default() -> Self {
        RocksConfig {
            memory_budget_mib: 128,
            sync_every: 0,
            read_only: false,
        }
    }
}

/// A RocksDB database with svm's columns.
pub struct RocksKv {
    db: DB,
    read: ReadOptions,
    sync_every: u64,
    read_only: bool,
    writes: AtomicU64,
}

impl std::fmt::Debug for RocksKv {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RocksKv")
    }
}

const MIB: usize = 1 << 20;

/// What RocksDB holds in memory ([`RocksKv::memory`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RocksMemory {
    /// The block cache's usage (write buffers charged to it included).
    pub block_cache: u64,
    /// The write buffers (memtables) of every column.
    pub memtables: u64,
}

/// The write-ahead log's bound on disk.
const MAX_WAL_BYTES: u64 = 64 << 20;

fn name(column: Column) -> String {
    format!("col{}", column.index())
}

fn io(e: rocksdb::Error) -> KvError {
    KvError::Io(std::io::Error::other(e.into_string()))
}

/// An error opening the database at `path`: RocksDB's corruption errors
/// (a damaged file, a checksum mismatch) say so, whatever their wording.
fn open_error(path: &Path, e: rocksdb::Error) -> KvError {
    let path = path.display().to_string();
    if e.kind() == rocksdb::ErrorKind::Corruption {
        KvError::Corrupt {
            path,
            detail: e.into_string(),
        }
    } else {
        KvError::Open {
            path,
            source: std::io::Error::other(e.into_string()),
        }
    }
}

/// The merge operator of counts: the sum of the stored count and the
/// added ones (all minimal big-endian integers); `None` (RocksDB reports a
/// corruption) if one is malformed.
fn add_counts(
    _key: &[u8],
    existing: Option<&[u8]>,
    operands: &rocksdb::MergeOperands,
) -> Option<Vec<u8>> {
    let mut sum = existing.map_or(Some(0), decode_count)?;
    for op in operands {
        sum = sum.saturating_add(decode_count(op)?);
    }
    Some(encode_count(sum))
}

impl RocksKv {
    /// Opens (creating if needed, unless read-only) the database in
    /// directory `path`.
    pub fn open(path: &Path, config: &RocksConfig) -> Result<Self, KvError> {
        let budget = config.memory_budget_mib * MIB;
        let mut opts = Options::default();
        opts.create_if_missing(!config.read_only);
        opts.create_missing_column_families(!config.read_only);
        opts.set_max_open_files(512);
        opts.set_bytes_per_sync(MIB as u64);
        opts.set_keep_log_file_num(1);
        // A write-ahead log file is deleted only once every column's
        // memtable holding its writes is flushed; columns written little
        // (code, metadata, counts) would keep every log alive and the logs
        // would grow without bound. Past this size, the columns holding the
        // oldest log are flushed.
        opts.set_max_total_wal_size(MAX_WAL_BYTES);
        opts.increase_parallelism(
            std::thread::available_parallelism().map_or(1, |n| (n.get() / 2).max(1)) as i32,
        );
        let mut block = BlockBasedOptions::default();
        block.set_block_size(16 * 1024);
        block.set_format_version(5);
        block.set_block_restart_interval(16);
        // One bound for all of RocksDB's memory: a block cache of the whole
        // budget holding blocks, index and filters, with the write buffers
        // (at most half the budget) charged to it. Without the charge each
        // column's memtables come on top (up to 6 × budget/4 each), and
        // index and filter blocks outside a cache grow with the data.
        let total = budget * Column::ALL.len();
        let mut buffers = None;
        if total == 0 {
            block.disable_cache();
        } else {
            let cache = Cache::new_lru_cache(total);
            block.set_block_cache(&cache);
            block.set_cache_index_and_filter_blocks(true);
            block.set_pin_l0_filter_and_index_blocks_in_cache(true);
            buffers = Some(WriteBufferManager::new_write_buffer_manager_with_cache(
                total / 2,
                false,
                cache,
            ));
        }
        if let Some(w) = &buffers {
            opts.set_write_buffer_manager(w);
        }
        block.set_bloom_filter(10.0, true);
        // Read-only, a database written before a column existed opens
        // without it (reads of it find nothing).
        let existing = if config.read_only {
            DB::list_cf(&opts, path).map_err(|e| open_error(path, e))?
        } else {
            Column::ALL.iter().map(|c| name(*c)).collect()
        };
        let columns = Column::ALL
            .iter()
            .filter(|c| existing.contains(&name(**c)))
            .map(|c| {
                let mut o = Options::default();
                o.set_level_compaction_dynamic_level_bytes(true);
                o.set_block_based_table_factory(&block);
                o.optimize_level_style_compaction(budget);
                o.set_target_file_size_base(64 * MIB as u64);
                o.set_compression_per_level(&[]);
                if *c == Column::Refs {
                    o.set_merge_operator_associative("svm-count-add", add_counts);
                }
                ColumnFamilyDescriptor::new(name(*c), o)
            })
            .collect::<Vec<_>>();
        let db = if config.read_only {
            DB::open_cf_descriptors_read_only(&opts, path, columns, false)
        } else {
            DB::open_cf_descriptors(&opts, path, columns)
        }
        .map_err(|e| open_error(path, e))?;
        let mut read = ReadOptions::default();
        read.set_verify_checksums(false);
        Ok(RocksKv {
            db,
            read,
            sync_every: config.sync_every,
            read_only: config.read_only,
            writes: AtomicU64::new(0),
        })
    }

    fn cf(&self, column: Column) -> Result<&ColumnFamily, KvError> {
        self.db
            .cf_handle(&name(column))
            .ok_or_else(|| KvError::Io(std::io::Error::other("a column family is missing")))
    }

    /// The column family, if the database has it (a read-only open of a
    /// database written before the column existed has not).
    fn cf_if_any(&self, column: Column) -> Option<&ColumnFamily> {
        self.db.cf_handle(&name(column))
    }

    /// Bytes RocksDB holds in memory now: the block cache (blocks, index
    /// and filters, and the write buffers charged to it) and the write
    /// buffers themselves.
    pub fn memory(&self) -> RocksMemory {
        let int = |cf: &ColumnFamily, name: &str| {
            self.db
                .property_int_value_cf(cf, name)
                .ok()
                .flatten()
                .unwrap_or(0)
        };
        let mut memory = RocksMemory::default();
        for c in Column::ALL {
            if let Some(cf) = self.cf_if_any(c) {
                // One cache for every column.
                memory.block_cache = int(cf, "rocksdb.block-cache-usage");
                memory.memtables += int(cf, "rocksdb.cur-size-all-mem-tables");
            }
        }
        memory
    }

    /// Compacts every column fully: what deletes and overwrites left behind
    /// is dropped from disk now rather than whenever RocksDB would.
    pub fn compact(&self) -> Result<(), KvError> {
        for c in Column::ALL {
            if let Some(cf) = self.cf_if_any(c) {
                self.db.compact_range_cf(cf, None::<&[u8]>, None::<&[u8]>);
            }
        }
        Ok(())
    }

    /// Syncs the write-ahead log to the device: every write before it
    /// survives a power loss.
    pub fn sync(&self) -> Result<(), KvError> {
        if self.read_only {
            return Ok(());
        }
        self.db.flush_wal(true).map_err(io)
    }
}

impl KvStore for RocksKv {
    fn get(&self, column: Column, key: &[u8]) -> Result<Option<Vec<u8>>, KvError> {
        let Some(cf) = self.cf_if_any(column) else {
            return Ok(None);
        };
        self.db.get_cf_opt(cf, key, &self.read).map_err(io)
    }

    fn get_many(&self, column: Column, keys: &[&[u8]]) -> Result<Vec<Option<Vec<u8>>>, KvError> {
        let Some(cf) = self.cf_if_any(column) else {
            return Ok(vec![None; keys.len()]);
        };
        self.db
            .batched_multi_get_cf_opt(cf, keys.iter().copied(), false, &self.read)
            .into_iter()
            .map(|r| r.map(|v| v.map(|v| v.to_vec())).map_err(io))
            .collect()
    }

    fn write(&self, batch: WriteBatch) -> Result<(), KvError> {
        if self.read_only {
            return Err(KvError::ReadOnly);
        }
        let mut b = rocksdb::WriteBatch::default();
        let mut changes = batch.changes;
        // In key order (stable: changes to one key keep their order), each
        // memtable insert starts next to the one before it; in hash order
        // every insert searches the skip list from its top.
        changes.sort_by(|x, y| x.place().cmp(&y.place()));
        for change in changes {
            match change {
                Change::Put(c, k, v) => b.put_cf(self.cf(c)?, k, v),
                Change::Delete(c, k) => b.delete_cf(self.cf(c)?, k),
                Change::AddCount(c, k, n) => b.merge_cf(self.cf(c)?, k, encode_count(n)),
            }
        }
        let n = self.writes.fetch_add(1, Ordering::Relaxed) + 1;
        let mut opts = WriteOptions::default();
        opts.set_sync(self.sync_every > 0 && n.is_multiple_of(self.sync_every));
        self.db.write_opt(b, &opts).map_err(io)
    }

    fn iter_prefix(&self, column: Column, prefix: &[u8]) -> Result<Entries, KvError> {
        let mode = IteratorMode::From(prefix, Direction::Forward);
        let mut out = Vec::new();
        let Some(cf) = self.cf_if_any(column) else {
            return Ok(out);
        };
        for entry in self.db.iterator_cf(cf, mode) {
            let (k, v) = entry.map_err(io)?;
            if !k.starts_with(prefix) {
                break;
            }
            out.push((k.into_vec(), v.into_vec()));
        }
        Ok(out)
    }

    fn scan(
        &self,
        column: Column,
        prefix: &[u8],
        after: Option<&[u8]>,
        limit: usize,
    ) -> Result<Entries, KvError> {
        let from = match after {
            Some(a) if a > prefix => a,
            _ => prefix,
        };
        let mode = IteratorMode::From(from, Direction::Forward);
        let mut out = Vec::new();
        let Some(cf) = self.cf_if_any(column) else {
            return Ok(out);
        };
        for entry in self.db.iterator_cf(cf, mode) {
            if out.len() >= limit {
                break;
            }
            let (k, v) = entry.map_err(io)?;
            if !k.starts_with(prefix) {
                break;
            }
            if after.is_some_and(|a| &k[..] <= a) {
                continue;
            }
            out.push((k.into_vec(), v.into_vec()));
        }
        Ok(out)
    }
}
