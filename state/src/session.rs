//! A session: the world and contract storage as of one root, with pending
//! changes, nested checkpoints, and the commit that persists them.

use foldhash::HashMap;
use std::collections::hash_map::Entry;
use std::sync::Arc;

use primitive_types::{H256, U256};
use rayon::prelude::*;
use svm_trie::{Commit, NodeSet};

use crate::code::{code_hash, layout_of};
use crate::contract::{Cached, Contract};
use crate::db::Shared;
use crate::events::IndexedEvent;
use crate::kv::{Column, KvStore, WriteBatch};
use crate::layout::Layout;
use crate::meta::{self, BlockMeta, Head};
use crate::prune::PruneStats;
use crate::structures::{Open, StructurePath};
use crate::{Account, Address, EMPTY_CODE_HASH, StateError, World};

type SharedRef<K> = Arc<Shared<K>>;

/// An account as loaded, and as it stands now.
#[derive(Clone, Copy, Debug)]
struct Loaded {
    original: Option<Account>,
    current: Option<Account>,
}

/// How to undo one change.
#[derive(Debug)]
enum Undo<S> {
    Variable {
        address: Address,
        index: u32,
        prev: Option<Cached>,
    },
    Account {
        address: Address,
        prev: Option<Account>,
    },
    Contract {
        address: Address,
    },
    Code {
        hash: H256,
    },
    /// A structure's leaf and count (and its map parent's count).
    Element {
        address: Address,
        path: StructurePath,
        key: Vec<u8>,
        prev: Option<Vec<u8>>,
        prev_len: u64,
        parent_len: Vec<(StructurePath, u64)>,
    },
    /// A structure emptied or removed, with what was open inside it.
    Replaced {
        address: Address,
        path: StructurePath,
        removed: Vec<(StructurePath, Open<S>)>,
        parent_len: Vec<(StructurePath, u64)>,
    },
}

#[path = "structure_ops.rs"]
mod structure_ops;

/// What a commit did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CommitOutput {
    /// The new head.
    pub head: Head,
    /// The head the session started from.
    pub previous: Head,
    /// Every account the commit changed (`None`: removed), by address, with
    /// touched contracts' new storage roots.
    pub accounts: Vec<(Address, Option<Account>)>,
    /// Trie nodes written.
    pub nodes_written: usize,
    /// Bytes of trie nodes written.
    pub node_bytes_written: usize,
    /// What pruning did (nothing in archive mode).
    pub pruned: PruneStats,
}

/// A block being committed: what the database records of it besides the
/// state ([`Session::commit_block`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BlockRecord {
    /// The block's height.
    pub height: u64,
    /// The block's time.
    pub time: u64,
    /// The root of its receipts trie.
    pub receipts_root: H256,
    /// How many receipts it holds.
    pub receipts: u64,
}

/// Counters of a session's caches.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SessionStats {
    /// Pages read from storage tries (each page at most once per session).
    pub page_loads: u64,
    /// Contracts whose storage the session opened.
    pub contracts: usize,
}

/// The state at the head, with the changes made since: obtained from
/// [`crate::StateDb::begin`]. (Past roots are read through a
/// [`crate::View`], which wraps a session that refuses writes.)
///
/// Contracts see their storage only through variables (of their
/// layout). Pages are read from the store at most once per session; writes
/// stay in the variable cache until [`Session::commit`], and dropping the session
/// discards them. Checkpoints nest: [`Session::revert_checkpoint`] undoes only
/// what happened since the matching [`Session::checkpoint`].
pub struct Session<K> {
    shared: SharedRef<K>,
    base: Head,
    writable: bool,
    world: World<SharedRef<K>>,
    accounts: HashMap<Address, Loaded>,
    contracts: HashMap<Address, Contract<SharedRef<K>>>,
    code: HashMap<H256, Vec<u8>>,
    journal: Vec<Undo<SharedRef<K>>>,
    checkpoints: Vec<usize>,
    /// Contracts whose nested structures changed since they were last
    /// written into their parents ([`Session::sync_structures`]).
    unsynced: std::collections::BTreeSet<Address>,
}

impl<K: KvStore> std::fmt::Debug for Session<K> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("base", &self.base)
            .field("writable", &self.writable)
            .field("accounts", &self.accounts.len())
            .field("contracts", &self.contracts.len())
            .field("checkpoints", &self.checkpoints.len())
            .finish()
    }
}

