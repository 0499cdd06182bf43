//! Deploy and call: transactions in, receipts out, state through svm-state.

use std::sync::Arc;
use std::time::Instant;

use primitive_types::{H256, U256};
use svm_format::event::Event;
use svm_state::events::{EventPosition, IndexedEvent};
use svm_state::kv::KvStore;
use svm_state::{Account, Address, BlockRecord, EMPTY_CODE_HASH, StateDb, StateError};
use wasmer::Module;

use crate::args::Arg;
use crate::compile::{Compiler, ModuleStats};
use crate::exec::{Executor, Frame};
use crate::phases::{PhaseTimes, Phases};
use crate::receipt::{BlockResult, Receipt, TxError, receipts_trie};
use crate::scope::TxScope;
use crate::state::ContractState;
use crate::tx::{Call, Deploy, Spawn, Template, Tx};
use crate::{BlockContext, VmConfig, VmError, contract_address, gas, template_address, validate};

/// The stack contracts run on (wasmer's default is 1 MiB). The largest
/// frames validation allows take about 24 KiB each under singlepass (the
/// stack is exhausted between 600 and 800 of them at 16 MiB, measured), so
/// 512 of them use about 12 MiB: 32 MiB leaves more than half for the host's
/// own calls at the deepest frame. Reserved, not committed: only what is
/// used costs memory. Each contract frame of a call chain has one.
const WASM_STACK_BYTES: usize = 32 << 20;

/// The VM: deploys and calls contracts on a [`StateDb`].
pub struct Vm<K> {
    db: StateDb<K>,
    exec: Arc<Executor>,
}

impl<K: KvStore> std::fmt::Debug for Vm<K> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Vm({:?})", self.db)
    }
}

/// What a transaction did, before its roots are known.
struct Outcome {
    error: Option<TxError>,
    gas_used: u64,
    contract: Address,
    return_data: Vec<u8>,
    events: Vec<Event>,
}

impl Outcome {
    fn failed(contract: Address, error: TxError, gas_used: u64) -> Self {
        Outcome {
            error: Some(error),
            gas_used,
            contract,
            return_data: Vec::new(),
            events: Vec::new(),
        }
    }

    /// A success that ran no code.
    fn succeeded(contract: Address, gas_used: u64) -> Self {
        Outcome {
            error: None,
            gas_used,
            contract,
            return_data: Vec::new(),
            events: Vec::new(),
        }
    }
}

/// What applying a transaction gives: the state back with an outcome
/// (failed or not: the caller reverts a failure), or a node error.
type Applied<S> = Result<(S, Outcome), VmError>;

/// Where a new contract's code comes from.
#[derive(Clone, Copy)]
enum NewCode<'a> {
    /// A deploy's code.
    Code(&'a [u8]),
    /// A template's (already stored).
    Template,
}

/// What [`Vm::metrics`] reads.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Metrics {
    /// The database's counters.
    pub state: svm_state::StateMetrics,
    /// Time spent per phase.
    pub phases: crate::PhaseTimes,
    /// The module caches' counters.
    pub modules: ModuleStats,
}

impl<K: KvStore> Vm<K> {
    /// A VM over `db`.
    pub fn new(db: StateDb<K>, config: VmConfig) -> Self {
        // Room for the deepest calls of the largest frames validation
        // allows, so the depth limit (not the native stack) stops recursion.
        wasmer::sys::vm::set_stack_size(WASM_STACK_BYTES);
        let compiler = Compiler::new(&config);
        Vm {
            db,
            exec: Arc::new(Executor {
                compiler,
                config,
                phases: Phases::default(),
            }),
        }
    }

    /// The state database.
    pub fn db(&self) -> &StateDb<K> {
        &self.db
    }

    /// The VM's limits.
    pub fn config(&self) -> &VmConfig {
        &self.exec.config
    }

    /// The nonce `author`'s next deploy must carry (its account's nonce at
    /// the head; 0 without an account).
    pub fn next_nonce(&self, author: &Address) -> Result<u64, StateError> {
        let view = self.db.at(self.db.head().root)?;
        Ok(view.account(author)?.map_or(0, |a| a.nonce))
    }

    /// Cumulative time spent instantiating, executing and committing.
    pub fn phase_times(&self) -> PhaseTimes {
        self.exec.phases.times()
    }

