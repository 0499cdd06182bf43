//! The host side of the vmcalls: an environment per call (the state it runs against,
//! who calls, the block, what the transaction has touched) and one function
//! per vmcall. Every vmcall charges gas first (before it allocates, reads
//! the database or copies) and checks every pointer and length against the
//! memory: a bad argument traps, it never reaches past the memory or panics
//! the host. A failure of the node (the database) is recorded in the
//! environment and stops the call; the VM turns it into a node error, never
//! a receipt.

use std::sync::Arc;

use primitive_types::U256;
use svm_state::layout::Layout;
use svm_state::{Address, StateError};
use wasmer::{
    AsStoreMut, AsStoreRef, Function, FunctionEnv, FunctionEnvMut, Instance, Memory, Store,
};
use wasmer_middlewares::metering::{MeteringPoints, get_remaining_points, set_remaining_points};

use crate::exec::{Executor, Frame};
use crate::scope::{Touched, TxScope};
use crate::state::ContractState;
use crate::{VmError, gas};

/// What the node tells a transaction about the block it runs in.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct BlockContext {
    /// Block height.
    pub height: u64,
    /// Block time, seconds since the Unix epoch.
    pub time: u64,
}

/// Why a vmcall stopped the contract.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum HostTrap {
    /// Gas ran out in a vmcall.
    #[error("out of gas")]
    OutOfGas,
    /// The contract passed a bad argument.
    #[error("{0}")]
    Bad(String),
    /// The node failed (the error is in [`Env::node_error`]).
    #[error("node failure")]
    Node,
}

pub(crate) fn bad(message: impl Into<String>) -> HostTrap {
    HostTrap::Bad(message.into())
}

/// One frame's environment.
pub(crate) struct Env<S> {
    /// The transaction's scope (the state, …), held while the frame runs
    /// and handed to the frames it calls.
    pub(crate) scope: Option<TxScope<S>>,
    /// What runs frames (a contract call runs its callee through it).
    pub(crate) exec: Arc<Executor>,
    pub(crate) contract: Address,
    pub(crate) caller: Address,
    pub(crate) value: U256,
    pub(crate) block: BlockContext,
    /// Contract frames running below this one (0: the transaction's).
    pub(crate) depth: u32,
    pub(crate) memory: Option<Memory>,
    pub(crate) instance: Option<Instance>,
    pub(crate) return_data: Vec<u8>,
    /// The return data of the frame's last contract call.
    pub(crate) returned: Vec<u8>,
    pub(crate) registers: Registers,
    /// What the transaction touched of this frame's contract.
    pub(crate) touched: Touched,
    pub(crate) layout: Option<Arc<Layout>>,
    /// The structures the call has opened, by handle.
    pub(crate) handles: crate::structure_calls::Handles,
    /// The node failure that stopped the call, if one did.
    pub(crate) node_error: Option<VmError>,
}

impl<S> Env<S> {
    /// The environment of `frame`, holding the transaction's `scope` and
    /// what the transaction `touched` of the frame's contract.
    pub(crate) fn new(
        scope: TxScope<S>,
        exec: Arc<Executor>,
        frame: &Frame<'_>,
        touched: Touched,
    ) -> Self {
        Env {
            scope: Some(scope),
            exec,
            contract: frame.contract,
            caller: frame.caller,
            value: frame.value,
            block: frame.block,
            depth: frame.depth,
            memory: None,
            instance: None,
            return_data: Vec::new(),
            returned: Vec::new(),
            registers: Registers::default(),
            touched,
            layout: frame.layout.clone(),
            handles: Default::default(),
            node_error: None,
        }
    }
}

/// The register file (see [`crate::vmcalls::REGISTERS`]), made zeroed on
/// first use (most calls use none).
#[derive(Default)]
pub(crate) struct Registers {
    /// Per class: its width in bits and its registers' bytes.
    classes: Vec<(u32, Vec<Vec<u8>>)>,
}

