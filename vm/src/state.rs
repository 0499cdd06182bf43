//! The VM's one door to the state: what executing a transaction may do to
//! it — accounts and balances, code, a contract's variables, and nested
//! checkpoints. The VM runs transactions against any [`ContractState`]; a
//! [`Session`] of svm-state is one. Contract-to-contract calls and embedders
//! build on this seam rather than on a concrete session.

use std::sync::Arc;

use primitive_types::{H256, U256};
use svm_state::kv::KvStore;
use svm_state::layout::Layout;
use svm_state::structure::PathKey;
use svm_state::{Account, Address, EntryPage, Session, StateError, StructurePath};

/// What a transaction's execution may do to the state. Every change lands
/// at the innermost open checkpoint; reverting a checkpoint undoes exactly
/// what happened since it was opened.
pub trait ContractState: Send + 'static {
    /// The account at `address`, if any.
    fn account(&mut self, address: &Address) -> Result<Option<Account>, StateError>;
    /// Creates an account holding `balance` (an existing one is an error).
    fn create_account(&mut self, address: &Address, balance: U256) -> Result<(), StateError>;
    /// Creates a contract with `code` (whose layout section declares its
    /// variables) and `balance`; returns the code hash.
    fn create_contract(
        &mut self,
        address: &Address,
        code: &[u8],
        balance: U256,
    ) -> Result<H256, StateError>;
    /// Creates a contract running the code already stored under
    /// `code_hash` (a template's), with `balance`.
    fn create_contract_from(
        &mut self,
        address: &Address,
        code_hash: &H256,
        balance: U256,
    ) -> Result<(), StateError>;
    /// Adds one to the account's nonce; returns the new nonce.
    fn increment_nonce(&mut self, address: &Address) -> Result<u64, StateError>;
    /// Moves `amount` from `from` to `to` (creating `to` if it receives
    /// something and does not exist).
    fn transfer(&mut self, from: &Address, to: &Address, amount: U256) -> Result<(), StateError>;
    /// The code with this hash, checked against it.
    fn code(&self, hash: &H256) -> Result<Option<Vec<u8>>, StateError>;
    /// The storage layout of the contract at `address`.
    fn layout(&mut self, address: &Address) -> Result<Arc<Layout>, StateError>;
    /// The bytes of the contract's variable `index`.
    fn variable(&mut self, address: &Address, index: u32) -> Result<&[u8], StateError>;
    /// Sets the contract's variable `index` (exactly its length).
    fn write_variable(
        &mut self,
        address: &Address,
        index: u32,
        bytes: &[u8],
    ) -> Result<(), StateError>;
    /// How many elements the structure at `path` of contract `address`
    /// holds (structures: see svm-state's `Session`).
    fn structure_len(&mut self, address: &Address, path: &StructurePath)
    -> Result<u64, StateError>;
    /// Element `key` of the list or map of bytes at `path`.
    fn element(
        &mut self,
        address: &Address,
        path: &StructurePath,
        key: &PathKey,
    ) -> Result<Option<Vec<u8>>, StateError>;
    /// Sets element `key` of the list (below its length) or map at `path`.
    fn set_element(
        &mut self,
        address: &Address,
        path: &StructurePath,
        key: &PathKey,
        value: &[u8],
    ) -> Result<(), StateError>;
    /// Appends `value` to the list of bytes at `path`; returns its index.
    fn push(
        &mut self,
        address: &Address,
        path: &StructurePath,
        value: &[u8],
    ) -> Result<u64, StateError>;
    /// Appends an empty structure to the list at `path`; returns its index.
    fn push_structure(
        &mut self,
        address: &Address,
        path: &StructurePath,
    ) -> Result<u64, StateError>;
    /// Removes the last element of the list at `path`; `false` if empty.
    fn pop(&mut self, address: &Address, path: &StructurePath) -> Result<bool, StateError>;
    /// Removes entry or member `key` of the map or set at `path`.
    fn remove(
        &mut self,
        address: &Address,
        path: &StructurePath,
        key: &[u8],
    ) -> Result<bool, StateError>;
    /// Adds `member` to the set or sorted set at `path`; `false` if present.
    fn insert(
        &mut self,
        address: &Address,
        path: &StructurePath,
        member: &[u8],
    ) -> Result<bool, StateError>;
    /// Whether the map, set or sorted set at `path` holds `key`.
    fn contains(
        &mut self,
        address: &Address,
        path: &StructurePath,
        key: &[u8],
    ) -> Result<bool, StateError>;
    /// Empties the structure at `path` in O(1).
    fn clear(&mut self, address: &Address, path: &StructurePath) -> Result<(), StateError>;
    /// Up to `limit` entries of the structure at `path` from trie key `from`.
    fn entries(
        &mut self,
        address: &Address,
        path: &StructurePath,
        from: &[u8],
        limit: usize,
    ) -> Result<EntryPage, StateError>;
    /// The first member `>= from` of the sorted set at `path`.
    fn next_member(
        &mut self,
        address: &Address,
        path: &StructurePath,
        from: &[u8],
    ) -> Result<Option<Vec<u8>>, StateError>;
    /// The last member `<= to` of the sorted set at `path`.
    fn prev_member(
        &mut self,
        address: &Address,
        path: &StructurePath,
        to: &[u8],
    ) -> Result<Option<Vec<u8>>, StateError>;
    /// How many trie nodes a look-up of `trie_key` passes in the structure
    /// at `path` (what gas prices; independent of caches).
    fn structure_path_nodes(
        &mut self,
        address: &Address,
        path: &StructurePath,
        trie_key: &[u8],
    ) -> Result<u32, StateError>;
    /// How many trie nodes a look-up of element `key` passes in the
    /// structure at `path`.
    fn element_path_nodes(
        &mut self,
        address: &Address,
        path: &StructurePath,
        key: &PathKey,
    ) -> Result<u32, StateError>;
    /// Writes changed nested structures into their parents (before every
    /// transaction, so what one costs never depends on the ones before).
    fn sync_structures(&mut self) -> Result<usize, StateError>;
    /// Opens a checkpoint; returns how many are open.
    fn checkpoint(&mut self) -> usize;
    /// Keeps what happened since the innermost checkpoint (merged into the
    /// one around it) and closes it.
    fn commit_checkpoint(&mut self) -> Result<(), StateError>;
    /// Undoes what happened since the innermost checkpoint and closes it.
    fn revert_checkpoint(&mut self) -> Result<(), StateError>;
}

