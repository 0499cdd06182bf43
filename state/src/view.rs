//! A read-only view of the state at any committed root: what
//! [`crate::StateDb::at`] returns. It has no method that writes, so writing
//! to a past root does not compile.

use std::ops::DerefMut;
use std::sync::{Arc, Mutex, MutexGuard};

use primitive_types::H256;

use crate::kv::KvStore;
use crate::layout::Layout;
use crate::meta::Head;
use crate::structure::PathKey;
use crate::{Account, Address, Session, SessionStats, StateError, StructurePath};

/// Reads a view serves from what it loaded before it lets go of it and
/// starts again from its root (the database's node cache still holds the
/// hot nodes): what a view holds stays bounded however long it lives.
pub const VIEW_READS_PER_RESET: u32 = 4096;

/// The world and contract storage as of one committed root, read-only.
/// Reads take `&self` and the view may be shared between threads, one
/// reader at a time. It caches what it loaded (a page is read from the
/// store at most once) for [`VIEW_READS_PER_RESET`] reads, then drops
/// its caches, so a view held for days and read everywhere holds no more
/// than a few thousand reads' nodes and pages.
///
/// A view does not keep its root from being pruned: a database keeping
/// recent roots only may delete its nodes once the root leaves the window,
/// and reads then fail with [`StateError::Pruned`] (or a missing node).
pub struct View<K> {
    session: Mutex<Reader<K>>,
}

/// A view's session and the reads it served.
struct Reader<K> {
    session: Session<K>,
    reads: u32,
}

impl<K: KvStore> std::fmt::Debug for View<K> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("View").field(&self.base()).finish()
    }
}

impl<K: KvStore> View<K> {
    pub(crate) fn new(session: Session<K>) -> Self {
        View {
            session: Mutex::new(Reader { session, reads: 0 }),
        }
    }

    /// The reader behind the view. A reader that panicked left nothing
    /// half-done (reads only fill caches), so a poisoned lock is taken as is.
    fn reader(&self) -> MutexGuard<'_, Reader<K>> {
        self.session.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The session for one more read: a fresh one at the same root once
    /// the current one served [`VIEW_READS_PER_RESET`] reads.
    fn session(&self) -> Result<SessionGuard<'_, K>, StateError> {
        let mut reader = self.reader();
        if reader.reads >= VIEW_READS_PER_RESET {
            reader.session = reader.session.reopen()?;
            reader.reads = 0;
        }
        reader.reads += 1;
        Ok(SessionGuard(reader))
    }

    /// The committed state the view shows.
    pub fn base(&self) -> Head {
        self.reader().session.base()
    }

    /// Cache counters (since the view last dropped its caches).
    pub fn stats(&self) -> SessionStats {
        self.reader().session.stats()
    }

    /// The account at `address`, if it exists.
    pub fn account(&self, address: &Address) -> Result<Option<Account>, StateError> {
        self.session()?.account(address)
    }

    /// The code stored under `hash`.
    pub fn code(&self, hash: &H256) -> Result<Option<Vec<u8>>, StateError> {
        self.session()?.code(hash)
    }

    /// The storage layout of the contract at `address`.
    pub fn layout(&self, address: &Address) -> Result<Arc<Layout>, StateError> {
        self.session()?.layout(address)
    }

    /// The bytes of variable `index` of the contract at `address`.
    pub fn variable(&self, address: &Address, index: u32) -> Result<Vec<u8>, StateError> {
        Ok(self.session()?.variable(address, index)?.to_vec())
    }

    /// Page `index` of the contract at `address` (all zeros if never
    /// written).
    pub fn page(&self, address: &Address, index: u32) -> Result<Vec<u8>, StateError> {
        self.session()?.page(address, index)
    }

    /// How many elements the structure at `path` holds.
    pub fn structure_len(
        &self,
        address: &Address,
        path: &StructurePath,
    ) -> Result<u64, StateError> {
        self.session()?.structure_len(address, path)
    }

    /// The bytes of element `key` of the list or map at `path`.
    pub fn element(
        &self,
        address: &Address,
        path: &StructurePath,
        key: &PathKey,
    ) -> Result<Option<Vec<u8>>, StateError> {
        self.session()?.element(address, path, key)
    }

    /// Whether the set, sorted set or map at `path` holds `member`.
    pub fn contains(
        &self,
        address: &Address,
        path: &StructurePath,
        member: &[u8],
    ) -> Result<bool, StateError> {
        self.session()?.contains(address, path, member)
    }

    /// The first member `>= from` of the sorted set at `path`.
    pub fn next_member(
        &self,
        address: &Address,
        path: &StructurePath,
        from: &[u8],
    ) -> Result<Option<Vec<u8>>, StateError> {
        self.session()?.next_member(address, path, from)
    }

    /// The last member `<= to` of the sorted set at `path`.
    pub fn prev_member(
        &self,
        address: &Address,
        path: &StructurePath,
        to: Option<&[u8]>,
    ) -> Result<Option<Vec<u8>>, StateError> {
        self.session()?.prev_member(address, path, to)
    }
}

/// A view's session, locked for one read.
struct SessionGuard<'a, K>(MutexGuard<'a, Reader<K>>);

impl<K> std::ops::Deref for SessionGuard<'_, K> {
    type Target = Session<K>;
    fn deref(&self) -> &Session<K> {
        &self.0.session
    }
}

impl<K> DerefMut for SessionGuard<'_, K> {
    fn deref_mut(&mut self) -> &mut Session<K> {
        &mut self.0.session
    }
}
