//! The stateless key-value layer: columns, atomic write batches, ordered
//! prefix iteration. Backends: [`MemoryKv`] (tests) and [`RocksKv`] (RocksDB).

mod memory;
mod rocks;

pub use memory::MemoryKv;
pub use rocks::{RocksConfig, RocksKv, RocksMemory};

/// Key-value pairs in key order.
pub type Entries = Vec<(Vec<u8>, Vec<u8>)>;

/// The columns svm keeps apart.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Column {
    /// Trie nodes by keccak256 hash.
    Nodes,
    /// Contract code by code hash.
    Code,
    /// Metadata: the head root and the list of committed roots.
    Meta,
    /// Reference counts of trie nodes, by hash (databases that prune).
    Refs,
}

impl Column {
    /// Every column, in storage order.
    pub const ALL: [Column; 4] = [Column::Nodes, Column::Code, Column::Meta, Column::Refs];

    /// The column's number in the database.
    pub fn index(self) -> u32 {
        match self {
            Column::Nodes => 0,
            Column::Code => 1,
            Column::Meta => 2,
            Column::Refs => 3,
        }
    }
}

/// A failure of the storage below.
#[derive(Debug, thiserror::Error)]
pub enum KvError {
    /// The database could not be opened.
    #[error("cannot open the database at {path}: {source}")]
    Open {
        /// Where.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// The database's files are damaged (RocksDB found a checksum
    /// mismatch or a malformed file).
    #[error("the database at {path} is corrupt: {detail}")]
    Corrupt {
        /// Where.
        path: String,
        /// RocksDB's account of the damage.
        detail: String,
    },
    /// A write to a database opened read-only.
    #[error("the database is open read-only")]
    ReadOnly,
    /// A read or write failed.
    #[error("database i/o failed: {0}")]
    Io(#[from] std::io::Error),
    /// A background write failed; the database must be reopened (its head
    /// is the last commit written).
    #[error("an earlier commit's background write failed ({0}); reopen the database")]
    WriteBehind(String),
}

/// One change in a write batch.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Change {
    /// Set a key.
    Put(Column, Vec<u8>, Vec<u8>),
    /// Delete a key.
    Delete(Column, Vec<u8>),
    /// Add to the count at a key (a minimal big-endian integer; absent is
    /// 0) without reading it first ([`WriteBatch::add_count`]).
    AddCount(Column, Vec<u8>, u64),
}

impl Change {
    /// The column and key it changes.
    pub fn place(&self) -> (Column, &[u8]) {
        match self {
            Change::Put(c, k, _) | Change::Delete(c, k) | Change::AddCount(c, k, _) => (*c, k),
        }
    }
}

/// A count as stored: minimal big-endian bytes (none for 0).
pub fn encode_count(n: u64) -> Vec<u8> {
    let bytes = n.to_be_bytes();
    let skip = bytes.iter().take_while(|b| **b == 0).count();
    bytes[skip..].to_vec()
}

/// A stored count, if canonical (at most 8 bytes, no leading zero byte).
pub fn decode_count(bytes: &[u8]) -> Option<u64> {
    if bytes.len() > 8 || bytes.first() == Some(&0) {
        return None;
    }
    Some(bytes.iter().fold(0u64, |n, &x| (n << 8) | u64::from(x)))
}

/// Changes applied all together or not at all.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct WriteBatch {
    changes: Vec<Change>,
}

impl WriteBatch {
    /// An empty batch.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets `key` in `column`.
    pub fn put(&mut self, column: Column, key: &[u8], value: &[u8]) {
        self.changes
            .push(Change::Put(column, key.to_vec(), value.to_vec()));
    }

    /// Deletes `key` from `column`.
    pub fn delete(&mut self, column: Column, key: &[u8]) {
        self.changes.push(Change::Delete(column, key.to_vec()));
    }

    /// Adds `n` to the count at `key` in `column` (see [`encode_count`]):
    /// the store adds it when it applies the batch, reading nothing before.
    /// At most one change per key in a batch may be a count change.
    pub fn add_count(&mut self, column: Column, key: &[u8], n: u64) {
        self.changes.push(Change::AddCount(column, key.to_vec(), n));
    }

    /// Adds every node of a trie commit to [`Column::Nodes`].
    pub fn put_nodes(&mut self, nodes: &svm_trie::NodeSet) {
        self.changes.reserve(nodes.len());
        for (h, n) in nodes {
            self.put(Column::Nodes, h.as_bytes(), n);
        }
    }

    /// The changes, in order.
    pub fn changes(&self) -> &[Change] {
        &self.changes
    }

    /// Number of changes.
    pub fn len(&self) -> usize {
        self.changes.len()
    }

    /// Whether the batch changes nothing.
    pub fn is_empty(&self) -> bool {
        self.changes.is_empty()
    }
}

/// A column-oriented key-value store.
pub trait KvStore: Send + Sync + 'static {
    /// The value of `key` in `column`.
    fn get(&self, column: Column, key: &[u8]) -> Result<Option<Vec<u8>>, KvError>;

    /// The values of `keys` in `column`, in order (one batched lookup
    /// where the store has one).
    fn get_many(&self, column: Column, keys: &[&[u8]]) -> Result<Vec<Option<Vec<u8>>>, KvError> {
        keys.iter().map(|k| self.get(column, k)).collect()
    }

    /// Applies every change of `batch` atomically: after a crash, either all
    /// of them are visible or none.
    fn write(&self, batch: WriteBatch) -> Result<(), KvError>;

    /// Every entry of `column` whose key starts with `prefix`, in key order.
    fn iter_prefix(&self, column: Column, prefix: &[u8]) -> Result<Entries, KvError>;

    /// One page of a prefix, in key order: at most `limit` entries of
    /// `column` whose key starts with `prefix` and is greater than `after`
    /// (from the first when `None`). Paging with the last key returned walks
    /// a prefix of any size in bounded memory.
    fn scan(
        &self,
        column: Column,
        prefix: &[u8],
        after: Option<&[u8]>,
        limit: usize,
    ) -> Result<Entries, KvError>;
}

impl<T: KvStore + ?Sized> KvStore for std::sync::Arc<T> {
    fn get(&self, column: Column, key: &[u8]) -> Result<Option<Vec<u8>>, KvError> {
        (**self).get(column, key)
    }

    fn get_many(&self, column: Column, keys: &[&[u8]]) -> Result<Vec<Option<Vec<u8>>>, KvError> {
        (**self).get_many(column, keys)
    }

    fn write(&self, batch: WriteBatch) -> Result<(), KvError> {
        (**self).write(batch)
    }

    fn iter_prefix(&self, column: Column, prefix: &[u8]) -> Result<Entries, KvError> {
        (**self).iter_prefix(column, prefix)
    }

    fn scan(
        &self,
        column: Column,
        prefix: &[u8],
        after: Option<&[u8]>,
        limit: usize,
    ) -> Result<Entries, KvError> {
        (**self).scan(column, prefix, after, limit)
    }
}
