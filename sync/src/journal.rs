//! The sync journal: what a syncing node still has to fetch, kept in the
//! state database's metadata column and changed only in the write batch
//! that stores the verified data it describes. Killed at any moment, a
//! sync resumes from the journal without refetching what it wrote.
//!
//! Keys (all in [`Column::Meta`]):
//! - `sync/root` → the root being synced (32 bytes);
//! - `sync/t/` ‖ trie id (32) ‖ from → a range still to fetch: trie root
//!   (32) ‖ end flag (`0x00` to the end, `0x01` ‖ u16 length ‖ last key) ‖
//!   trie kind;
//! - `sync/c/` ‖ code hash → code still to fetch (empty value);
//! - `sync/s/` ‖ trie id → how many ranges of the trie are open (u32; 0
//!   once it is complete): every trie found, so each is fetched once;
//! - `sync/n` → counters ([`Stats`]).

use primitive_types::H256;
use svm_state::StateDb;
use svm_state::kv::{Column, KvError, KvStore, WriteBatch};

use crate::kind::{TrieKind, TrieRef};
use crate::plan::Task;

const ROOT: &[u8] = b"sync/root";
const TASKS: &[u8] = b"sync/t/";
const CODE: &[u8] = b"sync/c/";
const SEEN: &[u8] = b"sync/s/";
const STATS: &[u8] = b"sync/n";
/// Everything the journal holds starts with this.
const ALL: &[u8] = b"sync/";

/// The journal's contents do not decode: the database is damaged.
#[derive(Debug, thiserror::Error)]
pub enum JournalError {
    /// An entry does not decode.
    #[error("the sync journal is corrupt ({0})")]
    Corrupt(&'static str),
    /// The store failed.
    #[error(transparent)]
    Kv(#[from] KvError),
}

/// Sync counters, kept with the journal so a resumed sync counts on.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct Stats {
    /// Entries verified and written.
    pub entries: u64,
    /// Bytes of those entries (keys and values).
    pub entry_bytes: u64,
    /// Bytes of the answers they came in (entries and proofs).
    pub wire_bytes: u64,
    /// Tries found (the world trie included).
    pub tries_found: u64,
    /// Tries complete.
    pub tries_done: u64,
    /// Contract codes fetched.
    pub code: u64,
    /// Chunks verified and written.
    pub chunks: u64,
}

impl Stats {
    fn encode(&self) -> Vec<u8> {
        [
            self.entries,
            self.entry_bytes,
            self.wire_bytes,
            self.tries_found,
            self.tries_done,
            self.code,
            self.chunks,
        ]
        .iter()
        .flat_map(|n| n.to_be_bytes())
        .collect()
    }

    fn decode(b: &[u8]) -> Result<Self, JournalError> {
        if b.len() != 56 {
            return Err(JournalError::Corrupt("counters"));
        }
        let n = |i: usize| {
            let mut w = [0u8; 8];
            w.copy_from_slice(&b[i * 8..i * 8 + 8]);
            u64::from_be_bytes(w)
        };
        Ok(Stats {
            entries: n(0),
            entry_bytes: n(1),
            wire_bytes: n(2),
            tries_found: n(3),
            tries_done: n(4),
            code: n(5),
            chunks: n(6),
        })
    }
}

/// A task's journal key.
pub(crate) fn task_key(task: &Task) -> Vec<u8> {
    [TASKS, task.trie.id().as_bytes(), &task.from].concat()
}

fn task_value(task: &Task) -> Vec<u8> {
    let mut v = task.trie.root.as_bytes().to_vec();
    match &task.to {
        None => v.push(0),
        Some(to) => {
            v.push(1);
            v.extend_from_slice(&(to.len() as u16).to_be_bytes());
            v.extend_from_slice(to);
        }
    }
    v.extend_from_slice(&task.trie.kind.encode());
    v
}

fn decode_task(key: &[u8], value: &[u8]) -> Result<Task, JournalError> {
    let bad = || JournalError::Corrupt("a range entry");
    let from = key.get(TASKS.len() + 32..).ok_or_else(bad)?.to_vec();
    let (root, rest) = value.split_at_checked(32).ok_or_else(bad)?;
    let (to, kind) = match rest.split_first().ok_or_else(bad)? {
        (0, kind) => (None, kind),
        (1, rest) => {
            let (len, rest) = rest.split_at_checked(2).ok_or_else(bad)?;
            let len = usize::from(u16::from_be_bytes([len[0], len[1]]));
            let (to, kind) = rest.split_at_checked(len).ok_or_else(bad)?;
            (Some(to.to_vec()), kind)
        }
        _ => return Err(bad()),
    };
    let trie = TrieRef {
        root: H256::from_slice(root),
        kind: TrieKind::decode(kind).map_err(|_| bad())?,
    };
    let task = Task { trie, from, to };
    if task_key(&task) != key {
        return Err(bad());
    }
    Ok(task)
}

fn seen_key(id: &H256) -> Vec<u8> {
    [SEEN, id.as_bytes()].concat()
}

fn code_key(hash: &H256) -> Vec<u8> {
    [CODE, hash.as_bytes()].concat()
}

/// The journal of one state database.
pub(crate) struct Journal<'a, K> {
    db: &'a StateDb<K>,
}

