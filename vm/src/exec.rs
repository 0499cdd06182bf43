//! Running contract code: one frame is one function of one contract, run in
//! a store and an instance of its own (so a frame's memory is gone when it
//! returns, and frames share nothing but the transaction's scope), metered
//! with the gas it was given. The transaction's frame and every contract
//! call's frame run here.

use std::sync::Arc;
use std::time::Instant;

use primitive_types::{H256, U256};
use svm_state::Address;
use svm_state::layout::Layout;
use wasmer::{FunctionEnv, Instance, Module, RuntimeError, Store, Type, Value};
use wasmer_middlewares::metering::{MeteringPoints, get_remaining_points, set_remaining_points};
use wasmer_types::TrapCode;

use crate::args::Arg;
use crate::compile::{Compiled, Compiler};
use crate::depth::DEPTH_EXPORT;
use crate::grow::GROW_FAILED_EXPORT;
use crate::host::{Env, HostTrap, externs_for};
use crate::phases::Phases;
use crate::receipt::TxError;
use crate::scope::TxScope;
use crate::state::ContractState;
use crate::{BlockContext, VmConfig, VmError, validate};

/// What runs frames: the compiler with its module caches, the limits, and
/// the time counters. Shared by the VM and every frame's environment (a
/// contract call runs its callee's frame through it).
pub(crate) struct Executor {
    pub(crate) compiler: Compiler,
    pub(crate) config: VmConfig,
    pub(crate) phases: Phases,
}

/// One frame: who runs, for whom, with what value, which function with
/// which arguments, the gas its code may use, the block, how deep it is.
#[derive(Clone)]
pub(crate) struct Frame<'a> {
    /// The contract whose storage and balance the frame uses.
    pub(crate) contract: Address,
    pub(crate) caller: Address,
    pub(crate) value: U256,
    pub(crate) function: &'a str,
    pub(crate) args: &'a [Arg],
    /// Gas the code may use.
    pub(crate) gas: u64,
    pub(crate) block: BlockContext,
    /// Contract frames running below this one (0: the transaction's).
    pub(crate) depth: u32,
    /// The layout the frame sees, for a library's frame (its template's);
    /// otherwise the contract's own.
    pub(crate) layout: Option<Arc<Layout>>,
}

/// What a frame gives back: the scope, and gas used or the failure with
/// gas used, and its return data (empty on failure).
pub(crate) struct Ran<S> {
    pub(crate) scope: TxScope<S>,
    pub(crate) result: Result<u64, (TxError, u64)>,
    pub(crate) return_data: Vec<u8>,
}

/// A module to run: ready from a cache, or the state's code still to be
/// validated and compiled (after the caller charged for loading it).
pub(crate) enum Loaded {
    Ready(Compiled),
    Code(Vec<u8>),
}

impl Loaded {
    /// The length of the code (what loading it costs).
    pub(crate) fn code_len(&self) -> usize {
        match self {
            Loaded::Ready(m) => m.code_len,
            Loaded::Code(c) => c.len(),
        }
    }
}

impl Executor {
    /// The module of code `hash`: from the caches, or the code from `state`
    /// (read only on a miss; its hash is checked by the state).
    pub(crate) fn load<S: ContractState>(&self, state: &S, hash: &H256) -> Result<Loaded, VmError> {
        match self.compiler.cached_call(hash) {
            Some((m, hot)) => {
                if hot {
                    // The node's own read (the call was charged for its
                    // code already); a failed read only skips tiering.
                    self.compiler.tier_up(hash, state.code(hash).ok().flatten());
                }
                Ok(Loaded::Ready(m))
            }
            None => {
                let code = state
                    .code(hash)?
                    .ok_or(svm_state::StateError::MissingCode(*hash))?;
                Ok(Loaded::Code(code))
            }
        }
    }

    /// The compiled module of `loaded`. Code that never passed the VM's
    /// validation (a state tool can store any module) is refused the same
    /// way on every node: the caches only ever hold modules that passed it.
    pub(crate) fn ready(
        &self,
        hash: &H256,
        loaded: Loaded,
    ) -> Result<Result<Compiled, TxError>, VmError> {
        match loaded {
            Loaded::Ready(m) => Ok(Ok(m)),
            Loaded::Code(code) => {
                if let Err(e) = validate(&code, &self.config) {
                    return Ok(Err(TxError::ValidationFailed(format!(
                        "the contract's code does not pass validation: {e}"
                    ))));
                }
                self.compiler
                    .compile_new(hash, &code)
                    .map(Ok)
                    .map_err(|e| VmError::Engine(e.to_string()))
            }
        }
    }

    /// Runs `frame` of `module` against `scope` in a store of its own.
    /// `start` (the transaction's frame only) is when finding the module
    /// began, for the phase counters. A node failure is an error; the
    /// scope is then lost with the transaction.
    pub(crate) fn run_frame<S: ContractState>(
        self: &Arc<Self>,
        mut scope: TxScope<S>,
        module: &Module,
        frame: &Frame<'_>,
        start: Option<Instant>,
    ) -> Result<Ran<S>, VmError> {
        let touched = scope.take_touched(&frame.contract);
        scope.stack.push(frame.contract);
        let mut store = Store::new(self.compiler.engine().clone());
        let env = FunctionEnv::new(&mut store, Env::new(scope, self.clone(), frame, touched));
        let mut instantiated = Instant::now();
        let result = self.invoke(&mut store, &env, module, frame, &mut instantiated);
        if let Some(start) = start {
            self.phases
                .run(instantiated - start, instantiated.elapsed());
        }
        let result = result?;
        let env = env.as_mut(&mut store);
        let mut scope = env
            .scope
            .take()
            .ok_or_else(|| VmError::Engine("the call lost its state".into()))?;
        scope.stack.pop();
        scope.put_touched(frame.contract, std::mem::take(&mut env.touched));
        let return_data = match result {
            Ok(_) => std::mem::take(&mut env.return_data),
            Err(_) => Vec::new(),
        };
        Ok(Ran {
            scope,
            result,
            return_data,
        })
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
    ) -> Result<Result<u64, (TxError, u64)>, VmError> {
        let (function, args) = (frame.function, frame.args);
        let gas_limit = frame.gas;
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
