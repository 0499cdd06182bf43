//! Deploy and call: transactions in, receipts out, state through svm-state.

use std::time::Instant;

use primitive_types::{H256, U256};
use svm_state::kv::KvStore;
use svm_state::{Address, EMPTY_CODE_HASH, Session, StateDb, StateError};
use wasmer::{FunctionEnv, Instance, Module, Store, Type, Value};
use wasmer_middlewares::metering::{MeteringPoints, get_remaining_points, set_remaining_points};

use crate::compile::{Compiler, ModuleStats};
use crate::depth::DEPTH_EXPORT;
use crate::host::{Env, HostTrap, imports};
use crate::phases::{PhaseTimes, Phases};
use crate::receipt::{Receipt, TxError};
use crate::{BlockContext, VmConfig, contract_address, validate};

/// Checks that `nonce` is `author`'s next deploy nonce and advances it (an
/// author without an account gets one).
fn take_nonce<K: KvStore>(
    session: &mut Session<K>,
    author: &Address,
    nonce: u64,
) -> Result<(), TxError> {
    let current = match session.account(author).map_err(state_error)? {
        Some(a) => a.nonce,
        None => {
            session
                .create_account(author, U256::zero())
                .map_err(state_error)?;
            0
        }
    };
    if nonce != current {
        return Err(TxError::InvalidNonce(format!(
            "author {author:#x} is at nonce {current}, the deploy carries {nonce}"
        )));
    }
    session.increment_nonce(author).map_err(state_error)?;
    Ok(())
}

/// The stack contracts run on (wasmer's default is 1 MiB).
const WASM_STACK_BYTES: usize = 16 << 20;

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

