//! What can go wrong in a command, each with a one-line message.

use svm_trie::TrieError;
use svm_trie::proof::ProofError;

/// A command's failure.
#[derive(Debug, thiserror::Error)]
pub(crate) enum CliError {
    /// A file could not be read.
    #[error("{path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    /// A line of an input file is not what it should be.
    #[error("{path}:{line}: {message}")]
    Input {
        path: String,
        line: usize,
        message: String,
    },
    /// A file is not valid JSON of the expected shape.
    #[error("{path}: {message}")]
    Json { path: String, message: String },
    /// A command-line argument is malformed.
    #[error("{0}")]
    Arg(String),
    /// A trie operation failed.
    #[error(transparent)]
    Trie(#[from] TrieError),
    /// A proof does not verify.
    #[error("invalid proof: {0}")]
    Proof(#[from] ProofError),
    /// The proof verifies but shows another value than its file claims.
    #[error("invalid proof: it proves {proven}, but the file claims {claimed}")]
    ClaimMismatch { proven: String, claimed: String },
    /// A state operation failed.
    #[error(transparent)]
    State(#[from] svm_state::StateError),
    /// The VM could not execute a transaction (a node failure or an
    /// invalid transaction; nothing was committed).
    #[error(transparent)]
    Vm(#[from] svm_vm::VmError),
    /// The reference counts of a pruning database are wrong.
    #[error("check failed: reference counts are wrong: {0}")]
    Refs(String),
    /// A state check found a problem.
    #[error("check failed: {0}")]
    Check(#[from] svm_state::check::CheckError),
    /// A state proof could not be built.
    #[error("cannot prove: {0}")]
    Prove(#[from] svm_proofs::ProveError),
    /// A state proof does not verify.
    #[error("invalid proof: {0}")]
    Verify(#[from] svm_proofs::verify::VerifyError),
    /// A JSON state proof is malformed, does not verify, or claims what it
    /// does not prove.
    #[error("invalid proof: {0}")]
    ProofJson(#[from] svm_proofs::json::JsonError),
    /// A file could not be written.
    #[error("{path}: {source}")]
    Write {
        path: String,
        source: std::io::Error,
    },
    /// Output could not be written.
    #[error("cannot write output: {0}")]
    Output(#[from] serde_json::Error),
}

impl CliError {
    /// What an operator should do next, where the error alone does not say.
    pub(crate) fn hint(&self) -> Option<&'static str> {
        use svm_state::StateError;
        use svm_state::kv::KvError;
        let state = match self {
            CliError::State(e) => e,
            CliError::Vm(svm_vm::VmError::State(e)) => e,
            _ => return None,
        };
        match state {
            StateError::Kv(KvError::Corrupt { .. }) => Some(
                "the database's files are damaged: restore the directory from a backup or \
                 sync the state again; `svm state check` re-hashes everything reachable from \
                 a root in a database that still opens",
            ),
            StateError::Kv(KvError::Open { .. }) => Some(
                "another process may hold the database: commands that only read \
                 (`svm state …`, `svm prove`, `svm block`) open it read-only beside it",
            ),
            _ => None,
        }
    }
}
