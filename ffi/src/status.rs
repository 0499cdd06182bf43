//! What every call returns: a status code, and the error behind a failure.

use svm_proofs::{AnyProofError, ProveError};
use svm_state::StateError;
use svm_vm::VmError;

/// The outcome of a call. Every function that can fail returns one; on a
/// failure its `err` buffer (when given) holds a UTF-8 message, and its
/// outputs are empty. Codes are stable: new ones are only ever added.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SvmStatus {
    /// Success.
    Ok = 0,
    /// A pointer that must not be NULL was NULL (a byte view with a length
    /// but no pointer, a missing output).
    NullPointer = 1,
    /// The handle is not one svm handed out, or was closed or freed (or a
    /// database handle was passed for a VM's, or the other way round).
    BadHandle = 2,
    /// An argument does not decode or is out of range: a transaction that
    /// is not a transaction, a root that is not 32 bytes, an unknown option,
    /// a variable the contract does not have, a length beyond
    /// `SVM_MAX_INPUT_BYTES`.
    InvalidInput = 3,
    /// What was asked for is not in the database: a root never committed, a
    /// block, receipt, account, element or code it does not hold.
    NotFound = 4,
    /// A transaction or block no block may hold (a gas limit out of bounds,
    /// gas limits adding up to more than a block may use). Nothing changed.
    InvalidTx = 5,
    /// A proof that does not verify against the trusted root.
    ProofInvalid = 6,
    /// The node's own failure: I/O, a corrupt database, the execution
    /// engine. Nothing changed; retry, or stop the node. Never a receipt.
    Node = 7,
    /// A write to a database opened read-only.
    ReadOnly = 8,
    /// svm panicked: a bug in svm. The call changed nothing that was
    /// committed; the handle may be used again.
    Panic = 9,
}

/// A failure with its status.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub(crate) struct FfiError {
    /// The code returned.
    pub(crate) status: SvmStatus,
    /// The message written to the caller's error buffer.
    pub(crate) message: String,
}

impl FfiError {
    pub(crate) fn new(status: SvmStatus, message: impl Into<String>) -> Self {
        FfiError {
            status,
            message: message.into(),
        }
    }

    /// A bad argument.
    pub(crate) fn invalid(message: impl Into<String>) -> Self {
        Self::new(SvmStatus::InvalidInput, message)
    }

    /// Something not held.
    pub(crate) fn not_found(message: impl Into<String>) -> Self {
        Self::new(SvmStatus::NotFound, message)
    }

    /// A required pointer was NULL.
    pub(crate) fn null(what: &str) -> Self {
        Self::new(SvmStatus::NullPointer, format!("{what} is NULL"))
    }
}

impl From<StateError> for FfiError {
    fn from(e: StateError) -> Self {
        let status = match &e {
            StateError::UnknownRoot(_) | StateError::NoAccount(_) | StateError::Pruned { .. } => {
                SvmStatus::NotFound
            }
            StateError::NotAContract(_)
            | StateError::NoSuchVariable { .. }
            | StateError::WrongStructure(_)
            | StateError::IndexOutOfRange { .. }
            | StateError::Structure(_)
            | StateError::NoSuchPage { .. } => SvmStatus::InvalidInput,
            StateError::Kv(svm_state::kv::KvError::ReadOnly) => SvmStatus::ReadOnly,
            _ => SvmStatus::Node,
        };
        FfiError::new(status, e.to_string())
    }
}

impl From<VmError> for FfiError {
    fn from(e: VmError) -> Self {
        match e {
            VmError::State(e) => {
                // Inside a transaction, the state's failures are the node's.
                let inner = FfiError::from(e);
                let status = match inner.status {
                    SvmStatus::ReadOnly => SvmStatus::ReadOnly,
                    _ => SvmStatus::Node,
                };
                FfiError::new(status, format!("state database: {}", inner.message))
            }
            VmError::Engine(_) => FfiError::new(SvmStatus::Node, e.to_string()),
            VmError::InvalidTx { .. } | VmError::BlockGasLimit { .. } => {
                FfiError::new(SvmStatus::InvalidTx, e.to_string())
            }
        }
    }
}

impl From<ProveError> for FfiError {
    fn from(e: ProveError) -> Self {
        let status = match &e {
            ProveError::UnknownRoot(_) | ProveError::NoBlock(_) | ProveError::NoReceipt { .. } => {
                SvmStatus::NotFound
            }
            ProveError::NotAContract(_)
            | ProveError::NoSuchVariable { .. }
            | ProveError::BadPath { .. }
            | ProveError::Code { .. } => SvmStatus::InvalidInput,
            _ => SvmStatus::Node,
        };
        FfiError::new(status, e.to_string())
    }
}

impl From<AnyProofError> for FfiError {
    fn from(e: AnyProofError) -> Self {
        let status = match &e {
            AnyProofError::UnknownKind | AnyProofError::NotAProof(_) => SvmStatus::InvalidInput,
            AnyProofError::Binary(_) | AnyProofError::Json(_) => SvmStatus::ProofInvalid,
        };
        FfiError::new(status, e.to_string())
    }
}
