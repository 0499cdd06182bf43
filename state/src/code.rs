//! Contract code by hash, and the storage layout it carries.

use primitive_types::H256;

use crate::kv::{Column, KvError, KvStore, WriteBatch};
use crate::layout::{Layout, LayoutError, SECTION_NAME, leb128};

/// Why code cannot be used or read.
#[derive(Debug, thiserror::Error)]
pub enum CodeError {
    /// The bytes are not a WebAssembly module.
    #[error("not a WebAssembly module: {0}")]
    NotWasm(String),
    /// The module has no `svm-layout` custom section.
    #[error("the module has no `{SECTION_NAME}` custom section")]
    NoLayout,
    /// The module has more than one `svm-layout` custom section.
    #[error("the module has more than one `{SECTION_NAME}` custom section")]
    DuplicateLayout,
    /// The layout section is invalid.
    #[error("invalid storage layout: {0}")]
    Layout(#[from] LayoutError),
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

/// The storage layout a module declares in its `svm-layout` custom section.
pub fn layout_of(code: &[u8]) -> Result<Layout, CodeError> {
    let mut found = None;
    for payload in wasmparser::Parser::new(0).parse_all(code) {
        let payload = payload.map_err(|e| CodeError::NotWasm(e.message().to_string()))?;
        if let wasmparser::Payload::CustomSection(section) = payload
            && section.name() == SECTION_NAME
        {
            if found.is_some() {
                return Err(CodeError::DuplicateLayout);
            }
            found = Some(Layout::decode(section.data())?);
        }
    }
    found.ok_or(CodeError::NoLayout)
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

/// The smallest module declaring `layout`: the wasm header and one
/// `svm-layout` custom section, nothing else. For tests, tools and
/// benchmarks that need contract code without behaviour.
pub fn module_declaring(layout: &Layout) -> Vec<u8> {
    let payload = layout.encode();
    let mut section = Vec::new();
    leb128(&mut section, SECTION_NAME.len() as u32);
    section.extend_from_slice(SECTION_NAME.as_bytes());
    section.extend_from_slice(&payload);
    let mut module = b"\0asm\x01\0\0\0".to_vec();
    module.push(0); // custom section id
    leb128(&mut module, section.len() as u32);
    module.extend_from_slice(&section);
    module
}