impl<K: KvStore> Session<K> {
    pub(crate) fn new(
        shared: SharedRef<K>,
        base: Head,
        writable: bool,
    ) -> Result<Self, StateError> {
        let world = World::open(shared.clone(), base.root)?;
        Ok(Session {
            shared,
            base,
            writable,
            world,
            accounts: HashMap::default(),
            contracts: HashMap::default(),
            code: HashMap::default(),
            journal: Vec::new(),
            checkpoints: Vec::new(),
            unsynced: std::collections::BTreeSet::new(),
        })
    }

    /// A fresh read-only session at the same root, with nothing loaded (a
    /// view dropping its caches). Fails with [`StateError::Pruned`] if the
    /// root has left the window of kept roots meanwhile.
    pub(crate) fn reopen(&self) -> Result<Self, StateError> {
        let kept_from = self
            .shared
            .kept_from
            .load(std::sync::atomic::Ordering::Acquire);
        if self.base.seq < kept_from {
            // Pruned, unless a kept commit made the same root again.
            self.shared.kept(&self.base.root)?;
        }
        Session::new(self.shared.clone(), self.base, false)
    }

    /// The committed state the session started from.
    pub fn base(&self) -> Head {
        self.base
    }

    /// Whether the session may write (it started on the head).
    pub fn is_writable(&self) -> bool {
        self.writable
    }

    /// Cache counters.
    pub fn stats(&self) -> SessionStats {
        SessionStats {
            page_loads: self.contracts.values().map(|c| c.page_loads()).sum(),
            contracts: self.contracts.len(),
        }
    }

    fn writable(&self) -> Result<(), StateError> {
        if self.writable {
            Ok(())
        } else {
            Err(StateError::ReadOnly)
        }
    }

    fn record(&mut self, undo: Undo<SharedRef<K>>) {
        if !self.checkpoints.is_empty() {
            self.journal.push(undo);
        }
    }

    fn loaded(&mut self, address: &Address) -> Result<&mut Loaded, StateError> {
        Ok(match self.accounts.entry(*address) {
            Entry::Occupied(e) => e.into_mut(),
            Entry::Vacant(e) => {
                let account = self.world.account(address)?;
                e.insert(Loaded {
                    original: account,
                    current: account,
                })
            }
        })
    }

    /// The account at `address`, if it exists. Its `storage_root` is the one
    /// of the session's base: variable writes change it only at commit.
    pub fn account(&mut self, address: &Address) -> Result<Option<Account>, StateError> {
        Ok(self.loaded(address)?.current)
    }

    fn existing(&mut self, address: &Address) -> Result<Account, StateError> {
        self.account(address)?
            .ok_or(StateError::NoAccount(*address))
    }

    fn set(&mut self, address: &Address, account: Option<Account>) -> Result<(), StateError> {
        let loaded = self.loaded(address)?;
        let prev = std::mem::replace(&mut loaded.current, account);
        self.record(Undo::Account {
            address: *address,
            prev,
        });
        Ok(())
    }

    /// Creates an account without code holding `balance`.
    pub fn create_account(&mut self, address: &Address, balance: U256) -> Result<(), StateError> {
        self.writable()?;
        if self.account(address)?.is_some() {
            return Err(StateError::AccountExists(*address));
        }
        let account = Account {
            balance,
            ..Account::default()
        };
        self.set(address, Some(account))
    }

    /// Creates a contract at `address` running `code` (which must declare a
    /// storage layout), with empty storage and `balance`; stores the code
    /// (at commit) and returns its hash. An account that only ever received
    /// value (no code, nonce 0, empty storage) may be there: it becomes the
    /// contract and keeps its balance (plus `balance`). Any other account
    /// there is [`StateError::AccountExists`].
    pub fn create_contract(
        &mut self,
        address: &Address,
        code: &[u8],
        balance: U256,
    ) -> Result<H256, StateError> {
        self.writable()?;
        let layout = Arc::new(layout_of(code)?);
        let hash = code_hash(code);
        self.place_contract(address, hash, layout, balance)?;
        if let Entry::Vacant(e) = self.code.entry(hash) {
            e.insert(code.to_vec());
            self.record(Undo::Code { hash });
        }
        Ok(hash)
    }