    /// Module cache counters.
    pub fn module_stats(&self) -> ModuleStats {
        self.exec.compiler.stats()
    }

    /// Blocks until the queued tiering compiles are done (tests and
    /// benchmarks; a node never needs to wait: calls run singlepass code
    /// until the Cranelift code is in).
    pub fn settle_tiering(&self) {
        self.exec.compiler.settle_tiering();
    }

    /// Everything an operator watches, in one read: the state's counters
    /// (commits, nodes written and deleted, pruning, node cache), the
    /// phase times and the module caches'.
    pub fn metrics(&self) -> Metrics {
        Metrics {
            state: self.db().metrics(),
            phases: self.phase_times(),
            modules: self.module_stats(),
        }
    }

    /// Checks what a transaction must satisfy to be part of a block: a gas
    /// limit of at least its intrinsic gas and at most
    /// [`VmConfig::max_tx_gas`].
    pub fn check_tx(&self, tx: &Tx) -> Result<(), String> {
        let (limit, intrinsic) = (tx.gas_limit(), tx.intrinsic_gas());
        let max = self.exec.config.max_tx_gas;
        if limit > max {
            return Err(format!("gas limit {limit} exceeds the maximum {max}"));
        }
        if limit < intrinsic {
            return Err(format!(
                "gas limit {limit} is below the transaction's intrinsic gas {intrinsic}"
            ));
        }
        Ok(())
    }

    /// Deploys a contract: validates the code, creates the account at the
    /// derived address, moves `balance` from the author, runs the
    /// constructor (if any) and commits. A refused module or a failing
    /// constructor changes nothing. A node failure is an error, not a
    /// receipt, and commits nothing.
    pub fn deploy(&self, tx: &Deploy, block: BlockContext) -> Result<Receipt, VmError> {
        self.single(&Tx::Deploy(tx.clone()), block)
    }

    /// Calls `tx.function` of `tx.contract`; commits on success, discards
    /// every change on failure. A node failure is an error, not a receipt,
    /// and commits nothing.
    pub fn call(&self, tx: &Call, block: BlockContext) -> Result<Receipt, VmError> {
        self.single(&Tx::Call(tx.clone()), block)
    }

    /// Deploys a template: validates the code and stores it at
    /// [`template_address`] of its hash (no contract, no constructor), for
    /// contracts to be spawned from and libraries to be called in.
    pub fn template(&self, tx: &Template, block: BlockContext) -> Result<Receipt, VmError> {
        self.single(&Tx::Template(tx.clone()), block)
    }

    /// Spawns a contract from a template: a deploy whose code is the
    /// template's (its code hash is the template's; it is compiled once for
    /// all of them).
    pub fn spawn(&self, tx: &Spawn, block: BlockContext) -> Result<Receipt, VmError> {
        self.single(&Tx::Spawn(tx.clone()), block)
    }

    /// Runs any transaction on its own and commits it if it succeeds.
    pub fn execute(&self, tx: &Tx, block: BlockContext) -> Result<Receipt, VmError> {
        self.single(tx, block)
    }

    /// Runs a block of transactions in one session, each in its own
    /// checkpoint (a failed one is reverted alone), and commits once. The
    /// result carries the world root after the block and the receipts root;
    /// the receipts claim no roots of their own. An invalid transaction, gas
    /// limits adding up to more than [`VmConfig::max_block_gas`], or a node
    /// failure in any transaction is an error, and nothing of the block is
    /// committed.
    pub fn execute_block(&self, txs: &[Tx], block: BlockContext) -> Result<BlockResult, VmError> {
        let mut total: u128 = 0;
        for (index, tx) in txs.iter().enumerate() {
            self.check_tx(tx)
                .map_err(|reason| VmError::InvalidTx { index, reason })?;
            total += u128::from(tx.gas_limit());
        }
        let max = self.exec.config.max_block_gas;
        if total > u128::from(max) {
            return Err(VmError::BlockGasLimit { total, max });
        }
        let mut session = self.db.begin()?;
        let mut receipts = Vec::with_capacity(txs.len());
        for tx in txs {
            let (s, r) = self.apply_tx(session, tx, block)?;
            session = s;
            receipts.push(r);
        }
        // The receipts trie's nodes are stored with the block's state, so
        // every receipt stays provable against the receipts root.
        let (receipts_root, receipt_nodes) = receipts_trie(&receipts);
        let record = BlockRecord {
            height: block.height,
            time: block.time,
            receipts_root,
            receipts: receipts.len() as u64,
        };
        let start = Instant::now();
        let events: Vec<IndexedEvent> = receipts
            .iter()
            .enumerate()
            .flat_map(|(tx, r)| {
                r.events
                    .iter()
                    .enumerate()
                    .map(move |(index, event)| IndexedEvent {
                        position: EventPosition {
                            height: block.height,
                            tx: tx as u32,
                            index: index as u32,
                        },
                        event: event.clone(),
                    })
            })
            .filter(|e| e.event.ttl > 0)
            .collect();
        let (out, _) = session.commit_block(record, receipt_nodes, &events)?;
        self.exec.phases.commit(start.elapsed());
        Ok(BlockResult {
            world_root: out.head.root,
            receipts_root,
            receipts,
        })
    }

