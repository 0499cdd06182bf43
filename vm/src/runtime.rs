//! Deploy and call: transactions in, receipts out, state through svm-state.

use std::time::Instant;

use primitive_types::{H256, U256};
use svm_state::kv::KvStore;
use svm_state::{Account, Address, BlockRecord, EMPTY_CODE_HASH, StateDb, StateError};
use wasmer::{FunctionEnv, Instance, Module, RuntimeError, Store, Type, Value};
use wasmer_middlewares::metering::{MeteringPoints, get_remaining_points, set_remaining_points};
use wasmer_types::TrapCode;

use crate::compile::{Compiler, ModuleStats};
use crate::depth::DEPTH_EXPORT;
use crate::grow::GROW_FAILED_EXPORT;
use crate::host::{Env, HostTrap, externs_for};
use crate::phases::{PhaseTimes, Phases};
use crate::receipt::{BlockResult, Receipt, TxError, receipts_trie};
use crate::state::ContractState;
use crate::{BlockContext, VmConfig, VmError, contract_address, gas, validate};

/// The stack contracts run on (wasmer's default is 1 MiB). The largest
/// frames validation allows take about 24 KiB each under singlepass (the
/// stack is exhausted between 600 and 800 of them at 16 MiB, measured), so
/// 512 of them use about 12 MiB: 32 MiB leaves more than half for the host's
/// own calls at the deepest frame. Reserved, not committed: only what is
/// used costs memory.
const WASM_STACK_BYTES: usize = 32 << 20;

/// An argument to a contract function.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Arg {
    /// An i32 parameter.
    I32(i32),
    /// An i64 parameter.
    I64(i64),
    /// Bytes copied into the contract's memory (through its exported
    /// `svm_alloc(len) -> ptr`), passed as two i32 parameters: ptr, len.
    Bytes(Vec<u8>),
}

/// The bytes of byte arguments in `args` (each costs [`gas::ARG_BYTE`]).
fn arg_bytes(args: &[Arg]) -> u64 {
    args.iter()
        .map(|a| match a {
            Arg::Bytes(b) => b.len() as u64,
            _ => 0,
        })
        .sum()
}

/// A deploy transaction.
#[derive(Clone, Debug)]
pub struct Deploy {
    /// Who deploys (pays `balance`).
    pub author: Address,
    /// The author's deploy nonce (part of the address).
    pub nonce: u64,
    /// The module: a WebAssembly binary (text is converted by tools, see
    /// [`crate::wat_to_wasm`]).
    pub code: Vec<u8>,
    /// Value moved from the author to the new contract.
    pub balance: U256,
    /// A constructor to run after creation, with its arguments.
    pub constructor: Option<(String, Vec<Arg>)>,
    /// Gas limit: the deploy's intrinsic gas ([`gas::deploy_intrinsic`])
    /// plus what the constructor may use.
    pub gas_limit: u64,
}

/// A call transaction.
#[derive(Clone, Debug)]
pub struct Call {
    /// The contract.
    pub contract: Address,
    /// Who calls (pays `value`).
    pub sender: Address,
    /// The exported function.
    pub function: String,
    /// Its arguments.
    pub args: Vec<Arg>,
    /// Gas limit: the call's intrinsic gas ([`gas::call_intrinsic`]) plus
    /// what the contract may use.
    pub gas_limit: u64,
    /// Value moved from the sender to the contract.
    pub value: U256,
}

/// The VM: deploys and calls contracts on a [`StateDb`].
pub struct Vm<K> {
    db: StateDb<K>,
    config: VmConfig,
    compiler: Compiler,
    phases: Phases,
}

impl<K: KvStore> std::fmt::Debug for Vm<K> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Vm({:?})", self.db)
    }
}

/// A transaction.
#[derive(Clone, Debug)]
pub enum Tx {
    /// Deploy a contract.
    Deploy(Deploy),
    /// Call a contract.
    Call(Call),
}

impl Tx {
    /// Its gas limit.
    pub fn gas_limit(&self) -> u64 {
        match self {
            Tx::Deploy(d) => d.gas_limit,
            Tx::Call(c) => c.gas_limit,
        }
    }