impl Registers {
    /// Register `index` of width `bits`, or a trap.
    fn get(&mut self, bits: i32, index: i32) -> Result<&mut Vec<u8>, HostTrap> {
        if self.classes.is_empty() {
            self.classes = crate::vmcalls::REGISTERS
                .iter()
                .map(|&(bits, n)| (bits, vec![vec![0u8; bits as usize / 8]; n]))
                .collect();
        }
        let (_, regs) = self
            .classes
            .iter_mut()
            .find(|(b, _)| i64::from(*b) == i64::from(bits))
            .ok_or_else(|| bad(format!("no {bits}-bit registers")))?;
        let count = regs.len();
        usize::try_from(index)
            .ok()
            .and_then(|i| regs.get_mut(i))
            .ok_or_else(|| {
                bad(format!(
                    "register {index} of {bits} bits (there are {count})"
                ))
            })
    }
}

pub(crate) type Ctx<'a, S> = FunctionEnvMut<'a, Env<S>>;

impl<S: ContractState> Env<S> {
    /// Records a node failure and stops the call.
    pub(crate) fn node(&mut self, e: impl Into<VmError>) -> HostTrap {
        self.node_error.get_or_insert(e.into());
        HostTrap::Node
    }

    /// A state error: the contract's fault for the few the contract causes,
    /// else the node's.
    pub(crate) fn state_error(&mut self, e: StateError) -> HostTrap {
        use svm_state::structure::StructureError;
        match e {
            StateError::BalanceOverflow(a) => bad(format!("the balance of {a:#x} would overflow")),
            // What a contract asks of its structures that they cannot do.
            e @ (StateError::WrongStructure(_)
            | StateError::IndexOutOfRange { .. }
            | StateError::Structure(
                StructureError::KeyType(_) | StructureError::TooLong { .. },
            )) => bad(e.to_string()),
            e => self.node(e),
        }
    }

    /// The transaction's scope.
    pub(crate) fn scope(&mut self) -> Result<&mut TxScope<S>, HostTrap> {
        match self.scope.as_mut() {
            Some(s) => Ok(s),
            None => {
                self.node_error
                    .get_or_insert(VmError::Engine("no state".into()));
                Err(HostTrap::Node)
            }
        }
    }

    /// The state the frame runs against.
    pub(crate) fn state(&mut self) -> Result<&mut S, HostTrap> {
        Ok(&mut self.scope()?.state)
    }

    /// The contract's layout (read once per call).
    pub(crate) fn layout(&mut self) -> Result<Arc<Layout>, HostTrap> {
        if let Some(l) = &self.layout {
            return Ok(l.clone());
        }
        let contract = self.contract;
        let layout = match self.state()?.layout(&contract) {
            Ok(l) => l,
            Err(e) => return Err(self.state_error(e)),
        };
        self.layout = Some(layout.clone());
        Ok(layout)
    }

    /// The bytes of the contract's variable `var` (of checked width).
    fn read_var(&mut self, var: u32) -> Result<Vec<u8>, HostTrap> {
        let contract = self.contract;
        match self.state()?.variable(&contract, var) {
            Ok(b) => Ok(b.to_vec()),
            Err(e) => Err(self.state_error(e)),
        }
    }

    /// Sets the contract's variable `var` (of checked width).
    fn write_var(&mut self, var: u32, bytes: &[u8]) -> Result<(), HostTrap> {
        let contract = self.contract;
        match self.state()?.write_variable(&contract, var, bytes) {
            Ok(()) => Ok(()),
            Err(e) => Err(self.state_error(e)),
        }
    }

    /// The account at `address`, charging its first touch in the
    /// transaction.
    pub(crate) fn account<St: AsStoreMut>(
        &mut self,
        store: &mut St,
        address: &Address,
    ) -> Result<Option<svm_state::Account>, HostTrap> {
        if !self.scope()?.accounts.contains(address) {
            charge(self, store, gas::ACCOUNT_LOAD)?;
            self.scope()?.accounts.insert(*address);
        }
        match self.state()?.account(address) {
            Ok(a) => Ok(a),
            Err(e) => Err(self.state_error(e)),
        }
    }
}

