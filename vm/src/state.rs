//! The VM's one door to the state: what executing a transaction may do to
//! it — accounts and balances, code, a contract's variables, and nested
//! checkpoints. The VM runs transactions against any [`ContractState`]; a
//! [`Session`] of svm-state is one. Contract-to-contract calls and embedders
//! build on this seam rather than on a concrete session.

use std::sync::Arc;

use primitive_types::{H256, U256};
use svm_state::kv::KvStore;
use svm_state::layout::Layout;
use svm_state::{Account, Address, Session, StateError};

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
