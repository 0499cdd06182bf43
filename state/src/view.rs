//! A read-only view of the state at any committed root: what
//! [`crate::StateDb::at`] returns. It has no method that writes, so writing
//! to a past root does not compile.

use std::sync::Arc;

use primitive_types::H256;

use crate::kv::KvStore;
use crate::layout::Layout;
use crate::meta::Head;
use crate::{Account, Address, Session, SessionStats, StateError};

/// The world and contract storage as of one committed root, read-only.
/// Reads take `&mut self` because the view caches what it loaded (each page
/// is read from the store at most once).
pub struct View<K> {
    session: Session<K>,
}

impl<K: KvStore> std::fmt::Debug for View<K> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("View").field(&self.session.base()).finish()
    }
}

impl<K: KvStore> View<K> {
    pub(crate) fn new(session: Session<K>) -> Self {
        View { session }
    }

    /// The committed state the view shows.
    pub fn base(&self) -> Head {
        self.session.base()
    }

    /// Cache counters.
    pub fn stats(&self) -> SessionStats {
        self.session.stats()
    }

    /// The account at `address`, if it exists.
    pub fn account(&mut self, address: &Address) -> Result<Option<Account>, StateError> {
        self.session.account(address)
    }

    /// The code stored under `hash`.
    pub fn code(&self, hash: &H256) -> Result<Option<Vec<u8>>, StateError> {
        self.session.code(hash)
    }

    /// The storage layout of the contract at `address`.
    pub fn layout(&mut self, address: &Address) -> Result<Arc<Layout>, StateError> {
        self.session.layout(address)
    }

    /// The bytes of variable `index` of the contract at `address`.
    pub fn variable(&mut self, address: &Address, index: u32) -> Result<&[u8], StateError> {
        self.session.variable(address, index)
    }

    /// Page `index` of the contract at `address` (all zeros if never
    /// written).
    pub fn page(&mut self, address: &Address, index: u32) -> Result<Vec<u8>, StateError> {
        self.session.page(address, index)
    }
}