/// Charges `cost` gas from the instance's meter.
pub(crate) fn charge<S>(
    env: &Env<S>,
    store: &mut impl AsStoreMut,
    cost: u64,
) -> Result<(), HostTrap> {
    let instance = env.instance.as_ref().ok_or(HostTrap::Node)?;
    match get_remaining_points(store, instance) {
        MeteringPoints::Remaining(left) if left >= cost => {
            set_remaining_points(store, instance, left - cost);
            Ok(())
        }
        _ => {
            set_remaining_points(store, instance, 0);
            Err(HostTrap::OutOfGas)
        }
    }
}

/// The range [ptr, ptr + len) of memory, checked.
pub(crate) fn span<S>(
    env: &Env<S>,
    store: &impl AsStoreRef,
    ptr: i32,
    len: i32,
) -> Result<(u64, usize), HostTrap> {
    let memory = env.memory.as_ref().ok_or_else(|| bad("no memory"))?;
    let size = memory.view(store).data_size();
    let (start, n) = (u64::from(ptr as u32), u64::from(len as u32));
    if start.checked_add(n).is_none_or(|end| end > size) {
        return Err(bad(format!(
            "memory access [{start}, {start}+{n}) outside the {size}-byte memory"
        )));
    }
    Ok((start, n as usize))
}

pub(crate) fn read<S>(
    env: &Env<S>,
    store: &impl AsStoreRef,
    ptr: i32,
    len: i32,
) -> Result<Vec<u8>, HostTrap> {
    let (start, n) = span(env, store, ptr, len)?;
    let mut buf = vec![0u8; n];
    let memory = env.memory.as_ref().ok_or_else(|| bad("no memory"))?;
    memory
        .view(store)
        .read(start, &mut buf)
        .map_err(|e| bad(e.to_string()))?;
    Ok(buf)
}

pub(crate) fn write<S>(
    env: &Env<S>,
    store: &impl AsStoreRef,
    ptr: i32,
    bytes: &[u8],
) -> Result<(), HostTrap> {
    let (start, _) = span(env, store, ptr, bytes.len() as i32)?;
    let memory = env.memory.as_ref().ok_or_else(|| bad("no memory"))?;
    memory
        .view(store)
        .write(start, bytes)
        .map_err(|e| bad(e.to_string()))
}

fn var_index(var: i32) -> Result<u32, HostTrap> {
    u32::try_from(var).map_err(|_| bad(format!("variable {var} is negative")))
}

/// Where variable `var` lives, or a trap.
fn placement_of<S: ContractState>(
    env: &mut Env<S>,
    var: i32,
) -> Result<(svm_state::layout::Placement, u32), HostTrap> {
    let layout = env.layout()?;
    let index = var_index(var)?;
    let placement = layout
        .placement(index as usize)
        .map_err(|e| bad(e.to_string()))?;
    Ok((placement, layout.page_size()))
}

/// Checks that variable `var` is exactly `n` bytes long, and charges the
/// pages it spans that the transaction has not touched yet (and, for a
/// write, not written yet). Returns the variable's index.
fn touch_var<S: ContractState, St: AsStoreMut>(
    env: &mut Env<S>,
    store: &mut St,
    var: i32,
    n: u64,
    write: bool,
) -> Result<u32, HostTrap> {
    let (placement, page_size) = placement_of(env, var)?;
    if u64::from(placement.len) != n {
        return Err(bad(format!(
            "variable {var} is {} bytes, not {n}",
            placement.len
        )));
    }
    for page in placement.pages(page_size) {
        if !env.touched.pages_loaded.contains(&page) {
            charge(env, store, gas::page_load_cost(page_size))?;
            env.touched.pages_loaded.insert(page);
        }
        if write && !env.touched.pages_written.contains(&page) {
            charge(env, store, gas::page_write_cost(page_size))?;
            env.touched.pages_written.insert(page);
        }
    }
    Ok(var as u32)
}

