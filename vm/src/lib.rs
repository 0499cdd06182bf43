//! svm-vm: the WebAssembly VM of svm. It deploys and calls contracts with
//! wasmer (singlepass compiler, metered), turning transactions into receipts
//! and committed state through svm-state; it owns no storage logic.
//!
//! - [`Vm::deploy`] validates a module ([`validate`]), creates the contract
//!   at [`contract_address`] and runs its constructor.
//! - [`Vm::call`] runs an exported function with gas; success commits, any
//!   failure discards every change. A failure of the node itself is a
//!   [`VmError`], never a receipt.
//! - Contracts call contracts (`call`), run templates' code against their
//!   own storage (`delegate_call`) and emit [`Event`]s with a time-to-live;
//!   [`Vm::template`] stores code once and [`Vm::spawn`] makes contracts
//!   of it.
//! - [`vmcalls`]: what contracts import (module `svm`); [`gas`]: prices;
//!   [`args`]: the argument encoding calls pass.

#![cfg_attr(not(test), warn(unused_crate_dependencies))]

mod address;
mod altstack;
pub mod args;
mod compile;
mod config;
mod contract_calls;
mod depth;
mod error;
mod event_calls;
mod exec;
pub mod gas;
mod globals;
mod grow;
mod host;
mod memory_pool;
mod metering;
mod phases;
mod receipt;
mod runtime;
mod scope;
mod state;
mod structure_calls;
mod text;
#[cfg(feature = "cranelift")]
mod tiering;
mod tx;
mod validate;
pub mod vmcalls;

pub use address::{contract_address, template_address};
pub use args::Arg;
pub use compile::{CompileFailed, ModuleStats, compile_artifact};
pub use config::{CompilerKind, TIERING_AVAILABLE, Tiering, VmConfig};
pub use error::VmError;
pub use host::BlockContext;
pub use metering::RegionMetering;
pub use phases::PhaseTimes;
pub use receipt::{BlockResult, Receipt, TxError};
pub use runtime::{Metrics, Vm};
pub use state::ContractState;
pub use svm_format::event::Event;
pub use text::{strip_names, wat_to_wasm};
pub use tx::{Call, Deploy, Spawn, Template, Tx};
pub use validate::{ValidationError, validate};