impl<K: KvStore> ContractState for Session<K> {
    fn account(&mut self, address: &Address) -> Result<Option<Account>, StateError> {
        Session::account(self, address)
    }
    fn create_account(&mut self, address: &Address, balance: U256) -> Result<(), StateError> {
        Session::create_account(self, address, balance)
    }
    fn create_contract(
        &mut self,
        address: &Address,
        code: &[u8],
        balance: U256,
    ) -> Result<H256, StateError> {
        Session::create_contract(self, address, code, balance)
    }
    fn create_contract_from(
        &mut self,
        address: &Address,
        code_hash: &H256,
        balance: U256,
    ) -> Result<(), StateError> {
        Session::create_contract_from(self, address, code_hash, balance)
    }
    fn increment_nonce(&mut self, address: &Address) -> Result<u64, StateError> {
        Session::increment_nonce(self, address)
    }
    fn transfer(&mut self, from: &Address, to: &Address, amount: U256) -> Result<(), StateError> {
        Session::transfer(self, from, to, amount)
    }
    fn code(&self, hash: &H256) -> Result<Option<Vec<u8>>, StateError> {
        Session::code(self, hash)
    }
    fn layout(&mut self, address: &Address) -> Result<Arc<Layout>, StateError> {
        Session::layout(self, address)
    }
    fn variable(&mut self, address: &Address, index: u32) -> Result<&[u8], StateError> {
        Session::variable(self, address, index)
    }
    fn write_variable(
        &mut self,
        address: &Address,
        index: u32,
        bytes: &[u8],
    ) -> Result<(), StateError> {
        Session::write_variable(self, address, index, bytes)
    }
    fn structure_len(
        &mut self,
        address: &Address,
        path: &StructurePath,
    ) -> Result<u64, StateError> {
        Session::structure_len(self, address, path)
    }
    fn element(
        &mut self,
        address: &Address,
        path: &StructurePath,
        key: &PathKey,
    ) -> Result<Option<Vec<u8>>, StateError> {
        Session::element(self, address, path, key)
    }
    fn set_element(
        &mut self,
        address: &Address,
        path: &StructurePath,
        key: &PathKey,
        value: &[u8],
    ) -> Result<(), StateError> {
        Session::set_element(self, address, path, key, value)
    }
    fn push(
        &mut self,
        address: &Address,
        path: &StructurePath,
        value: &[u8],
    ) -> Result<u64, StateError> {
        Session::push(self, address, path, value)
    }
    fn push_structure(
        &mut self,
        address: &Address,
        path: &StructurePath,
    ) -> Result<u64, StateError> {
        Session::push_structure(self, address, path)
    }
    fn pop(&mut self, address: &Address, path: &StructurePath) -> Result<bool, StateError> {
        Session::pop(self, address, path)
    }
    fn remove(
        &mut self,
        address: &Address,
        path: &StructurePath,
        key: &[u8],
    ) -> Result<bool, StateError> {
        Session::remove(self, address, path, key)
    }
    fn insert(
        &mut self,
        address: &Address,
        path: &StructurePath,
        member: &[u8],
    ) -> Result<bool, StateError> {
        Session::insert(self, address, path, member)
    }
    fn contains(
        &mut self,
        address: &Address,
        path: &StructurePath,
        key: &[u8],
    ) -> Result<bool, StateError> {
        Session::contains(self, address, path, key)
    }
    fn clear(&mut self, address: &Address, path: &StructurePath) -> Result<(), StateError> {
        Session::clear(self, address, path)
    }
    fn entries(
        &mut self,
        address: &Address,
        path: &StructurePath,
        from: &[u8],
        limit: usize,
    ) -> Result<EntryPage, StateError> {
        Session::entries(self, address, path, from, limit)
    }
    fn next_member(
        &mut self,
        address: &Address,
        path: &StructurePath,
        from: &[u8],
    ) -> Result<Option<Vec<u8>>, StateError> {
        Session::next_member(self, address, path, from)
    }
    fn prev_member(
        &mut self,
        address: &Address,
        path: &StructurePath,
        to: &[u8],
    ) -> Result<Option<Vec<u8>>, StateError> {
        Session::prev_member(self, address, path, Some(to))
    }
    fn structure_path_nodes(
        &mut self,
        address: &Address,
        path: &StructurePath,
        trie_key: &[u8],
    ) -> Result<u32, StateError> {
        Session::structure_path_nodes(self, address, path, trie_key)
    }
    fn element_path_nodes(
        &mut self,
        address: &Address,
        path: &StructurePath,
        key: &PathKey,
    ) -> Result<u32, StateError> {
        Session::element_path_nodes(self, address, path, key)
    }
    fn sync_structures(&mut self) -> Result<usize, StateError> {
        Session::sync_structures(self)
    }
    fn checkpoint(&mut self) -> usize {
        Session::checkpoint(self)
    }
    fn commit_checkpoint(&mut self) -> Result<(), StateError> {
        Session::commit_checkpoint(self)
    }
    fn revert_checkpoint(&mut self) -> Result<(), StateError> {
        Session::revert_checkpoint(self)
    }
}
