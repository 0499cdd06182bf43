//! RocksDB through `kvdb-rocksdb`: one column family per [`Column`], one
//! RocksDB write batch per [`WriteBatch`].

use std::path::Path;

use kvdb::KeyValueDB;
use kvdb_rocksdb::{Database, DatabaseConfig};

use super::{Change, Column, Entries, KvError, KvStore, WriteBatch};

/// How to open RocksDB.
#[derive(Clone, Debug)]
pub struct RocksConfig {
    /// Memory for block cache and write buffers, per column, in MiB.
    pub memory_budget_mib: usize,
}

impl Default for RocksConfig {
    fn default() -> Self {
        RocksConfig {
            memory_budget_mib: 128,
        }
    }
}

/// A RocksDB database with svm's columns.
pub struct RocksKv {
    db: Database,
}

impl std::fmt::Debug for RocksKv {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RocksKv")
    }
}

impl RocksKv {
    /// Opens (creating if needed) the database in directory `path`.
    pub fn open(path: &Path, config: &RocksConfig) -> Result<Self, KvError> {
        let mut db_config = DatabaseConfig::with_columns(Column::ALL.len() as u32);
        for c in Column::ALL {
            db_config
                .memory_budget
                .insert(c.index(), config.memory_budget_mib);
        }
        let db = Database::open(&db_config, path).map_err(|source| KvError::Open {
            path: path.display().to_string(),
            source,
        })?;
        Ok(RocksKv { db })
    }
}

impl KvStore for RocksKv {
    fn get(&self, column: Column, key: &[u8]) -> Result<Option<Vec<u8>>, KvError> {
        Ok(self.db.get(column.index(), key)?)
    }

    fn write(&self, batch: WriteBatch) -> Result<(), KvError> {
        let mut tx = self.db.transaction();
        for change in batch.changes {
            match change {
                Change::Put(c, k, v) => tx.put_vec(c.index(), &k, v),
                Change::Delete(c, k) => tx.delete(c.index(), &k),
            }
        }
        Ok(self.db.write(tx)?)
    }

    fn iter_prefix(&self, column: Column, prefix: &[u8]) -> Result<Entries, KvError> {
        KeyValueDB::iter_with_prefix(&self.db, column.index(), prefix)
            .map(|r| r.map(|(k, v)| (k.to_vec(), v)).map_err(KvError::from))
            .collect()
    }
}
