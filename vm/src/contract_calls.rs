//! The host side of contract calls: `call` (another contract's function),
//! `delegate_call` (a template's function against this contract's own
//! storage and balance: a library) and `returned` (the last call's return
//! data). docs/FORMATS.md "Contract calls" is the rule book:
//!
//! - Everything the caller can be charged for is charged before anything
//!   runs: the vmcall, the frame, the name and argument bytes, the callee's
//!   first touch, a value transfer, loading the callee's code.
//! - The callee gets at most all but 1/64 of the gas the caller has left
//!   (the caller always keeps something to react with); what it uses is
//!   charged to the caller, and all of it when it runs out.
//! - Each frame runs in a checkpoint of its own: a failing callee reverts
//!   its changes, its value transfer and its events, and the caller gets
//!   the failure's code (the receipts' status codes) and goes on.
//! - At most [`MAX_FRAMES`] contract frames run at once; a contract with a
//!   frame running is entered again only if it exports
//!   [`crate::vmcalls::REENTRANT_EXPORT`]; frames share no memory (arguments and return
//!   data are copied).

use std::sync::Arc;

use primitive_types::{H256, U256};
use svm_format::receipt::FailureCode;
use svm_state::{Address, EMPTY_CODE_HASH, StateError};
use wasmer::AsStoreMut;
use wasmer_middlewares::metering::{MeteringPoints, get_remaining_points, set_remaining_points};

use crate::args::{Arg, decode_args};
use crate::compile::Compiled;
use crate::exec::Frame;
use crate::gas;
use crate::host::{Ctx, Env, HostTrap, bad, charge, read, read_address, span, write};
use crate::receipt::TxError;
use crate::state::ContractState;
use crate::template_address;
use crate::vmcalls::{MAX_CALL_ARGS, MAX_FRAMES, MAX_FUNCTION_NAME};

/// The result of a call the caller sees: 0, or a failure code.
const SUCCESS: i32 = 0;

fn failed(code: FailureCode) -> Result<i32, HostTrap> {
    Ok(code as i32)
}

/// Charges and copies `len` bytes at `ptr` (at most `max`) out of memory.
fn take<S>(
    env: &Env<S>,
    store: &mut impl AsStoreMut,
    (ptr, len): (i32, i32),
    max: usize,
    what: &str,
) -> Result<Vec<u8>, HostTrap> {
    let (_, n) = span(env, store, ptr, len)?;
    if n > max {
        return Err(bad(format!(
            "{what} of {n} bytes is longer than the {max} allowed"
        )));
    }
    charge(env, store, n as u64 * gas::CALL_DATA_BYTE)?;
    read(env, store, ptr, len)
}

/// The gas left in the caller's meter.
fn gas_left<S>(env: &Env<S>, store: &mut impl AsStoreMut) -> Result<u64, HostTrap> {
    let instance = env.instance.as_ref().ok_or(HostTrap::Node)?;
    Ok(match get_remaining_points(store, instance) {
        MeteringPoints::Remaining(left) => left,
        MeteringPoints::Exhausted => 0,
    })
}

fn set_gas_left<S>(env: &Env<S>, store: &mut impl AsStoreMut, left: u64) -> Result<(), HostTrap> {
    let instance = env.instance.as_ref().ok_or(HostTrap::Node)?;
    set_remaining_points(store, instance, left);
    Ok(())
}

/// What a call asks for: the function, its arguments, the gas.
struct Request {
    function: String,
    args: Vec<Arg>,
    gas: u64,
}

/// Reads and charges what a call asks for; `Ok(Err(code))` when the name
/// is not UTF-8 (no export has it) or the arguments do not decode.
fn request<S>(
    env: &Env<S>,
    store: &mut impl AsStoreMut,
    function: (i32, i32),
    args: (i32, i32),
    gas: i64,
) -> Result<Result<Request, FailureCode>, HostTrap> {
    let gas = u64::try_from(gas).map_err(|_| bad(format!("a call's gas of {gas} is negative")))?;
    let function = take(env, store, function, MAX_FUNCTION_NAME, "a function name")?;
    let args = take(env, store, args, MAX_CALL_ARGS, "call arguments")?;
    let Ok(function) = String::from_utf8(function) else {
        return Ok(Err(FailureCode::FunctionNotFound));
    };
    let Ok(args) = decode_args(&args) else {
        return Ok(Err(FailureCode::InvalidArguments));
    };
    Ok(Ok(Request {
        function,
        args,
        gas,
    }))
}