fn storage_read<S: ContractState>(
    mut ctx: Ctx<'_, S>,
    var: i32,
    ptr: i32,
    len: i32,
) -> Result<(), HostTrap> {
    let (env, mut store) = ctx.data_and_store_mut();
    charge(env, &mut store, gas::VMCALL)?;
    let (_, n) = span(env, &store, ptr, len)?;
    charge(env, &mut store, n as u64 * gas::STORAGE_READ_BYTE)?;
    let var = touch_var(env, &mut store, var, n as u64, false)?;
    let bytes = env.read_var(var)?;
    write(env, &store, ptr, &bytes)
}

fn storage_write<S: ContractState>(
    mut ctx: Ctx<'_, S>,
    var: i32,
    ptr: i32,
    len: i32,
) -> Result<(), HostTrap> {
    let (env, mut store) = ctx.data_and_store_mut();
    charge(env, &mut store, gas::VMCALL)?;
    let (_, n) = span(env, &store, ptr, len)?;
    charge(env, &mut store, n as u64 * gas::STORAGE_WRITE_BYTE)?;
    let var = touch_var(env, &mut store, var, n as u64, true)?;
    let bytes = read(env, &store, ptr, len)?;
    env.write_var(var, &bytes)
}

fn storage_len<S: ContractState>(mut ctx: Ctx<'_, S>, var: i32) -> Result<i32, HostTrap> {
    let (env, mut store) = ctx.data_and_store_mut();
    charge(env, &mut store, gas::VMCALL)?;
    let (placement, _) = placement_of(env, var)?;
    // Layouts bound a variable to svm_verify's MAX_VARIABLE_BYTES.
    i32::try_from(placement.len).map_err(|_| bad(format!("variable {var} is too long")))
}

fn address<S: ContractState>(mut ctx: Ctx<'_, S>, ptr: i32) -> Result<(), HostTrap> {
    let (env, mut store) = ctx.data_and_store_mut();
    charge(env, &mut store, gas::VMCALL)?;
    let a = env.contract;
    write(env, &store, ptr, a.as_bytes())
}

fn caller<S: ContractState>(mut ctx: Ctx<'_, S>, ptr: i32) -> Result<(), HostTrap> {
    let (env, mut store) = ctx.data_and_store_mut();
    charge(env, &mut store, gas::VMCALL)?;
    let a = env.caller;
    write(env, &store, ptr, a.as_bytes())
}

fn value<S: ContractState>(mut ctx: Ctx<'_, S>, ptr: i32) -> Result<(), HostTrap> {
    let (env, mut store) = ctx.data_and_store_mut();
    charge(env, &mut store, gas::VMCALL)?;
    let v = env.value.to_big_endian();
    write(env, &store, ptr, &v)
}

pub(crate) fn read_address<S>(
    env: &Env<S>,
    store: &impl AsStoreRef,
    ptr: i32,
) -> Result<Address, HostTrap> {
    Ok(Address::from_slice(&read(env, store, ptr, 20)?))
}

fn balance<S: ContractState>(mut ctx: Ctx<'_, S>, addr: i32, out: i32) -> Result<(), HostTrap> {
    let (env, mut store) = ctx.data_and_store_mut();
    charge(env, &mut store, gas::VMCALL)?;
    let who = read_address(env, &store, addr)?;
    span(env, &store, out, 32)?;
    let b = env
        .account(&mut store, &who)?
        .map(|a| a.balance)
        .unwrap_or_default();
    write(env, &store, out, &b.to_big_endian())
}