impl<'a, K: KvStore> Journal<'a, K> {
    pub(crate) fn new(db: &'a StateDb<K>) -> Self {
        Journal { db }
    }

    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, JournalError> {
        Ok(self.db.store().get(Column::Meta, key)?)
    }

    /// The root a sync in progress is after.
    pub(crate) fn target(&self) -> Result<Option<H256>, JournalError> {
        match self.get(ROOT)? {
            None => Ok(None),
            Some(b) if b.len() == 32 => Ok(Some(H256::from_slice(&b))),
            Some(_) => Err(JournalError::Corrupt("target root")),
        }
    }

    /// The counters.
    pub(crate) fn stats(&self) -> Result<Stats, JournalError> {
        self.get(STATS)?
            .map_or(Ok(Stats::default()), |b| Stats::decode(&b))
    }

    /// Starts a sync of `root` (not the empty root): the world trie is the
    /// one range to fetch.
    pub(crate) fn start(&self, root: H256) -> Result<(), JournalError> {
        let world = TrieRef {
            root,
            kind: TrieKind::World,
        };
        let mut batch = WriteBatch::new();
        batch.put(Column::Meta, ROOT, root.as_bytes());
        put_task(&mut batch, &Task::whole(world.clone()));
        batch.put(Column::Meta, &seen_key(&world.id()), &1u32.to_be_bytes());
        let stats = Stats {
            tries_found: 1,
            ..Stats::default()
        };
        batch.put(Column::Meta, STATS, &stats.encode());
        self.db.store().write(batch, &svm_trie::NodeSet::new())?;
        Ok(())
    }

    /// Up to `limit` ranges still to fetch, after journal key `after`.
    pub(crate) fn tasks(
        &self,
        after: Option<&[u8]>,
        limit: usize,
    ) -> Result<Vec<(Vec<u8>, Task)>, JournalError> {
        self.db
            .store()
            .scan(Column::Meta, TASKS, after, limit)?
            .into_iter()
            .map(|(k, v)| decode_task(&k, &v).map(|t| (k, t)))
            .collect()
    }

    /// Up to `limit` codes still to fetch, after code hash `after`.
    pub(crate) fn code(
        &self,
        after: Option<&H256>,
        limit: usize,
    ) -> Result<Vec<H256>, JournalError> {
        let after = after.map(code_key);
        self.db
            .store()
            .scan(Column::Meta, CODE, after.as_deref(), limit)?
            .into_iter()
            .map(|(k, _)| match k.get(CODE.len()..) {
                Some(h) if h.len() == 32 => Ok(H256::from_slice(h)),
                _ => Err(JournalError::Corrupt("a code entry")),
            })
            .collect()
    }

    /// Whether range `key` is still to fetch.
    pub(crate) fn has_task(&self, key: &[u8]) -> Result<bool, JournalError> {
        Ok(self.get(key)?.is_some())
    }