/// Loads the module of code `hash`, charging its code's length to the
/// caller; `Err(code)` when the code does not pass validation.
fn module<S: ContractState>(
    env: &mut Env<S>,
    store: &mut impl AsStoreMut,
    hash: &H256,
) -> Result<Result<Compiled, FailureCode>, HostTrap> {
    let exec = env.exec.clone();
    let loaded = match exec.load(env.state()?, hash) {
        Ok(l) => l,
        Err(e) => return Err(env.node(e)),
    };
    charge(
        env,
        store,
        gas::CODE_LOAD_BYTE.saturating_mul(loaded.code_len() as u64),
    )?;
    match exec.ready(hash, loaded) {
        Ok(Ok(m)) => Ok(Ok(m)),
        Ok(Err(e)) => Ok(Err(e.code())),
        Err(e) => Err(env.node(e)),
    }
}

/// A frame to run for the caller: its module, and who it runs as.
struct Callee {
    compiled: Compiled,
    contract: Address,
    caller: Address,
    value: U256,
    layout: Option<Arc<svm_state::layout::Layout>>,
}

/// Runs `callee` with the gas `request` asks for (capped), in a checkpoint
/// opened by the caller (after a value transfer, if any), and returns its
/// status. The caller's meter is charged what the callee used.
fn run<S: ContractState>(
    env: &mut Env<S>,
    store: &mut impl AsStoreMut,
    callee: Callee,
    request: &Request,
) -> Result<i32, HostTrap> {
    let left = gas_left(env, store)?;
    let forward = request.gas.min(left - left / 64);
    set_gas_left(env, store, left - forward)?;
    let mut scope = env
        .scope
        .take()
        .ok_or_else(|| env.node(crate::VmError::Engine("no state".into())))?;
    // A frame of the same contract further in continues what this one
    // touched.
    scope.put_touched(env.contract, std::mem::take(&mut env.touched));
    let events = scope.events.len();
    let frame = Frame {
        contract: callee.contract,
        caller: callee.caller,
        value: callee.value,
        function: &request.function,
        args: &request.args,
        gas: forward,
        block: env.block,
        depth: env.depth + 1,
        layout: callee.layout,
    };
    let exec = env.exec.clone();
    let ran = match exec.run_frame(scope, &callee.compiled.module, &frame, None) {
        Ok(ran) => ran,
        Err(e) => return Err(env.node(e)),
    };
    let mut scope = ran.scope;
    env.touched = scope.take_touched(&env.contract);
    let (status, used) = match ran.result {
        Ok(used) => (SUCCESS, used),
        Err((TxError::OutOfGas, _)) => (FailureCode::OutOfGas as i32, forward),
        Err((e, used)) => (e.code() as i32, used),
    };
    let kept = if status == SUCCESS {
        scope.state.commit_checkpoint()
    } else {
        scope.events.truncate(events);
        scope.state.revert_checkpoint()
    };
    env.scope = Some(scope);
    kept.map_err(|e| env.node(e))?;
    env.returned = ran.return_data;
    set_gas_left(env, store, left - used)?;
    Ok(status)
}