    /// Applies one transaction to `state` in a checkpoint of its own: kept
    /// if it succeeds, undone if it fails. Returns the state and the
    /// receipt (which claims no roots: the caller commits when it chooses).
    /// A transaction no block may hold ([`Vm::check_tx`]) is an error and
    /// changes nothing. This is how blocks run, and the seam for running
    /// transactions against any [`ContractState`].
    pub fn apply_tx<S: ContractState>(
        &self,
        mut state: S,
        tx: &Tx,
        block: BlockContext,
    ) -> Result<(S, Receipt), VmError> {
        self.check_tx(tx)
            .map_err(|reason| VmError::InvalidTx { index: 0, reason })?;
        // What the transaction's look-ups pass through (and so its gas)
        // must not depend on the transactions before it.
        state.sync_structures()?;
        state.checkpoint();
        let (mut state, outcome) = self.apply(state, tx, block)?;
        if outcome.error.is_none() {
            state.commit_checkpoint()?;
        } else {
            state.revert_checkpoint()?;
        }
        Ok((state, receipt(outcome, None, None)))
    }

    /// One transaction in its own session. The receipt's roots come from the
    /// session itself: the commit's output, or the base it started from.
    fn single(&self, tx: &Tx, block: BlockContext) -> Result<Receipt, VmError> {
        self.check_tx(tx)
            .map_err(|reason| VmError::InvalidTx { index: 0, reason })?;
        let mut session = self.db.begin()?;
        session.checkpoint();
        let (mut session, outcome) = self.apply(session, tx, block)?;
        if outcome.error.is_some() {
            // Nothing is committed: the roots are the base's.
            session.revert_checkpoint()?;
            let root = storage_root_in(&mut session, &outcome.contract)?;
            let world = session.base().root;
            return Ok(receipt(outcome, Some(world), Some(root)));
        }
        session.commit_checkpoint()?;
        // The storage root as of the base (writes reach it only at commit).
        let before = storage_root_in(&mut session, &outcome.contract)?;
        let start = Instant::now();
        let out = session.commit()?;
        self.exec.phases.commit(start.elapsed());
        let root = out
            .accounts
            .iter()
            .find(|(a, _)| *a == outcome.contract)
            .map_or(before, |(_, a)| {
                a.map_or(svm_trie::EMPTY_ROOT, |a| a.storage_root)
            });
        Ok(receipt(outcome, Some(out.head.root), Some(root)))
    }

    /// Applies `tx` to `state`; on failure the caller discards what it did.
    fn apply<S: ContractState>(&self, state: S, tx: &Tx, block: BlockContext) -> Applied<S> {
        // Before wasmer sets up this thread for contract code.
        crate::altstack::ensure();
        match tx {
            Tx::Deploy(d) => self.apply_deploy(state, d, tx.intrinsic_gas(), block),
            Tx::Call(c) => self.apply_call(state, c, tx.intrinsic_gas(), block),
            Tx::Template(t) => self.apply_template(state, t, tx.intrinsic_gas()),
            Tx::Spawn(s) => self.apply_spawn(state, s, tx.intrinsic_gas(), block),
        }
    }