fn transfer<S: ContractState>(mut ctx: Ctx<'_, S>, to: i32, amount: i32) -> Result<i32, HostTrap> {
    let (env, mut store) = ctx.data_and_store_mut();
    charge(env, &mut store, gas::VMCALL + gas::TRANSFER)?;
    let to = read_address(env, &store, to)?;
    let amount = U256::from_big_endian(&read(env, &store, amount, 32)?);
    let exists = env.account(&mut store, &to)?.is_some();
    if !exists && !amount.is_zero() {
        charge(env, &mut store, gas::NEW_ACCOUNT)?;
    }
    let from = env.contract;
    match env.state()?.transfer(&from, &to, amount) {
        Ok(()) => Ok(0),
        Err(StateError::InsufficientBalance { .. }) => Ok(1),
        Err(e) => Err(env.state_error(e)),
    }
}

fn block_height<S: ContractState>(mut ctx: Ctx<'_, S>) -> Result<i64, HostTrap> {
    let (env, mut store) = ctx.data_and_store_mut();
    charge(env, &mut store, gas::VMCALL)?;
    Ok(env.block.height as i64)
}

fn block_time<S: ContractState>(mut ctx: Ctx<'_, S>) -> Result<i64, HostTrap> {
    let (env, mut store) = ctx.data_and_store_mut();
    charge(env, &mut store, gas::VMCALL)?;
    Ok(env.block.time as i64)
}

/// Charges a vmcall that copies [ptr, ptr + len) out of memory into the
/// receipt (return data), and copies it.
fn copy_out<S>(
    env: &Env<S>,
    store: &mut impl AsStoreMut,
    ptr: i32,
    len: i32,
) -> Result<Vec<u8>, HostTrap> {
    charge(env, store, gas::VMCALL)?;
    let (_, n) = span(env, store, ptr, len)?;
    charge(env, store, n as u64 * gas::DATA_BYTE)?;
    read(env, store, ptr, len)
}

fn set_return<S: ContractState>(mut ctx: Ctx<'_, S>, ptr: i32, len: i32) -> Result<(), HostTrap> {
    let (env, mut store) = ctx.data_and_store_mut();
    env.return_data = copy_out(env, &mut store, ptr, len)?;
    Ok(())
}

fn abort<S: ContractState>(mut ctx: Ctx<'_, S>, ptr: i32, len: i32) -> Result<(), HostTrap> {
    let (env, mut store) = ctx.data_and_store_mut();
    charge(env, &mut store, gas::VMCALL)?;
    let (_, n) = span(env, &store, ptr, len)?;
    let n = n.min(crate::vmcalls::MAX_ABORT_MESSAGE);
    charge(env, &mut store, n as u64 * gas::DATA_BYTE)?;
    let bytes = read(env, &store, ptr, n as i32)?;
    let mut message = String::from("aborted: ");
    for c in String::from_utf8_lossy(&bytes).chars() {
        if c.is_control() {
            message.extend(c.escape_default());
        } else {
            message.push(c);
        }
    }
    Err(bad(message))
}

/// A register's width in bytes, or a trap.
fn reg_bytes<S>(env: &mut Env<S>, bits: i32, index: i32) -> Result<usize, HostTrap> {
    Ok(env.registers.get(bits, index)?.len())
}

fn reg_from_mem<S: ContractState>(
    mut ctx: Ctx<'_, S>,
    bits: i32,
    index: i32,
    ptr: i32,
) -> Result<(), HostTrap> {
    let (env, mut store) = ctx.data_and_store_mut();
    let n = reg_bytes(env, bits, index)?;
    charge(env, &mut store, gas::VMCALL + n as u64 * gas::COPY_BYTE)?;
    let bytes = read(env, &store, ptr, n as i32)?;
    *env.registers.get(bits, index)? = bytes;
    Ok(())
}

