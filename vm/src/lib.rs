//! svm-vm: the WebAssembly VM of svm. It deploys and calls contracts with
//! wasmer (singlepass compiler, metered), turning transactions into receipts
//! and committed state through svm-state; it owns no storage logic.
//!
//! - [`Vm::deploy`] validates a module ([`validate`]), creates the contract
//!   at [`contract_address`] and runs its constructor.
//! - [`Vm::call`] runs an exported function with gas; success commits, any
//!   failure discards every change.
//! - [`vmcalls`]: what contracts import (module `svm`); [`gas`]: prices.

#![cfg_attr(not(test), warn(unused_crate_dependencies))]

mod address;
mod compile;
mod config;
mod depth;
pub mod gas;
mod host;
mod phases;
mod receipt;
mod runtime;
mod validate;
pub mod vmcalls;

pub use address::contract_address;
pub use compile::{CompileFailed, ModuleStats, compile_artifact};
pub use config::{CompilerKind, VmConfig};
pub use host::BlockContext;
pub use phases::PhaseTimes;
pub use receipt::{Receipt, TxError};
pub use runtime::{Arg, Call, Deploy, Tx, Vm};
pub use validate::{ValidationError, validate};