    /// The gas it costs before any code runs ([`gas::deploy_intrinsic`],
    /// [`gas::call_intrinsic`]).
    pub fn intrinsic_gas(&self) -> u64 {
        match self {
            Tx::Deploy(d) => gas::deploy_intrinsic(
                d.code.len(),
                d.constructor
                    .as_ref()
                    .map_or(0, |(_, args)| arg_bytes(args)),
            ),
            Tx::Call(c) => gas::call_intrinsic(arg_bytes(&c.args)),
        }
    }
}

/// What a transaction did, before its roots are known.
struct Outcome {
    error: Option<TxError>,
    gas_used: u64,
    contract: Address,
    return_data: Vec<u8>,
    logs: Vec<Vec<u8>>,
}

impl Outcome {
    fn failed(contract: Address, error: TxError, gas_used: u64) -> Self {
        Outcome {
            error: Some(error),
            gas_used,
            contract,
            return_data: Vec::new(),
            logs: Vec::new(),
        }
    }

    /// A success that ran no code.
    fn succeeded(contract: Address, gas_used: u64) -> Self {
        Outcome {
            error: None,
            gas_used,
            contract,
            return_data: Vec::new(),
            logs: Vec::new(),
        }
    }
}

/// What applying a transaction gives: the state back with an outcome
/// (failed or not: the caller reverts a failure), or a node error.
type Applied<S> = Result<(S, Outcome), VmError>;

/// What the contract's run gives: gas used, or a failure with gas used; a
/// node error stops everything.
type RunResult = Result<Result<u64, (TxError, u64)>, VmError>;

impl<K: KvStore> Vm<K> {
    /// A VM over `db`.
    pub fn new(db: StateDb<K>, config: VmConfig) -> Self {
        // Room for the deepest calls of the largest frames validation
        // allows, so the depth limit (not the native stack) stops recursion.
        wasmer::sys::vm::set_stack_size(WASM_STACK_BYTES);
        let compiler = Compiler::new(
            config.compiler,
            config.module_cache_bytes,
            config.max_call_depth,
            config.artifact_dir.as_deref(),
        );
        Vm {
            db,
            config,
            compiler,
            phases: Phases::default(),
        }
    }

    /// The state database.
    pub fn db(&self) -> &StateDb<K> {
        &self.db
    }

    /// The VM's limits.
    pub fn config(&self) -> &VmConfig {
        &self.config
    }

    /// The nonce `author`'s next deploy must carry (its account's nonce at
    /// the head; 0 without an account).
    pub fn next_nonce(&self, author: &Address) -> Result<u64, StateError> {
        let view = self.db.at(self.db.head().root)?;
        Ok(view.account(author)?.map_or(0, |a| a.nonce))
    }

    /// Cumulative time spent instantiating, executing and committing.
    pub fn phase_times(&self) -> PhaseTimes {
        self.phases.times()
    }

    /// Module cache counters.
    pub fn module_stats(&self) -> ModuleStats {
        self.compiler.stats()
    }