    fn apply_deploy<S: ContractState>(
        &self,
        state: S,
        tx: &Deploy,
        intrinsic: u64,
        block: BlockContext,
    ) -> Applied<S> {
        let hash = svm_state::code::code_hash(&tx.code);
        let address = contract_address(&tx.author, tx.nonce, &hash);
        if let Err(e) = validate(&tx.code, &self.exec.config) {
            let e = TxError::ValidationFailed(e.to_string());
            return Ok((state, Outcome::failed(address, e, intrinsic)));
        }
        let new = NewContract {
            author: tx.author,
            nonce: tx.nonce,
            hash,
            code: NewCode::Code(&tx.code),
            balance: tx.balance,
            constructor: &tx.constructor,
            gas_limit: tx.gas_limit,
        };
        self.create(state, new, intrinsic, block)
    }

    fn apply_spawn<S: ContractState>(
        &self,
        mut state: S,
        tx: &Spawn,
        intrinsic: u64,
        block: BlockContext,
    ) -> Applied<S> {
        let hash = tx.template;
        let address = contract_address(&tx.author, tx.nonce, &hash);
        let template = template_address(&hash);
        if state
            .account(&template)?
            .is_none_or(|a| a.code_hash != hash)
        {
            let e = TxError::TemplateNotFound(format!("{hash:#x}"));
            return Ok((state, Outcome::failed(address, e, intrinsic)));
        }
        let new = NewContract {
            author: tx.author,
            nonce: tx.nonce,
            hash,
            code: NewCode::Template,
            balance: tx.balance,
            constructor: &tx.constructor,
            gas_limit: tx.gas_limit,
        };
        self.create(state, new, intrinsic, block)
    }

    /// The author's account for a transaction that needs `nonce` (created
    /// if missing, for [`gas::NEW_ACCOUNT`]) holding at least `balance`;
    /// increments its nonce. Returns the gas used so far, or the failure.
    fn author_pays<S: ContractState>(
        &self,
        state: &mut S,
        (author, nonce, balance): (Address, u64, U256),
        (mut used, gas_limit): (u64, u64),
    ) -> Result<Result<u64, (TxError, u64)>, VmError> {
        let account = match state.account(&author)? {
            Some(a) => a,
            None => {
                used += gas::NEW_ACCOUNT;
                if used > gas_limit {
                    return Ok(Err((TxError::OutOfGas, gas_limit)));
                }
                state.create_account(&author, U256::zero())?;
                Account::default()
            }
        };
        if nonce != account.nonce {
            let e = TxError::InvalidNonce(format!(
                "author {author:#x} is at nonce {}, the transaction carries {nonce}",
                account.nonce
            ));
            return Ok(Err((e, used)));
        }
        if account.balance < balance {
            let e = TxError::InsufficientBalance(format!(
                "author {author:#x} holds {}, less than the balance {balance} to move",
                account.balance
            ));
            return Ok(Err((e, used)));
        }
        match state.increment_nonce(&author) {
            Ok(_) => Ok(Ok(used)),
            Err(StateError::NonceOverflow(_)) => {
                let e =
                    TxError::InvalidNonce(format!("the nonce of {author:#x} is at its maximum"));
                Ok(Err((e, used)))
            }
            Err(e) => Err(e.into()),
        }
    }

