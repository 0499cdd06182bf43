//! svm-vm: the WebAssembly VM of svm. It deploys and calls contracts with
//! wasmer (singlepass compiler, metered), turning transactions into receipts
//! and committed state through svm-state; it owns no storage logic.
//!
//! - [`Vm::deploy`] validates a module ([`validate`]), creates the contract
//!   at [`contract_address`] and runs its constructor.
//! - [`Vm::call`] runs an exported function with gas; success commits, any
//!   failure discards every change. A failure of the node itself is a
//!   [`VmError`], never a receipt.
//! - [`vmcalls`]: what contracts import (module `svm`); [`gas`]: prices.

#![cfg_attr(not(test), warn(unused_crate_dependencies))]

mod address;
mod altstack;
mod compile;
mod config;
mod depth;
mod error;
pub mod gas;
mod grow;
mod host;
mod phases;
mod receipt;
mod runtime;
mod state;
mod structure_calls;
mod text;
mod validate;
pub mod vmcalls;

pub use address::contract_address;
pub use compile::{CompileFailed, ModuleStats, compile_artifact};
pub use config::{CompilerKind, VmConfig};
pub use error::VmError;
pub use host::BlockContext;
pub use phases::PhaseTimes;
pub use receipt::{BlockResult, Receipt, TxError};
pub use runtime::{Arg, Call, Deploy, Tx, Vm};
pub use state::ContractState;
pub use text::{strip_names, wat_to_wasm};
pub use validate::{ValidationError, validate};