/// `call(addr_ptr, fn_ptr, fn_len, args_ptr, args_len, value_ptr, gas)`.
#[allow(clippy::too_many_arguments)]
pub(crate) fn call<S: ContractState>(
    mut ctx: Ctx<'_, S>,
    addr: i32,
    fn_ptr: i32,
    fn_len: i32,
    args_ptr: i32,
    args_len: i32,
    value_ptr: i32,
    gas: i64,
) -> Result<i32, HostTrap> {
    let (env, mut store) = ctx.data_and_store_mut();
    charge(env, &mut store, gas::VMCALL + gas::CALL)?;
    let to = read_address(env, &store, addr)?;
    let value = U256::from_big_endian(&read(env, &store, value_ptr, 32)?);
    let request = request(env, &mut store, (fn_ptr, fn_len), (args_ptr, args_len), gas)?;
    env.returned.clear();
    let account = env.account(&mut store, &to)?;
    if !value.is_zero() {
        charge(env, &mut store, gas::TRANSFER)?;
    }
    if env.depth + 1 >= MAX_FRAMES {
        return failed(FailureCode::CallDepth);
    }
    let request = match request {
        Ok(r) => r,
        Err(code) => return failed(code),
    };
    let Some(account) = account.filter(|a| a.code_hash != EMPTY_CODE_HASH) else {
        return failed(FailureCode::ContractNotFound);
    };
    let compiled = match module(env, &mut store, &account.code_hash)? {
        Ok(m) => m,
        Err(code) => return failed(code),
    };
    if compiled.template == to {
        return failed(FailureCode::ContractNotFound);
    }
    if env.scope()?.stack.contains(&to) && !compiled.reentrant {
        return failed(FailureCode::Reentrancy);
    }
    let from = env.contract;
    let state = env.state()?;
    state.checkpoint();
    if !value.is_zero() {
        let moved = state.transfer(&from, &to, value);
        let code = match moved {
            Ok(()) => None,
            Err(StateError::InsufficientBalance { .. }) => Some(FailureCode::InsufficientBalance),
            Err(StateError::BalanceOverflow(_)) => Some(FailureCode::BalanceOverflow),
            Err(e) => return Err(env.node(e)),
        };
        if let Some(code) = code {
            env.state()?.revert_checkpoint().map_err(|e| env.node(e))?;
            return failed(code);
        }
    }
    let callee = Callee {
        compiled,
        contract: to,
        caller: from,
        value,
        layout: None,
    };
    run(env, &mut store, callee, &request)
}

/// `delegate_call(hash_ptr, fn_ptr, fn_len, args_ptr, args_len, gas)`.
pub(crate) fn delegate_call<S: ContractState>(
    mut ctx: Ctx<'_, S>,
    hash_ptr: i32,
    fn_ptr: i32,
    fn_len: i32,
    args_ptr: i32,
    args_len: i32,
    gas: i64,
) -> Result<i32, HostTrap> {
    let (env, mut store) = ctx.data_and_store_mut();
    charge(env, &mut store, gas::VMCALL + gas::CALL)?;
    let hash = H256::from_slice(&read(env, &store, hash_ptr, 32)?);
    let request = request(env, &mut store, (fn_ptr, fn_len), (args_ptr, args_len), gas)?;
    env.returned.clear();
    let template = template_address(&hash);
    let account = env.account(&mut store, &template)?;
    if env.depth + 1 >= MAX_FRAMES {
        return failed(FailureCode::CallDepth);
    }
    let request = match request {
        Ok(r) => r,
        Err(code) => return failed(code),
    };
    if account.is_none_or(|a| a.code_hash != hash) {
        return failed(FailureCode::TemplateNotFound);
    }
    let compiled = match module(env, &mut store, &hash)? {
        Ok(m) => m,
        Err(code) => return failed(code),
    };
    let library = match env.state()?.layout(&template) {
        Ok(l) => l,
        Err(e) => return Err(env.state_error(e)),
    };
    if !library.is_prefix_of(&*env.layout()?) {
        return failed(FailureCode::IncompatibleLayout);
    }
    env.state()?.checkpoint();
    let callee = Callee {
        compiled,
        contract: env.contract,
        caller: env.caller,
        value: env.value,
        layout: Some(library),
    };
    run(env, &mut store, callee, &request)
}

/// `returned(out, cap) -> len`.
pub(crate) fn returned<S: ContractState>(
    mut ctx: Ctx<'_, S>,
    out: i32,
    cap: i32,
) -> Result<i32, HostTrap> {
    let (env, mut store) = ctx.data_and_store_mut();
    charge(env, &mut store, gas::VMCALL)?;
    span(env, &store, out, cap)?;
    let n = env.returned.len();
    let len = i32::try_from(n).map_err(|_| bad("return data longer than memory"))?;
    if n <= cap as u32 as usize {
        charge(env, &mut store, n as u64 * gas::CALL_DATA_BYTE)?;
        write(env, &store, out, &env.returned)?;
    }
    Ok(len)
}