fn reg_to_mem<S: ContractState>(
    mut ctx: Ctx<'_, S>,
    bits: i32,
    index: i32,
    ptr: i32,
) -> Result<(), HostTrap> {
    let (env, mut store) = ctx.data_and_store_mut();
    let n = reg_bytes(env, bits, index)?;
    charge(env, &mut store, gas::VMCALL + n as u64 * gas::COPY_BYTE)?;
    let bytes = env.registers.get(bits, index)?.clone();
    write(env, &store, ptr, &bytes)
}

fn reg_from_storage<S: ContractState>(
    mut ctx: Ctx<'_, S>,
    bits: i32,
    index: i32,
    var: i32,
) -> Result<(), HostTrap> {
    let (env, mut store) = ctx.data_and_store_mut();
    let n = reg_bytes(env, bits, index)?;
    charge(
        env,
        &mut store,
        gas::VMCALL + n as u64 * gas::STORAGE_READ_BYTE,
    )?;
    let var = touch_var(env, &mut store, var, n as u64, false)?;
    let bytes = env.read_var(var)?;
    *env.registers.get(bits, index)? = bytes;
    Ok(())
}

fn reg_to_storage<S: ContractState>(
    mut ctx: Ctx<'_, S>,
    bits: i32,
    index: i32,
    var: i32,
) -> Result<(), HostTrap> {
    let (env, mut store) = ctx.data_and_store_mut();
    let n = reg_bytes(env, bits, index)?;
    charge(
        env,
        &mut store,
        gas::VMCALL + n as u64 * gas::STORAGE_WRITE_BYTE,
    )?;
    let var = touch_var(env, &mut store, var, n as u64, true)?;
    let bytes = env.registers.get(bits, index)?.clone();
    env.write_var(var, &bytes)
}

fn reg_copy<S: ContractState>(
    mut ctx: Ctx<'_, S>,
    bits: i32,
    dst: i32,
    src: i32,
) -> Result<(), HostTrap> {
    let (env, mut store) = ctx.data_and_store_mut();
    let n = reg_bytes(env, bits, src)?;
    reg_bytes(env, bits, dst)?;
    charge(env, &mut store, gas::VMCALL + n as u64 * gas::COPY_BYTE)?;
    let bytes = env.registers.get(bits, src)?.clone();
    *env.registers.get(bits, dst)? = bytes;
    Ok(())
}

/// The host function of vmcall `name` (`None`: no such vmcall).
pub(crate) fn vmcall<S: ContractState>(
    store: &mut Store,
    env: &FunctionEnv<Env<S>>,
    name: &str,
) -> Option<Function> {
    Some(match name {
        "storage_read" => Function::new_typed_with_env(store, env, storage_read::<S>),
        "storage_write" => Function::new_typed_with_env(store, env, storage_write::<S>),
        "storage_len" => Function::new_typed_with_env(store, env, storage_len::<S>),
        "address" => Function::new_typed_with_env(store, env, address::<S>),
        "caller" => Function::new_typed_with_env(store, env, caller::<S>),
        "value" => Function::new_typed_with_env(store, env, value::<S>),
        "balance" => Function::new_typed_with_env(store, env, balance::<S>),
        "transfer" => Function::new_typed_with_env(store, env, transfer::<S>),
        "block_height" => Function::new_typed_with_env(store, env, block_height::<S>),
        "block_time" => Function::new_typed_with_env(store, env, block_time::<S>),
        "set_return" => Function::new_typed_with_env(store, env, set_return::<S>),
        "abort" => Function::new_typed_with_env(store, env, abort::<S>),
        "log" => Function::new_typed_with_env(store, env, crate::event_calls::log::<S>),
        "emit" => Function::new_typed_with_env(store, env, crate::event_calls::emit::<S>),
        "call" => Function::new_typed_with_env(store, env, crate::contract_calls::call::<S>),
        "delegate_call" => {
            Function::new_typed_with_env(store, env, crate::contract_calls::delegate_call::<S>)
        }
        "returned" => {
            Function::new_typed_with_env(store, env, crate::contract_calls::returned::<S>)
        }
        "reg_from_mem" => Function::new_typed_with_env(store, env, reg_from_mem::<S>),
        "reg_to_mem" => Function::new_typed_with_env(store, env, reg_to_mem::<S>),
        "reg_from_storage" => Function::new_typed_with_env(store, env, reg_from_storage::<S>),
        "reg_to_storage" => Function::new_typed_with_env(store, env, reg_to_storage::<S>),
        "reg_copy" => Function::new_typed_with_env(store, env, reg_copy::<S>),
        _ => return crate::structure_calls::vmcall(store, env, name),
    })
}

