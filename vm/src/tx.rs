//! Transactions: deploy a contract, call one, deploy a template (code for
//! contracts to be spawned from and libraries to be called in), spawn a
//! contract from a template.

use primitive_types::{H256, U256};
use svm_state::Address;

use crate::args::{Arg, arg_bytes};
use crate::gas;

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

/// A template transaction: stores code once, at
/// [`crate::template_address`] of its hash, without creating a contract.
#[derive(Clone, Debug)]
pub struct Template {
    /// Who deploys it.
    pub author: Address,
    /// The author's next nonce (the transaction's replay protection).
    pub nonce: u64,
    /// The module (validated as a deploy's).
    pub code: Vec<u8>,
    /// Gas limit: at least [`gas::template_intrinsic`].
    pub gas_limit: u64,
}

/// A spawn transaction: a new contract running a template's code, with
/// storage of its own.
#[derive(Clone, Debug)]
pub struct Spawn {
    /// Who spawns (pays `balance`).
    pub author: Address,
    /// The author's nonce (part of the address, as a deploy's).
    pub nonce: u64,
    /// The code hash of the template.
    pub template: H256,
    /// Value moved from the author to the new contract.
    pub balance: U256,
    /// A constructor to run after creation, with its arguments.
    pub constructor: Option<(String, Vec<Arg>)>,
    /// Gas limit: the spawn's intrinsic gas ([`gas::spawn_intrinsic`]),
    /// loading the template's code (1 per byte) and the constructor.
    pub gas_limit: u64,
}

/// A transaction.
#[derive(Clone, Debug)]
pub enum Tx {
    /// Deploy a contract.
    Deploy(Deploy),
    /// Call a contract.
    Call(Call),
    /// Deploy a template.
    Template(Template),
    /// Spawn a contract from a template.
    Spawn(Spawn),
}

fn constructor_bytes(constructor: &Option<(String, Vec<Arg>)>) -> u64 {
    constructor.as_ref().map_or(0, |(_, args)| arg_bytes(args))
}

impl Tx {
    /// Its gas limit.
    pub fn gas_limit(&self) -> u64 {
        match self {
            Tx::Deploy(d) => d.gas_limit,
            Tx::Call(c) => c.gas_limit,
            Tx::Template(t) => t.gas_limit,
            Tx::Spawn(s) => s.gas_limit,
        }
    }

    /// The gas it costs before any code runs ([`gas::deploy_intrinsic`],
    /// [`gas::call_intrinsic`], [`gas::template_intrinsic`],
    /// [`gas::spawn_intrinsic`]).
    pub fn intrinsic_gas(&self) -> u64 {
        match self {
            Tx::Deploy(d) => gas::deploy_intrinsic(d.code.len(), constructor_bytes(&d.constructor)),
            Tx::Call(c) => gas::call_intrinsic(arg_bytes(&c.args)),
            Tx::Template(t) => gas::template_intrinsic(t.code.len()),
            Tx::Spawn(s) => gas::spawn_intrinsic(constructor_bytes(&s.constructor)),
        }
    }

    /// Who sends it (pays for it).
    pub fn sender(&self) -> Address {
        match self {
            Tx::Deploy(d) => d.author,
            Tx::Call(c) => c.sender,
            Tx::Template(t) => t.author,
            Tx::Spawn(s) => s.author,
        }
    }
}