    /// Creates a contract at `address` running the code already stored
    /// under `code_hash` (by this session or a commit before it), as
    /// [`Session::create_contract`] does, without storing the code again.
    /// Code not stored is [`StateError::MissingCode`].
    pub fn create_contract_from(
        &mut self,
        address: &Address,
        code_hash: &H256,
        balance: U256,
    ) -> Result<(), StateError> {
        self.writable()?;
        let layout = match self.code.get(code_hash) {
            Some(code) => Arc::new(layout_of(code)?),
            None => self.shared.layout(code_hash)?,
        };
        self.place_contract(address, *code_hash, layout, balance)
    }

    /// Puts a new contract (code `hash` with `layout`) at `address`.
    fn place_contract(
        &mut self,
        address: &Address,
        hash: H256,
        layout: Arc<Layout>,
        balance: U256,
    ) -> Result<(), StateError> {
        let held = match self.account(address)? {
            None => U256::zero(),
            Some(a)
                if a.code_hash == EMPTY_CODE_HASH
                    && a.nonce == 0
                    && a.storage_root == svm_trie::EMPTY_ROOT =>
            {
                a.balance
            }
            Some(_) => return Err(StateError::AccountExists(*address)),
        };
        let balance = held
            .checked_add(balance)
            .ok_or(StateError::BalanceOverflow(*address))?;
        let account = Account {
            balance,
            code_hash: hash,
            ..Account::default()
        };
        self.set(address, Some(account))?;
        let contract = Contract::new(*address, layout, svm_trie::EMPTY_ROOT);
        self.contracts.insert(*address, contract);
        self.record(Undo::Contract { address: *address });
        Ok(())
    }

    /// Sets the balance of an existing account.
    pub fn set_balance(&mut self, address: &Address, balance: U256) -> Result<(), StateError> {
        self.writable()?;
        let account = self.existing(address)?;
        self.set(address, Some(Account { balance, ..account }))
    }

    /// Adds one to the nonce of an existing account and returns the new nonce.
    pub fn increment_nonce(&mut self, address: &Address) -> Result<u64, StateError> {
        self.writable()?;
        let account = self.existing(address)?;
        let nonce = account
            .nonce
            .checked_add(1)
            .ok_or(StateError::NonceOverflow(*address))?;
        self.set(address, Some(Account { nonce, ..account }))?;
        Ok(nonce)
    }

    /// Moves `amount` from `from` to `to`, creating `to` (without code) if it
    /// does not exist and `amount` is not zero (a zero transfer to a missing
    /// account changes nothing: creating accounts is not free).
    pub fn transfer(
        &mut self,
        from: &Address,
        to: &Address,
        amount: U256,
    ) -> Result<(), StateError> {
        self.writable()?;
        let source = self.existing(from)?;
        let balance = source.balance;
        let left = balance
            .checked_sub(amount)
            .ok_or(StateError::InsufficientBalance {
                address: *from,
                balance,
                needed: amount,
            })?;
        if from == to {
            return Ok(());
        }
        let target = match self.account(to)? {
            Some(a) => a,
            None if amount.is_zero() => return Ok(()),
            None => Account::default(),
        };
        let credited = target
            .balance
            .checked_add(amount)
            .ok_or(StateError::BalanceOverflow(*to))?;
        self.set(
            from,
            Some(Account {
                balance: left,
                ..source
            }),
        )?;
        self.set(
            to,
            Some(Account {
                balance: credited,
                ..target
            }),
        )
    }

    /// The code stored under `hash`, including code created in this session.
    pub fn code(&self, hash: &H256) -> Result<Option<Vec<u8>>, StateError> {
        if let Some(code) = self.code.get(hash) {
            return Ok(Some(code.clone()));
        }
        Ok(crate::code::get_code(&self.shared.store, hash)?)
    }

    fn contract(&mut self, address: &Address) -> Result<&mut Contract<SharedRef<K>>, StateError> {
        if !self.contracts.contains_key(address) {
            let account = self.existing(address)?;
            if account.code_hash == EMPTY_CODE_HASH {
                return Err(StateError::NotAContract(*address));
            }
            let layout = self.shared.layout(&account.code_hash)?;
            let contract = Contract::new(*address, layout, account.storage_root);
            self.contracts.insert(*address, contract);
        }
        Ok(self
            .contracts
            .get_mut(address)
            .expect("the contract was just loaded"))
    }

    /// The storage layout of the contract at `address`.
    pub fn layout(&mut self, address: &Address) -> Result<Arc<Layout>, StateError> {
        Ok(self.contract(address)?.layout().clone())
    }

    /// The current bytes of variable `index` of the contract at `address`.
    pub fn variable(&mut self, address: &Address, index: u32) -> Result<&[u8], StateError> {
        let store = self.shared.clone();
        self.contract(address)?.variable(&store, index)
    }