/// The host functions of exactly what `module` imports, in its import
/// order (validation made them all vmcalls of module `svm`).
pub(crate) fn externs_for<S: ContractState>(
    store: &mut Store,
    env: &FunctionEnv<Env<S>>,
    module: &wasmer::Module,
) -> Result<Vec<wasmer::Extern>, String> {
    module
        .imports()
        .map(|import| {
            vmcall(store, env, import.name())
                .map(wasmer::Extern::Function)
                .ok_or_else(|| format!("no vmcall {}", import.name()))
        })
        .collect()
}

/// Every vmcall under module `svm` (what the vmcall table names).
#[cfg(test)]
pub(crate) fn imports<S: ContractState>(
    store: &mut Store,
    env: &FunctionEnv<Env<S>>,
) -> wasmer::Imports {
    let mut imports = wasmer::Imports::new();
    for (name, ..) in crate::vmcalls::VMCALLS {
        if let Some(f) = vmcall(store, env, name) {
            imports.define(crate::vmcalls::MODULE, name, f);
        }
    }
    imports
}

#[cfg(test)]
mod tests {
    use svm_state::kv::MemoryKv;
    use svm_state::{StateConfig, StateDb};
    use wasmer::{Extern, Type};

    use super::*;
    use crate::vmcalls::{self, Ty};

    /// The host registers exactly the vmcalls of the table, each with the
    /// table's signature: the two cannot drift apart.
    #[test]
    fn the_host_serves_exactly_the_vmcall_table() {
        let db = StateDb::open(MemoryKv::new(), &StateConfig::default()).unwrap();
        let session = db.begin().unwrap();
        let mut store = Store::default();
        let a = Address::zero();
        let config = crate::VmConfig {
            module_cache_bytes: 0,
            ..crate::VmConfig::default()
        };
        let exec = Arc::new(Executor {
            compiler: crate::compile::Compiler::new(&config),
            config,
            phases: Default::default(),
        });
        let frame = Frame {
            contract: a,
            caller: a,
            value: U256::zero(),
            function: "f",
            args: &[],
            gas: 0,
            block: BlockContext::default(),
            depth: 0,
            layout: None,
        };
        let env = FunctionEnv::new(
            &mut store,
            Env::new(
                TxScope::new(session, [a, a]),
                exec,
                &frame,
                Touched::default(),
            ),
        );
        let imports = imports(&mut store, &env);
        let ty = |t: &Ty| match t {
            Ty::I32 => Type::I32,
            Ty::I64 => Type::I64,
        };
        let mut served = 0;
        for (module, name, ext) in imports.iter() {
            assert_eq!(module, vmcalls::MODULE);
            let (_, params, results) =
                vmcalls::signature(name).unwrap_or_else(|| panic!("{name} is not in the table"));
            let Extern::Function(f) = ext else {
                panic!("{name} is not a function")
            };
            let sig = f.ty(&store);
            assert_eq!(
                sig.params(),
                params.iter().map(ty).collect::<Vec<_>>(),
                "{name}"
            );
            assert_eq!(
                sig.results(),
                results.iter().map(ty).collect::<Vec<_>>(),
                "{name}"
            );
            served += 1;
        }
        assert_eq!(served, vmcalls::VMCALLS.len(), "every vmcall is served");
    }
}