    /// Whether code `hash` is to fetch.
    pub(crate) fn wants_code(&self, hash: &H256) -> Result<bool, JournalError> {
        Ok(self.get(&code_key(hash))?.is_some())
    }

    /// How many ranges of trie `id` are open, if the trie was found.
    pub(crate) fn open_ranges(&self, id: &H256) -> Result<Option<u32>, JournalError> {
        match self.get(&seen_key(id))? {
            None => Ok(None),
            Some(b) => {
                let b: [u8; 4] = b[..]
                    .try_into()
                    .map_err(|_| JournalError::Corrupt("a trie entry"))?;
                Ok(Some(u32::from_be_bytes(b)))
            }
        }
    }

    /// Whether nothing is left to fetch.
    pub(crate) fn is_drained(&self) -> Result<bool, JournalError> {
        Ok(self.tasks(None, 1)?.is_empty() && self.code(None, 1)?.is_empty())
    }

    /// Deletes up to `limit` journal entries other than the target root and
    /// the counters; returns how many it deleted (0: only those are left).
    pub(crate) fn clear_some(&self, limit: usize) -> Result<usize, JournalError> {
        let store = self.db.store();
        let mut batch = WriteBatch::new();
        let mut n = 0;
        let mut after: Option<Vec<u8>> = None;
        while n < limit {
            let page = store.scan(Column::Meta, ALL, after.as_deref(), limit - n)?;
            let Some(last) = page.last() else { break };
            after = Some(last.0.clone());
            for (k, _) in page {
                if k != ROOT && k != STATS {
                    batch.delete(Column::Meta, &k);
                    n += 1;
                }
            }
        }
        if n > 0 {
            store.write(batch, &svm_trie::NodeSet::new())?;
        }
        Ok(n)
    }
}

/// Adds a range to fetch.
pub(crate) fn put_task(batch: &mut WriteBatch, task: &Task) {
    batch.put(Column::Meta, &task_key(task), &task_value(task));
}

/// Removes a range fetched.
pub(crate) fn delete_task(batch: &mut WriteBatch, key: &[u8]) {
    batch.delete(Column::Meta, key);
}

/// Records how many ranges of trie `id` are open.
pub(crate) fn put_open(batch: &mut WriteBatch, id: &H256, open: u32) {
    batch.put(Column::Meta, &seen_key(id), &open.to_be_bytes());
}

/// Adds code to fetch.
pub(crate) fn put_code(batch: &mut WriteBatch, hash: &H256) {
    batch.put(Column::Meta, &code_key(hash), &[]);
}

/// Removes code fetched.
pub(crate) fn delete_code(batch: &mut WriteBatch, hash: &H256) {
    batch.delete(Column::Meta, &code_key(hash));
}

/// Records the counters.
pub(crate) fn put_stats(batch: &mut WriteBatch, stats: &Stats) {
    batch.put(Column::Meta, STATS, &stats.encode());
}

/// Ends the sync: the target root and the counters go with the head's
/// change.
pub(crate) fn finish(batch: &mut WriteBatch) {
    batch.delete(Column::Meta, ROOT);
    batch.delete(Column::Meta, STATS);
}

#[cfg(test)]
mod tests {
    use super::*;
    use svm_state::structure::{Element, Structure};

    #[test]
    fn tasks_round_trip() {
        let trie = TrieRef {
            root: H256::repeat_byte(3),
            kind: TrieKind::Structure(Structure::List(Element::Bytes)),
        };
        for (from, to) in [
            (vec![], None),
            (vec![1, 2], Some(vec![9; 40])),
            (vec![0; 33], Some(vec![])),
        ] {
            let t = Task {
                trie: trie.clone(),
                from,
                to,
            };
            assert_eq!(decode_task(&task_key(&t), &task_value(&t)).unwrap(), t);
            let v = task_value(&t);
            for cut in 0..v.len() {
                assert!(decode_task(&task_key(&t), &v[..cut]).is_err());
            }
        }
        let s = Stats {
            entries: 1,
            chunks: 7,
            ..Stats::default()
        };
        assert_eq!(Stats::decode(&s.encode()).unwrap(), s);
    }
}