    /// Creates a contract (a deploy's or a spawn's), moves its balance and
    /// runs its constructor.
    fn create<S: ContractState>(
        &self,
        mut state: S,
        new: NewContract<'_>,
        intrinsic: u64,
        block: BlockContext,
    ) -> Applied<S> {
        let address = contract_address(&new.author, new.nonce, &new.hash);
        let mut used = match self.author_pays(
            &mut state,
            (new.author, new.nonce, new.balance),
            (intrinsic, new.gas_limit),
        )? {
            Ok(used) => used,
            Err((e, used)) => return Ok((state, Outcome::failed(address, e, used))),
        };
        let fail = |e, used| Outcome::failed(address, e, used);
        let start = Instant::now();
        // A spawn loads the template's module as a call does (its code is
        // charged per byte); a deploy compiles its own.
        let spawned = match new.code {
            NewCode::Code(_) => None,
            NewCode::Template => {
                let loaded = self.exec.load(&state, &new.hash)?;
                used = used
                    .saturating_add(gas::CODE_LOAD_BYTE.saturating_mul(loaded.code_len() as u64));
                if used > new.gas_limit {
                    let e = TxError::OutOfGas;
                    return Ok((state, fail(e, new.gas_limit)));
                }
                match self.exec.ready(&new.hash, loaded)? {
                    Ok(m) => Some(m),
                    Err(e) => return Ok((state, fail(e, used))),
                }
            }
        };
        // A deploy may land on an account that only ever received value
        // (no code, nonce 0): it keeps the balance (Ethereum's rule), so
        // nobody can block an address by sending to it first.
        if state.account(&address)?.as_ref().is_some_and(occupied) {
            let e = TxError::AccountExists(format!("{address:#x}"));
            return Ok((state, fail(e, used)));
        }
        match new.code {
            NewCode::Code(code) => {
                state.create_contract(&address, code, U256::zero())?;
            }
            NewCode::Template => state.create_contract_from(&address, &new.hash, U256::zero())?,
        }
        if !new.balance.is_zero() {
            match state.transfer(&new.author, &address, new.balance) {
                Ok(()) => {}
                Err(StateError::BalanceOverflow(a)) => {
                    let e = TxError::BalanceOverflow(format!("{a:#x}"));
                    return Ok((state, fail(e, used)));
                }
                Err(e) => return Err(e.into()),
            }
        }
        // Compile now (into the caches), so calls find the module ready.
        // Validated code that does not compile is the node's problem.
        let compiled = match (spawned, new.code) {
            (Some(m), _) => m,
            (None, NewCode::Code(code)) => self
                .exec
                .compiler
                .module(&new.hash, code)
                .map_err(|e| VmError::Engine(e.to_string()))?,
            (None, NewCode::Template) => {
                return Err(VmError::Engine("a spawn without its module".into()));
            }
        };
        match new.constructor {
            None => Ok((state, Outcome::succeeded(address, used))),
            Some((function, args)) => self.run(
                state,
                (&compiled.module, start),
                TopFrame {
                    contract: address,
                    caller: new.author,
                    value: new.balance,
                    function,
                    args,
                    gas_limit: new.gas_limit,
                    charged: used,
                    block,
                },
            ),
        }
    }

    fn apply_template<S: ContractState>(
        &self,
        mut state: S,
        tx: &Template,
        intrinsic: u64,
    ) -> Applied<S> {
        let hash = svm_state::code::code_hash(&tx.code);
        let address = template_address(&hash);
        if let Err(e) = validate(&tx.code, &self.exec.config) {
            let e = TxError::ValidationFailed(e.to_string());
            return Ok((state, Outcome::failed(address, e, intrinsic)));
        }
        let used = match self.author_pays(
            &mut state,
            (tx.author, tx.nonce, U256::zero()),
            (intrinsic, tx.gas_limit),
        )? {
            Ok(used) => used,
            Err((e, used)) => return Ok((state, Outcome::failed(address, e, used))),
        };
        // As for a deploy, value sent to the address first cannot block it.
        if state.account(&address)?.as_ref().is_some_and(occupied) {
            let e = TxError::AccountExists(format!("{address:#x}"));
            return Ok((state, Outcome::failed(address, e, used)));
        }
        state.create_contract(&address, &tx.code, U256::zero())?;
        self.exec
            .compiler
            .module(&hash, &tx.code)
            .map_err(|e| VmError::Engine(e.to_string()))?;
        Ok((state, Outcome::succeeded(address, used)))
    }