    /// Checks what a transaction must satisfy to be part of a block: a gas
    /// limit of at least its intrinsic gas and at most
    /// [`VmConfig::max_tx_gas`].
    pub fn check_tx(&self, tx: &Tx) -> Result<(), String> {
        let (limit, intrinsic) = (tx.gas_limit(), tx.intrinsic_gas());
        if limit > self.config.max_tx_gas {
            return Err(format!(
                "gas limit {limit} exceeds the maximum {}",
                self.config.max_tx_gas
            ));
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
        if total > u128::from(self.config.max_block_gas) {
            return Err(VmError::BlockGasLimit {
                total,
                max: self.config.max_block_gas,
            });
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
        let (out, _) = session.commit_block(record, receipt_nodes)?;
        self.phases.commit(start.elapsed());
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
        self.phases.commit(start.elapsed());
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
        }
    }

    fn apply_deploy<S: ContractState>(
        &self,
        mut state: S,
        tx: &Deploy,
        intrinsic: u64,
        block: BlockContext,
    ) -> Applied<S> {
        let code = &tx.code;
        let hash = svm_state::code::code_hash(code);
        let address = contract_address(&tx.author, tx.nonce, &hash);
        let fail = |e| Outcome::failed(address, e, intrinsic);
        if let Err(e) = validate(code, &self.config) {
            return Ok((state, fail(TxError::ValidationFailed(e.to_string()))));
        }
        let mut used = intrinsic;
        // The author's nonce (an author without an account gets one).
        let author = match state.account(&tx.author)? {
            Some(a) => a,
            None => {
                used += gas::NEW_ACCOUNT;
                if used > tx.gas_limit {
                    return Ok((
                        state,
                        Outcome::failed(address, TxError::OutOfGas, tx.gas_limit),
                    ));
                }
                state.create_account(&tx.author, U256::zero())?;
                Account::default()
            }
        };
        let fail = |e| Outcome::failed(address, e, used);
        if tx.nonce != author.nonce {
            let e = TxError::InvalidNonce(format!(
                "author {:#x} is at nonce {}, the deploy carries {}",
                tx.author, author.nonce, tx.nonce
            ));
            return Ok((state, fail(e)));
        }
        if author.balance < tx.balance {
            let e = TxError::InsufficientBalance(format!(
                "author {:#x} holds {}, less than the deploy's balance {}",
                tx.author, author.balance, tx.balance
            ));
            return Ok((state, fail(e)));
        }
        match state.increment_nonce(&tx.author) {
            Ok(_) => {}
            Err(StateError::NonceOverflow(_)) => {
                let e = TxError::InvalidNonce(format!(
                    "the nonce of {:#x} is at its maximum",
                    tx.author
                ));
                return Ok((state, fail(e)));
            }
            Err(e) => return Err(e.into()),
        }
        // A deploy may land on an account that only ever received value
        // (no code, nonce 0): it keeps the balance (Ethereum's rule), so
        // nobody can block an address by sending to it first.
        match state.account(&address)? {
            Some(a)
                if a.code_hash != EMPTY_CODE_HASH
                    || a.nonce != 0
                    || a.storage_root != svm_trie::EMPTY_ROOT =>
            {
                let e = TxError::AccountExists(format!("{address:#x}"));
                return Ok((state, fail(e)));
            }
            _ => {}
        }
        state.create_contract(&address, code, U256::zero())?;
        if !tx.balance.is_zero() {
            match state.transfer(&tx.author, &address, tx.balance) {
                Ok(()) => {}
                Err(StateError::BalanceOverflow(a)) => {
                    let e = TxError::BalanceOverflow(format!("{a:#x}"));
                    return Ok((state, fail(e)));
                }
                Err(e) => return Err(e.into()),
            }
        }
        // Compile now (into the caches), so calls find the module ready.
        // Validated code that does not compile is the node's problem.
        let start = Instant::now();
        let compiled = self
            .compiler
            .module(&hash, code)
            .map_err(|e| VmError::Engine(e.to_string()))?;
        match &tx.constructor {
            None => Ok((state, Outcome::succeeded(address, used))),
            Some((function, args)) => self.run(
                state,
                (&compiled.module, start),
                Frame {
                    contract: address,
                    caller: tx.author,
                    value: tx.balance,
                    function,
                    args,
                    gas_limit: tx.gas_limit,
                    charged: used,
                    block,
                },
            ),
        }
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
        let (compiled, code) = match self.compiler.cached(&hash) {
            Some(m) => (Some(m), None),
            None => {
                let code = state.code(&hash)?.ok_or(StateError::MissingCode(hash))?;
                (None, Some(code))
            }
        };
        let code_len = compiled
            .as_ref()
            .map_or_else(|| code.as_ref().map_or(0, Vec::len), |m| m.code_len);
        // Loading the module is priced by the code's size, whatever the
        // caches of this node hold.
        used = used.saturating_add(gas::CODE_LOAD_BYTE.saturating_mul(code_len as u64));
        if used > tx.gas_limit {
            return Ok((
                state,
                Outcome::failed(tx.contract, TxError::OutOfGas, tx.gas_limit),
            ));
        }
        let fail = |e| Outcome::failed(tx.contract, e, used);
        let compiled = match (compiled, code) {
            (Some(m), _) => m,
            (None, code) => {
                let code = code.unwrap_or_default();
                // Code that never passed the VM's validation (a state tool
                // can store any module) is refused the same way on every
                // node: the caches only ever hold modules that passed it.
                if let Err(e) = validate(&code, &self.config) {
                    let e = TxError::ValidationFailed(format!(
                        "the contract's code does not pass validation: {e}"
                    ));
                    return Ok((state, fail(e)));
                }
                self.compiler
                    .compile_new(&hash, &code)
                    .map_err(|e| VmError::Engine(e.to_string()))?
            }
        };
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
            Frame {
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

    /// Instantiates the contract's module (found at `start`) and runs the
    /// frame against `state`, which it gives back with the outcome.
    fn run<S: ContractState>(
        &self,
        state: S,
        (module, start): (&Module, Instant),
        frame: Frame<'_>,
    ) -> Applied<S> {
        let mut store = Store::new(self.compiler.engine().clone());
        let env = FunctionEnv::new(
            &mut store,
            Env::new(
                state,
                frame.contract,
                frame.caller,
                frame.value,
                frame.block,
            ),
        );
        let mut instantiated = start;
        let result = self.invoke(&mut store, &env, module, &frame, &mut instantiated);
        self.phases
            .run(instantiated - start, instantiated.elapsed());
        let env = env.as_mut(&mut store);
        let state = env
            .state
            .take()
            .ok_or_else(|| VmError::Engine("the call lost its state".into()))?;
        let (error, gas_used) = match result? {
            Ok(gas_used) => (None, gas_used + frame.charged),
            // Out of gas uses the whole limit, whatever was charged where.
            Err((TxError::OutOfGas, _)) => (Some(TxError::OutOfGas), frame.gas_limit),
            Err((e, gas_used)) => (Some(e), gas_used + frame.charged),
        };
        let outcome = Outcome {
            error,
            gas_used,
            contract: frame.contract,
            return_data: std::mem::take(&mut env.return_data),
            logs: std::mem::take(&mut env.logs),
        };
        Ok((state, outcome))
    }

    /// Runs the call; returns gas used, or the error and gas used. Sets
    /// `instantiated` to when the instance was ready.
    fn invoke<S: ContractState>(
        &self,
        store: &mut Store,
        env: &FunctionEnv<Env<S>>,
        module: &Module,
        frame: &Frame<'_>,
        instantiated: &mut Instant,
    ) -> RunResult {
        let (function, args) = (frame.function, frame.args);
        let gas_limit = frame.gas_limit - frame.charged;
        // Only what the module imports, in its order (no name look-ups).
        // Validation leaves instantiation nothing to refuse (segments are in
        // bounds, imports are vmcalls): a failure is the node's.
        let externs = externs_for(store, env, module)
            .map_err(|e| VmError::Engine(format!("instantiation failed: {e}")))?;
        let instance = Instance::new_by_index(store, module, &externs)
            .map_err(|e| VmError::Engine(format!("instantiation failed: {e}")))?;
        let memory = instance
            .exports
            .get_memory("memory")
            .map_err(|e| VmError::Engine(e.to_string()))?
            .clone();
        {
            let e = env.as_mut(store);
            e.memory = Some(memory);
            e.instance = Some(instance.clone());
        }
        set_remaining_points(store, &instance, gas_limit);
        *instantiated = Instant::now();
        let used = |store: &mut Store| match get_remaining_points(store, &instance) {
            MeteringPoints::Remaining(left) => gas_limit - left,
            MeteringPoints::Exhausted => gas_limit,
        };
        let Ok(func) = instance.exports.get_function(function) else {
            let gas = used(store);
            return Ok(Err((TxError::FunctionNotFound(function.to_string()), gas)));
        };
        let func = func.clone();
        let mut params = Vec::new();
        for arg in args {
            match arg {
                Arg::I32(v) => params.push(Value::I32(*v)),
                Arg::I64(v) => params.push(Value::I64(*v)),
                Arg::Bytes(b) => match self.copy_in(store, env, &instance, b)? {
                    Ok(ptr) => {
                        params.push(Value::I32(ptr));
                        // copy_in checked that the length fits an i32.
                        params.push(Value::I32(b.len() as i32));
                    }
                    Err(e) => {
                        let gas = used(store);
                        return Ok(Err((e, gas)));
                    }
                },
            }
        }
        let want: Vec<Type> = func.ty(store).params().to_vec();
        let got: Vec<Type> = params.iter().map(Value::ty).collect();
        if want != got {
            let gas = used(store);
            return Ok(Err((
                TxError::InvalidArguments(format!("`{function}` takes {want:?}, given {got:?}")),
                gas,
            )));
        }
        match func.call(store, &params) {
            Ok(_) => Ok(Ok(used(store))),
            Err(trap) => {
                let error = self.classify(store, env, &instance, trap)?;
                let gas = used(store);
                Ok(Err((error, gas)))
            }
        }
    }

    /// What stopped a contract: its own fault (a receipt's error), or the
    /// node's (an error that no receipt records).
    fn classify<S: ContractState>(
        &self,
        store: &mut Store,
        env: &FunctionEnv<Env<S>>,
        instance: &Instance,
        trap: RuntimeError,
    ) -> Result<TxError, VmError> {
        if let Some(e) = env.as_mut(store).node_error.take() {
            return Err(e);
        }
        let global = |store: &mut Store, name: &str| {
            instance
                .exports
                .get_global(name)
                .ok()
                .and_then(|g| g.get(store).i32())
        };
        if global(store, GROW_FAILED_EXPORT).is_some_and(|f| f != 0) {
            return Err(VmError::Engine(
                "the node refused memory growth within the contract's declared maximum".into(),
            ));
        }
        if matches!(
            get_remaining_points(store, instance),
            MeteringPoints::Exhausted
        ) {
            return Ok(TxError::OutOfGas);
        }
        match trap.downcast_ref::<HostTrap>() {
            Some(HostTrap::OutOfGas) => return Ok(TxError::OutOfGas),
            Some(HostTrap::Bad(e)) => return Ok(TxError::Trap(e.clone())),
            Some(HostTrap::Node) => return Err(VmError::Engine("a vmcall failed".into())),
            None => {}
        }
        let limit = self.config.max_call_depth;
        if global(store, DEPTH_EXPORT).is_some_and(|d| d as u32 >= limit) {
            return Ok(TxError::Trap(format!("call depth exceeds {limit}")));
        }
        let message = trap.message();
        trap_message(trap.to_trap())
            .map(|m| TxError::Trap(m.into()))
            .ok_or_else(|| VmError::Engine(format!("contract execution failed: {message}")))
    }

    /// Copies `bytes` into the contract's memory through its `svm_alloc`.
    fn copy_in<S: ContractState>(
        &self,
        store: &mut Store,
        env: &FunctionEnv<Env<S>>,
        instance: &Instance,
        bytes: &[u8],
    ) -> Result<Result<i32, TxError>, VmError> {
        let Ok(alloc) = instance
            .exports
            .get_typed_function::<i32, i32>(store, "svm_alloc")
        else {
            return Ok(Err(TxError::InvalidArguments(
                "byte arguments need an exported svm_alloc(i32) -> i32".into(),
            )));
        };
        let Ok(len) = i32::try_from(bytes.len()) else {
            return Ok(Err(TxError::InvalidArguments("argument too long".into())));
        };
        let ptr = match alloc.call(store, len) {
            Ok(ptr) => ptr,
            Err(trap) => {
                return Ok(Err(match self.classify(store, env, instance, trap)? {
                    TxError::Trap(m) => TxError::Trap(format!("svm_alloc: {m}")),
                    e => e,
                }));
            }
        };
        let memory = instance
            .exports
            .get_memory("memory")
            .map_err(|e| VmError::Engine(e.to_string()))?;
        Ok(memory
            .view(store)
            .write(u64::from(ptr as u32), bytes)
            .map(|()| ptr)
            .map_err(|_| {
                TxError::Trap(format!(
                    "svm_alloc returned {ptr}: {} bytes do not fit there",
                    bytes.len()
                ))
            }))
    }
}

/// One call: who runs, for whom, with what value, which function with
/// which arguments, its gas (the limit and what is already charged) and
/// the block it runs in.
#[derive(Clone, Copy)]
struct Frame<'a> {
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

/// svm's own text for a WebAssembly trap (receipts never carry a library's
/// wording); `None` for traps a valid contract cannot cause on its own,
/// which are the node's failures (a native stack overflow despite the frame
/// and depth limits, an interrupt).
fn trap_message(code: Option<TrapCode>) -> Option<&'static str> {
    Some(match code? {
        TrapCode::HeapAccessOutOfBounds => "out of bounds memory access",
        TrapCode::HeapMisaligned => "misaligned memory access",
        TrapCode::TableAccessOutOfBounds => "out of bounds table access",
        TrapCode::IndirectCallToNull => "uninitialized table element",
        TrapCode::BadSignature => "indirect call type mismatch",
        TrapCode::IntegerOverflow => "integer overflow",
        TrapCode::IntegerDivisionByZero => "integer divide by zero",
        TrapCode::BadConversionToInteger => "invalid conversion to integer",
        TrapCode::UnreachableCodeReached => "unreachable",
        _ => return None,
    })
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
        logs: if success { o.logs } else { Vec::new() },
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
