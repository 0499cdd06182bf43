//! The world trie: keccak256(address) → account, Ethereum's state trie layout.

use primitive_types::{H160, H256};
use svm_trie::{Commit, NodeStore, TrieError, TrieMut};

use crate::{Account, AccountError};

/// A 20-byte account address.
pub type Address = H160;

/// Why a world-state operation failed.
#[derive(Debug, thiserror::Error)]
pub enum WorldError {
    /// The trie below failed (missing or corrupt node, store error).
    #[error(transparent)]
    Trie(#[from] TrieError),
    /// A stored account does not decode.
    #[error("account {address:#x} is corrupt: {source}")]
    CorruptAccount {
        /// The account's address.
        address: Address,
        /// What is wrong.
        source: AccountError,
    },
}

/// The world-trie key of an address: keccak256 of its 20 bytes
/// ([`svm_format::world_key`]).
pub fn account_key(address: &Address) -> H256 {
    H256(svm_format::world_key(&address.0))
}

/// The world state at a root, with pending account changes.
#[derive(Debug)]
pub struct World<S> {
    trie: TrieMut<S>,
}

impl<S: NodeStore> World<S> {
    /// The empty world.
    pub fn new(store: S) -> Self {
        World {
            trie: TrieMut::new(store),
        }
    }

    /// The world at `root`; an unknown root is [`TrieError::MissingNode`].
    pub fn open(store: S, root: H256) -> Result<Self, WorldError> {
        Ok(World {
            trie: TrieMut::open(store, root)?,
        })
    }

    /// The account at `address`, if it exists.
    pub fn account(&mut self, address: &Address) -> Result<Option<Account>, WorldError> {
        let Some(bytes) = self.trie.get(account_key(address).as_bytes())? else {
            return Ok(None);
        };
        Account::decode(&bytes)
            .map(Some)
            .map_err(|source| WorldError::CorruptAccount {
                address: *address,
                source,
            })
    }

    /// Creates or replaces the account at `address`.
    pub fn set_account(&mut self, address: &Address, account: &Account) -> Result<(), WorldError> {
        Ok(self
            .trie
            .insert(account_key(address).as_bytes(), &account.encode())?)
    }

    /// Deletes the account at `address`.
    pub fn remove_account(&mut self, address: &Address) -> Result<(), WorldError> {
        Ok(self.trie.remove(account_key(address).as_bytes())?)
    }

    /// Hashes the changes: the new world root and the new nodes to persist.
    pub fn commit(&mut self) -> Result<Commit, WorldError> {
        Ok(self.trie.commit()?)
    }
}