    /// Sets variable `index` of the contract at `address` to `bytes`, which
    /// must be exactly the variable's length.
    pub fn write_variable(
        &mut self,
        address: &Address,
        index: u32,
        bytes: &[u8],
    ) -> Result<(), StateError> {
        self.writable()?;
        let prev = self.contract(address)?.write(index, bytes)?;
        self.record(Undo::Variable {
            address: *address,
            index,
            prev,
        });
        Ok(())
    }

    /// Page `index` of the contract at `address` as it stands (all zeros if
    /// never written), including this session's writes.
    pub fn page(&mut self, address: &Address, index: u32) -> Result<Vec<u8>, StateError> {
        let store = self.shared.clone();
        self.contract(address)?.page(&store, index)
    }

    /// Opens a checkpoint; returns how many are open.
    pub fn checkpoint(&mut self) -> usize {
        self.checkpoints.push(self.journal.len());
        self.checkpoints.len()
    }

    /// Keeps the changes since the innermost open checkpoint (they join the
    /// enclosing one, or the session).
    pub fn commit_checkpoint(&mut self) -> Result<(), StateError> {
        self.checkpoints.pop().ok_or(StateError::NoCheckpoint)?;
        if self.checkpoints.is_empty() {
            self.journal.clear();
        }
        Ok(())
    }

    /// Undoes every change since the innermost open checkpoint, and closes it.
    pub fn revert_checkpoint(&mut self) -> Result<(), StateError> {
        let mark = self.checkpoints.pop().ok_or(StateError::NoCheckpoint)?;
        let undone: Vec<Undo<SharedRef<K>>> = self.journal.drain(mark..).rev().collect();
        for undo in undone {
            match undo {
                Undo::Variable {
                    address,
                    index,
                    prev,
                } => {
                    if let Some(c) = self.contracts.get_mut(&address) {
                        c.restore(index, prev);
                    }
                }
                Undo::Account { address, prev } => {
                    if let Some(a) = self.accounts.get_mut(&address) {
                        a.current = prev;
                    }
                }
                Undo::Contract { address } => {
                    self.contracts.remove(&address);
                }
                Undo::Code { hash } => {
                    self.code.remove(&hash);
                }
                structure @ (Undo::Element { .. } | Undo::Replaced { .. }) => {
                    self.undo_structure(structure);
                }
            }
        }
        Ok(())
    }

    /// How many checkpoints are open.
    pub fn checkpoints(&self) -> usize {
        self.checkpoints.len()
    }

    /// Whether the session holds changes to commit.
    pub fn is_dirty(&self) -> bool {
        self.contracts.values().any(|c| c.is_dirty())
            || self.accounts.values().any(|a| a.current != a.original)
    }

    /// Persists the session: dirty variables into their pages, pages into each
    /// contract's storage trie, storage roots into accounts, accounts into the
    /// world trie; then one atomic write of the new nodes, the new code and
    /// the new head. Open checkpoints are committed with it. On error nothing
    /// is written and the head stays where it was.
    pub fn commit(self) -> Result<CommitOutput, StateError> {
        self.commit_with(None)
    }

    /// [`Session::commit`] of a block: the same batch also stores the block's
    /// record (its world root filled in from this commit) and the nodes of
    /// its receipts trie, so the block's receipts stay provable, and brings
    /// the event index up to the block: its `events` (those with a
    /// time-to-live) added, the expired ones removed (see
    /// [`crate::events`]).
    pub fn commit_block(
        self,
        block: BlockRecord,
        receipt_nodes: NodeSet,
        events: &[IndexedEvent],
    ) -> Result<(CommitOutput, BlockMeta), StateError> {
        let out = self.commit_with(Some((block, receipt_nodes, events)))?;
        let meta = BlockMeta {
            height: block.height,
            time: block.time,
            seq: out.head.seq,
            world_root: out.head.root,
            receipts_root: block.receipts_root,
            receipts: block.receipts,
        };
        Ok((out, meta))
    }

