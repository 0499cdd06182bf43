//! An in-memory key-value store, for tests.

use std::collections::BTreeMap;
use std::sync::RwLock;

use super::{Change, Column, Entries, KvError, KvStore, WriteBatch, decode_count, encode_count};

/// Every column's entries, ordered by (column, key).
type Map = BTreeMap<(Column, Vec<u8>), Vec<u8>>;

/// Ordered maps per column behind a lock.
#[derive(Debug, Default)]
pub struct MemoryKv {
    data: RwLock<Map>,
}

impl MemoryKv {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Map> {
        // A panic while holding the lock cannot leave a half-applied batch
        // (batches are applied from a fully built list), so poisoning is moot.
        self.data.read().unwrap_or_else(|e| e.into_inner())
    }
}

impl KvStore for MemoryKv {
    fn get(&self, column: Column, key: &[u8]) -> Result<Option<Vec<u8>>, KvError> {
        Ok(self.read().get(&(column, key.to_vec())).cloned())
    }

    fn write(&self, batch: WriteBatch) -> Result<(), KvError> {
        let mut data = self.data.write().unwrap_or_else(|e| e.into_inner());
        for change in batch.changes {
            match change {
                Change::Put(c, k, v) => {
                    data.insert((c, k), v);
                }
                Change::Delete(c, k) => {
                    data.remove(&(c, k));
                }
                Change::AddCount(c, k, n) => {
                    let key = (c, k);
                    let old = match data.get(&key) {
                        None => 0,
                        Some(v) => decode_count(v).ok_or_else(|| {
                            KvError::Io(std::io::Error::other("a stored count is malformed"))
                        })?,
                    };
                    data.insert(key, encode_count(old.saturating_add(n)));
                }
            }
        }
        Ok(())
    }

    fn iter_prefix(&self, column: Column, prefix: &[u8]) -> Result<Entries, KvError> {
        Ok(self
            .read()
            .range((column, prefix.to_vec())..)
            .take_while(|((c, k), _)| *c == column && k.starts_with(prefix))
            .map(|((_, k), v)| (k.clone(), v.clone()))
            .collect())
    }

    fn scan(
        &self,
        column: Column,
        prefix: &[u8],
        after: Option<&[u8]>,
        limit: usize,
    ) -> Result<Entries, KvError> {
        use std::ops::Bound;
        let lower = match after {
            Some(a) if a >= prefix => Bound::Excluded((column, a.to_vec())),
            _ => Bound::Included((column, prefix.to_vec())),
        };
        Ok(self
            .read()
            .range((lower, Bound::Unbounded))
            .take_while(|((c, k), _)| *c == column && k.starts_with(prefix))
            .take(limit)
            .map(|((_, k), v)| (k.clone(), v.clone()))
            .collect())
    }
}
