//! Contract code by hash, and the storage layout it carries.

use primitive_types::H256;

use crate::kv::{Column, KvError, KvStore, WriteBatch};
use crate::layout::Layout;
pub use svm_format::code::module_declaring;

/// Why code cannot be used or read.
#[derive(Debug, thiserror::Error)]
pub enum CodeError {
    /// The code carries no usable layout (svm-format's rule).
    #[error(transparent)]
    Layout(#[from] svm_format::code::CodeError),
    /// Stored code does not hash to its key.
    #[error("stored code {0:#x} is corrupt: it does not hash to its key")]
    Corrupt(H256),
    /// The store failed.
    #[error(transparent)]
    Kv(#[from] KvError),
}

/// keccak256 of the code: the account's `code_hash`.
pub fn code_hash(code: &[u8]) -> H256 {
    keccak_hash::keccak(code)
}

/// The storage layout a module declares in its `svm-layout` custom section
/// ([`svm_format::code::layout_of`]).
pub fn layout_of(code: &[u8]) -> Result<Layout, CodeError> {
    Ok(svm_format::code::layout_of(code)?)
}

/// Adds `code` to `batch` under its hash and returns the hash.
pub fn put_code(batch: &mut WriteBatch, code: &[u8]) -> H256 {
    let hash = code_hash(code);
    batch.put(Column::Code, hash.as_bytes(), code);
    hash
}

/// The code stored under `hash`, checked against it.
pub fn get_code(kv: &impl KvStore, hash: &H256) -> Result<Option<Vec<u8>>, CodeError> {
    match kv.get(Column::Code, hash.as_bytes())? {
        Some(code) if code_hash(&code) != *hash => Err(CodeError::Corrupt(*hash)),
        other => Ok(other),
    }
}