/// A deploy transaction.
#[derive(Clone, Debug)]
pub struct Deploy {
    /// Who deploys.
    pub author: Address,
    /// The author's deploy nonce (part of the address).
    pub nonce: u64,
    /// The module: WebAssembly binary or text.
    pub code: Vec<u8>,
    /// The contract's initial balance.
    pub balance: U256,
    /// A constructor to run after creation, with its arguments.
    pub constructor: Option<(String, Vec<Arg>)>,
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
    /// Gas limit.
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
    /// The contract a receipt names before the transaction ran.
    fn target(&self) -> Address {
        match self {
            Tx::Deploy(_) => Address::zero(),
            Tx::Call(c) => c.contract,
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

    /// The nonce `author`'s next deploy must carry (its account's nonce at
    /// the head; 0 without an account).
    pub fn next_nonce(&self, author: &Address) -> Result<u64, StateError> {
        let mut view = self.db.at(self.db.head().root)?;
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

    /// Deploys a contract: validates the code, creates the account at the
    /// derived address, runs the constructor (if any) and commits. A refused
    /// module or a failing constructor changes nothing.
    pub fn deploy(&self, tx: &Deploy, block: BlockContext) -> Receipt {
        self.single(&Tx::Deploy(tx.clone()), block)
    }

    /// Calls `tx.function` of `tx.contract`; commits on success, discards
    /// every change on failure.
    pub fn call(&self, tx: &Call, block: BlockContext) -> Receipt {
        self.single(&Tx::Call(tx.clone()), block)
    }

    /// Runs a block of transactions in one session, each in its own
    /// checkpoint (a failed one is reverted alone), and commits once. Every
    /// receipt carries the block's world root and the contract's storage root
    /// after the block. Fails only if the state below fails.
    pub fn execute_block(
        &self,
        txs: &[Tx],
        block: BlockContext,
    ) -> Result<Vec<Receipt>, StateError> {
        let mut session = self.db.begin()?;
        let mut partial = Vec::with_capacity(txs.len());
        for tx in txs {
            session.checkpoint();
            let (s, outcome) = self.apply(session, tx, block);
            session = s;
            if outcome.error.is_none() {
                session.commit_checkpoint()?;
            } else {
                session.revert_checkpoint()?;
            }
            partial.push(outcome);
        }
        let start = Instant::now();
        let out = session.commit()?;
        self.phases.commit(start.elapsed());
        // One look-up per contract, not per receipt.
        let mut view = self.db.at(out.head.root)?;
        let mut roots = std::collections::HashMap::new();
        Ok(partial
            .into_iter()
            .map(|o| {
                let root = *roots
                    .entry(o.contract)
                    .or_insert_with(|| storage_root_in(&mut view, &o.contract));
                receipt(o, out.head.root, root)
            })
            .collect())
    }

    /// One transaction in its own session.
    fn single(&self, tx: &Tx, block: BlockContext) -> Receipt {
        let session = match self.db.begin() {
            Ok(s) => s,
            Err(e) => {
                let o = Outcome::failed(tx.target(), state_error(e), 0);
                return self.receipt(o, self.db.head().root);
            }
        };
        let (session, mut outcome) = self.apply(session, tx, block);
        if outcome.error.is_some() {
            drop(session);
            return self.receipt(outcome, self.db.head().root);
        }
        let start = Instant::now();
        let committed = session.commit();
        self.phases.commit(start.elapsed());
        match committed {
            Ok(out) => self.receipt(outcome, out.head.root),
            Err(e) => {
                outcome.error = Some(state_error(e));
                self.receipt(outcome, self.db.head().root)
            }
        }
    }

    /// The receipt of `o` against the world root `world`.
    fn receipt(&self, o: Outcome, world: H256) -> Receipt {
        let root = match self.db.at(world) {
            Ok(mut view) => storage_root_in(&mut view, &o.contract),
            Err(_) => svm_trie::EMPTY_ROOT,
        };
        receipt(o, world, root)
    }

    /// Applies `tx` to `session`; on failure the caller discards what it did.
    fn apply(&self, session: Session<K>, tx: &Tx, block: BlockContext) -> (Session<K>, Outcome) {
        match tx {
            Tx::Deploy(d) => self.apply_deploy(session, d, block),
            Tx::Call(c) => self.apply_call(session, c, block),
        }
    }

    fn apply_deploy(
        &self,
        mut session: Session<K>,
        tx: &Deploy,
        block: BlockContext,
    ) -> (Session<K>, Outcome) {
        let code = match to_wasm(&tx.code) {
            Ok(code) => code,
            Err(e) => {
                let o = Outcome::failed(Address::zero(), TxError::ValidationFailed(e), 0);
                return (session, o);
            }
        };
        let hash = svm_state::code::code_hash(&code);
        let address = contract_address(&tx.author, tx.nonce, &hash);
        if let Err(e) = validate(&code, &self.config) {
            let o = Outcome::failed(address, TxError::ValidationFailed(e.to_string()), 0);
            return (session, o);
        }
        let cost = crate::gas::deploy_cost(code.len());
        if cost > self.config.deploy_gas {
            let o = Outcome::failed(address, TxError::OutOfGas, self.config.deploy_gas);
            return (session, o);
        }
        if let Err(e) = take_nonce(&mut session, &tx.author, tx.nonce) {
            return (session, Outcome::failed(address, e, 0));
        }
        if let Err(e) = session.create_contract(&address, &code, tx.balance) {
            let error = match e {
                StateError::AccountExists(a) => TxError::AccountExists(format!("{a:#x}")),
                e => state_error(e),
            };
            return (session, Outcome::failed(address, error, 0));
        }
        // Compile now (into the caches): code that wasmer refuses is refused
        // here, not stored to fail every later call.
        let module = match self.compiler.module(&hash, &code) {
            Ok(m) => m,
            Err(e) => {
                let o = Outcome::failed(address, TxError::ValidationFailed(e.to_string()), 0);
                return (session, o);
            }
        };
        match &tx.constructor {
            None => (session, Outcome::succeeded(address, cost)),
            Some((function, args)) => {
                let (session, mut outcome) = self.run(
                    session,
                    (&module, Instant::now()),
                    address,
                    tx.author,
                    U256::zero(),
                    function,
                    args,
                    self.config.deploy_gas - cost,
                    block,
                );
                outcome.gas_used += cost;
                (session, outcome)
            }
        }
    }

    fn apply_call(
        &self,
        mut session: Session<K>,
        tx: &Call,
        block: BlockContext,
    ) -> (Session<K>, Outcome) {
        let fail = |e| Outcome::failed(tx.contract, e, 0);
        let account = match session.account(&tx.contract) {
            Ok(Some(a)) if a.code_hash != EMPTY_CODE_HASH => a,
            Ok(_) => {
                let e = TxError::ContractNotFound(format!("{:#x}", tx.contract));
                return (session, fail(e));
            }
            Err(e) => return (session, fail(state_error(e))),
        };
        // The code is read (and its hash checked) only when the module is in
        // neither cache.
        let start = Instant::now();
        let hash = account.code_hash;
        let module = match self.compiler.cached(&hash) {
            Some(m) => m,
            None => {
                let code = match session.code(&hash) {
                    Ok(Some(code)) => code,
                    Ok(None) => {
                        let e = state_error(StateError::MissingCode(hash));
                        return (session, fail(e));
                    }
                    Err(e) => return (session, fail(state_error(e))),
                };
                match self.compiler.compile_new(&hash, &code) {
                    Ok(m) => m,
                    Err(e) => return (session, fail(TxError::State(e.to_string()))),
                }
            }
        };
        if !tx.value.is_zero() {
            match session.transfer(&tx.sender, &tx.contract, tx.value) {
                Ok(()) => {}
                Err(e @ (StateError::InsufficientBalance { .. } | StateError::NoAccount(_))) => {
                    return (session, fail(TxError::InsufficientBalance(e.to_string())));
                }
                Err(e) => return (session, fail(state_error(e))),
            }
        }
        self.run(
            session,
            (&module, start),
            tx.contract,
            tx.sender,
            tx.value,
            &tx.function,
            &tx.args,
            tx.gas_limit,
            block,
        )
    }

    /// Instantiates the contract's module (found at `start`) and runs
    /// `function`.
    #[allow(clippy::too_many_arguments)]
    fn run(
        &self,
        session: Session<K>,
        (module, start): (&Module, Instant),
        contract: Address,
        caller: Address,
        value: U256,
        function: &str,
        args: &[Arg],
        gas_limit: u64,
        block: BlockContext,
    ) -> (Session<K>, Outcome) {
        let mut store = Store::new(self.compiler.engine().clone());
        let env = FunctionEnv::new(
            &mut store,
            Env {
                session: Some(session),
                contract,
                caller,
                value,
                block,
                memory: None,
                instance: None,
                return_data: Vec::new(),
                logs: Vec::new(),
                registers: Default::default(),
            },
        );
        let mut instantiated = start;
        let result = self.invoke(
            &mut store,
            &env,
            module,
            function,
            args,
            gas_limit,
            &mut instantiated,
        );
        self.phases
            .run(instantiated - start, instantiated.elapsed());
        let env = env.as_mut(&mut store);
        let (error, gas_used) = match result {
            Ok(gas_used) => (None, gas_used),
            Err((e, gas_used)) => (Some(e), gas_used),
        };
        let session = env
            .session
            .take()
            .expect("only `run` takes the session out of the environment");
        let outcome = Outcome {
            error,
            gas_used,
            contract,
            return_data: std::mem::take(&mut env.return_data),
            logs: std::mem::take(&mut env.logs),
        };
        (session, outcome)
    }

    /// Runs the call; returns gas used, or the error and gas used. Sets
    /// `instantiated` to when the instance was ready.
    #[allow(clippy::too_many_arguments)]
    fn invoke(
        &self,
        store: &mut Store,
        env: &FunctionEnv<Env<K>>,
        module: &Module,
        function: &str,
        args: &[Arg],
        gas_limit: u64,
        instantiated: &mut Instant,
    ) -> Result<u64, (TxError, u64)> {
        let imports = imports(store, env);
        let instance = Instance::new(store, module, &imports)
            .map_err(|e| (TxError::Trap(format!("instantiation failed: {e}")), 0))?;
        let memory = instance
            .exports
            .get_memory("memory")
            .map_err(|e| (TxError::Trap(e.to_string()), 0))?
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
        let func = instance
            .exports
            .get_function(function)
            .map_err(|_| (TxError::FunctionNotFound(function.to_string()), 0))?
            .clone();
        let mut params = Vec::new();
        for arg in args {
            match arg {
                Arg::I32(v) => params.push(Value::I32(*v)),
                Arg::I64(v) => params.push(Value::I64(*v)),
                Arg::Bytes(b) => {
                    let ptr = self.copy_in(store, &instance, b).map_err(|e| {
                        let gas = used(store);
                        (e, gas)
                    })?;
                    params.push(Value::I32(ptr));
                    params.push(Value::I32(b.len() as i32));
                }
            }
        }
        let want: Vec<Type> = func.ty(store).params().to_vec();
        let got: Vec<Type> = params.iter().map(Value::ty).collect();
        if want != got {
            let gas = used(store);
            return Err((
                TxError::InvalidArguments(format!("`{function}` takes {want:?}, given {got:?}")),
                gas,
            ));
        }
        match func.call(store, &params) {
            Ok(_) => Ok(used(store)),
            Err(trap) => {
                let gas = used(store);
                let exhausted = matches!(
                    get_remaining_points(store, &instance),
                    MeteringPoints::Exhausted
                );
                let depth = instance
                    .exports
                    .get_global(DEPTH_EXPORT)
                    .ok()
                    .and_then(|g| g.get(store).i32());
                let error = match trap.downcast_ref::<HostTrap>() {
                    Some(HostTrap::OutOfGas) => TxError::OutOfGas,
                    Some(HostTrap::State(e)) => TxError::State(e.clone()),
                    Some(HostTrap::Bad(e)) => TxError::Trap(e.clone()),
                    None if exhausted => TxError::OutOfGas,
                    None if depth.is_some_and(|d| d as u32 > self.config.max_call_depth) => {
                        TxError::Trap(format!("call depth exceeds {}", self.config.max_call_depth))
                    }
                    None => TxError::Trap(trap.message()),
                };
                let gas = if error == TxError::OutOfGas {
                    gas_limit
                } else {
                    gas
                };
                Err((error, gas))
            }
        }
    }

    /// Copies `bytes` into the contract's memory through its `svm_alloc`.
    fn copy_in(
        &self,
        store: &mut Store,
        instance: &Instance,
        bytes: &[u8],
    ) -> Result<i32, TxError> {
        let alloc = instance
            .exports
            .get_typed_function::<i32, i32>(store, "svm_alloc")
            .map_err(|_| {
                TxError::InvalidArguments(
                    "byte arguments need an exported svm_alloc(i32) -> i32".into(),
                )
            })?;
        let len = i32::try_from(bytes.len())
            .map_err(|_| TxError::InvalidArguments("argument too long".into()))?;
        let ptr = alloc
            .call(store, len)
            .map_err(|e| TxError::Trap(format!("svm_alloc: {}", e.message())))?;
        let memory = instance
            .exports
            .get_memory("memory")
            .map_err(|e| TxError::Trap(e.to_string()))?;
        memory
            .view(store)
            .write(u64::from(ptr as u32), bytes)
            .map_err(|e| TxError::Trap(format!("svm_alloc returned a bad pointer: {e}")))?;
        Ok(ptr)
    }
}

/// The receipt of `o`, given the roots after it.
fn receipt(o: Outcome, world: H256, state_root: H256) -> Receipt {
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

/// The storage root of `contract` in `view` (the empty root if it has none).
fn storage_root_in<K: KvStore>(view: &mut Session<K>, contract: &Address) -> H256 {
    view.account(contract)
        .ok()
        .flatten()
        .map_or(svm_trie::EMPTY_ROOT, |a| a.storage_root)
}

fn state_error(e: StateError) -> TxError {
    TxError::State(e.to_string())
}

/// The module's binary: `code` itself, or compiled from WebAssembly text.
fn to_wasm(code: &[u8]) -> Result<Vec<u8>, String> {
    if code.starts_with(b"\0asm") {
        return Ok(code.to_vec());
    }
    wat::parse_bytes(code)
        .map(|c| c.into_owned())
        .map_err(|e| format!("neither a WebAssembly binary nor valid text: {e}"))
}