    fn apply_call<S: ContractState>(
        &self,
        mut state: S,
        tx: &Call,
        intrinsic: u64,
        block: BlockContext,
    ) -> Applied<S> {
        let mut used = intrinsic;
        let account = match state.account(&tx.contract)? {
            Some(a) if a.code_hash != EMPTY_CODE_HASH => a,
            _ => {
                let e = TxError::ContractNotFound(format!("{:#x}", tx.contract));
                return Ok((state, Outcome::failed(tx.contract, e, used)));
            }
        };
        // The code is read (and its hash checked) only when the module is in
        // neither cache.
        let start = Instant::now();
        let hash = account.code_hash;
        let loaded = self.exec.load(&state, &hash)?;
        // Loading the module is priced by the code's size, whatever the
        // caches of this node hold.
        used = used.saturating_add(gas::CODE_LOAD_BYTE.saturating_mul(loaded.code_len() as u64));
        if used > tx.gas_limit {
            return Ok((
                state,
                Outcome::failed(tx.contract, TxError::OutOfGas, tx.gas_limit),
            ));
        }
        let fail = |e| Outcome::failed(tx.contract, e, used);
        let compiled = match self.exec.ready(&hash, loaded)? {
            Ok(m) => m,
            Err(e) => return Ok((state, fail(e))),
        };
        if compiled.template == tx.contract {
            let e = TxError::ContractNotFound(format!("{:#x} is a template", tx.contract));
            return Ok((state, fail(e)));
        }
        if !tx.value.is_zero() {
            match state.transfer(&tx.sender, &tx.contract, tx.value) {
                Ok(()) => {}
                Err(e @ (StateError::InsufficientBalance { .. } | StateError::NoAccount(_))) => {
                    return Ok((state, fail(TxError::InsufficientBalance(e.to_string()))));
                }
                Err(StateError::BalanceOverflow(a)) => {
                    return Ok((state, fail(TxError::BalanceOverflow(format!("{a:#x}")))));
                }
                Err(e) => return Err(e.into()),
            }
        }
        self.run(
            state,
            (&compiled.module, start),
            TopFrame {
                contract: tx.contract,
                caller: tx.sender,
                value: tx.value,
                function: &tx.function,
                args: &tx.args,
                gas_limit: tx.gas_limit,
                charged: used,
                block,
            },
        )
    }

    /// Runs the transaction's frame of `module` (found at `start`) against
    /// `state`, which it gives back with the outcome.
    fn run<S: ContractState>(
        &self,
        state: S,
        (module, start): (&Module, Instant),
        top: TopFrame<'_>,
    ) -> Applied<S> {
        let scope = TxScope::new(state, [top.contract, top.caller]);
        let frame = Frame {
            contract: top.contract,
            caller: top.caller,
            value: top.value,
            function: top.function,
            args: top.args,
            gas: top.gas_limit - top.charged,
            block: top.block,
            depth: 0,
            layout: None,
        };
        let ran = self.exec.run_frame(scope, module, &frame, Some(start))?;
        let (error, gas_used) = match ran.result {
            Ok(gas_used) => (None, gas_used + top.charged),
            // Out of gas uses the whole limit, whatever was charged where.
            Err((TxError::OutOfGas, _)) => (Some(TxError::OutOfGas), top.gas_limit),
            Err((e, gas_used)) => (Some(e), gas_used + top.charged),
        };
        let outcome = Outcome {
            error,
            gas_used,
            contract: top.contract,
            return_data: ran.return_data,
            events: ran.scope.events,
        };
        Ok((ran.scope.state, outcome))
    }
}

/// Whether an account is more than value received (code, a nonce or
/// storage): a contract or template cannot be created there.
fn occupied(a: &Account) -> bool {
    a.code_hash != EMPTY_CODE_HASH || a.nonce != 0 || a.storage_root != svm_trie::EMPTY_ROOT
}

/// What a deploy or a spawn creates.
struct NewContract<'a> {
    author: Address,
    nonce: u64,
    hash: H256,
    code: NewCode<'a>,
    balance: U256,
    constructor: &'a Option<(String, Vec<Arg>)>,
    gas_limit: u64,
}

/// A transaction's frame: who runs, for whom, with what value, which
/// function with which arguments, its gas (the limit and what is already
/// charged) and the block it runs in.
#[derive(Clone, Copy)]
struct TopFrame<'a> {
    contract: Address,
    caller: Address,
    value: U256,
    function: &'a str,
    args: &'a [Arg],
    /// The transaction's gas limit.
    gas_limit: u64,
    /// Gas already charged before the code runs (at most `gas_limit`).
    charged: u64,
    block: BlockContext,
}

/// The receipt of `o`, given the roots after it (none inside a block).
fn receipt(o: Outcome, world: Option<H256>, state_root: Option<H256>) -> Receipt {
    let success = o.error.is_none();
    Receipt {
        success,
        error: o.error,
        gas_used: o.gas_used,
        contract: o.contract,
        return_data: if success { o.return_data } else { Vec::new() },
        events: if success { o.events } else { Vec::new() },
        state_root,
        world_root: world,
    }
}

/// The storage root of `contract` in `session` (the empty root if it has
/// none).
fn storage_root_in(
    session: &mut impl ContractState,
    contract: &Address,
) -> Result<H256, StateError> {
    Ok(session
        .account(contract)?
        .map_or(svm_trie::EMPTY_ROOT, |a| a.storage_root))
}