    fn commit_with(
        mut self,
        block: Option<(BlockRecord, NodeSet, &[IndexedEvent])>,
    ) -> Result<CommitOutput, StateError> {
        self.writable()?;
        let started = std::time::Instant::now();
        let shared = self.shared.clone();
        let mut head = shared.head();
        if *head != self.base {
            return Err(StateError::StaleBase {
                base: self.base.root,
                head: head.root,
            });
        }
        let mut nodes = NodeSet::new();
        // Storage tries are independent: flush them on all cores.
        let store = self.shared.clone();
        let mut dirty: Vec<(&Address, &mut Contract<SharedRef<K>>)> = self
            .contracts
            .iter_mut()
            .filter(|(_, c)| c.is_dirty())
            .collect();
        // In address order, so the error reported (the first failing
        // contract's) does not depend on a hash map's order.
        dirty.sort_unstable_by_key(|(address, _)| **address);
        let flushed: Vec<(Address, Result<Commit, StateError>)> = dirty
            .par_iter_mut()
            .map(|(address, contract)| (**address, contract.flush(&store)))
            .collect();
        for (address, commit) in flushed {
            let commit = commit?;
            nodes.append(commit.nodes);
            let account = self.existing(&address)?;
            let loaded = self.loaded(&address)?;
            loaded.current = Some(Account {
                storage_root: commit.root,
                ..account
            });
        }
        let mut accounts: Vec<(Address, Option<Account>)> = self
            .accounts
            .iter()
            .filter(|(_, a)| a.current != a.original)
            .map(|(address, a)| (*address, a.current))
            .collect();
        accounts.sort_unstable_by_key(|(a, _)| *a);
        for (address, account) in &accounts {
            match account {
                Some(account) => self.world.set_account(address, account)?,
                None => self.world.remove_account(address)?,
            }
        }
        let world = self.world.commit()?;
        nodes.append(world.nodes);

        let mut batch = WriteBatch::new();
        for (hash, code) in &self.code {
            batch.put(Column::Code, hash.as_bytes(), code);
        }
        let new_head = Head {
            seq: self.base.seq + 1,
            root: world.root,
        };
        let pruning = shared.pruning();
        let root_is_new = pruning.is_some() || meta::seq_of(&shared.store, &world.root)?.is_none();
        meta::put_head(&mut batch, &new_head, root_is_new);
        let mut receipts = None;
        if let Some((block, receipt_nodes, events)) = block {
            if pruning.is_some() {
                let replaced = meta::block_at(&shared.store, block.height)?;
                receipts = Some((block.receipts_root, replaced.map(|b| b.receipts_root)));
            }
            crate::events::index_block(&shared.store, &mut batch, block.height, events)?;
            meta::put_block(
                &mut batch,
                &BlockMeta {
                    height: block.height,
                    time: block.time,
                    seq: new_head.seq,
                    world_root: new_head.root,
                    receipts_root: block.receipts_root,
                    receipts: block.receipts,
                },
            );
            nodes.append(receipt_nodes);
        }
        let mut pruned = PruneStats::default();
        let mut deleted = Vec::new();
        if let Some(keep) = pruning {
            let plan = crate::prune::plan_commit(
                &shared,
                keep,
                &self.code,
                self.base.root,
                new_head,
                &nodes,
                receipts,
                &mut batch,
            )?;
            if let Some(reached) = plan.nodes {
                nodes = reached;
            }
            deleted = plan.deleted;
            pruned = plan.stats;
        }
        shared.record_history(&mut batch);
        let (nodes_written, node_bytes_written) = (nodes.len(), nodes.byte_size());
        shared.store.write(batch, &nodes)?;
        shared.store.evict(&deleted);
        shared.written(pruning.map(|_| pruned.kept_from));
        *head = new_head;
        shared
            .counters
            .commit(nodes_written, node_bytes_written, &pruned);
        let cache = shared.store.stats();
        tracing::debug!(
            target: "svm_state::commit",
            seq = new_head.seq,
            root = %format_args!("{:#x}", new_head.root),
            accounts = accounts.len(),
            nodes = nodes_written,
            bytes = node_bytes_written,
            micros = started.elapsed().as_micros() as u64,
            cache_hits = cache.hits,
            cache_misses = cache.misses,
            "commit"
        );
        if pruning.is_some() {
            tracing::debug!(
                target: "svm_state::prune",
                seq = new_head.seq,
                added = pruned.added,
                removed = pruned.removed,
                dropped = pruned.dropped,
                journals = pruned.journals_applied,
                swept = pruned.swept,
                sweep_pending = pruned.sweep_pending,
                deleted = pruned.nodes_deleted,
                kept_from = pruned.kept_from,
                "pruned"
            );
        }
        Ok(CommitOutput {
            head: new_head,
            previous: self.base,
            accounts,
            nodes_written,
            node_bytes_written,
            pruned,
        })
    }
}
