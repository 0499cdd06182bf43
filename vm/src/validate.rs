//! Checks a module before it is stored: well-formed WebAssembly without
//! floating point, only svm's vmcalls as imports, an exported memory with a
//! bounded maximum, bounded tables and function count, no start function,
//! and a storage layout.

use svm_state::code::{CodeError, layout_of};
use svm_state::layout::Layout;
use wasmparser::{ExternalKind, Parser, Payload, TypeRef, ValType, Validator, WasmFeatures};

use crate::VmConfig;
use crate::vmcalls::{self, Ty};

/// Why a module is refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ValidationError {
    /// The code is larger than allowed.
    #[error("code of {size} bytes exceeds the {max}-byte limit")]
    TooLarge {
        /// Code size.
        size: usize,
        /// The limit.
        max: usize,
    },
    /// Not valid WebAssembly (or uses a feature svm refuses, such as floats).
    #[error("invalid module: {0}")]
    Invalid(String),
    /// An import that is not one of svm's vmcalls (or has the wrong type).
    #[error("unknown import {module}.{name}")]
    UnknownImport {
        /// Import module.
        module: String,
        /// Import name.
        name: String,
    },
    /// An import of a vmcall with another signature.
    #[error("import svm.{0} has the wrong signature")]
    WrongSignature(String),
    /// Imports of memories, tables or globals.
    #[error("only functions may be imported")]
    NonFunctionImport,
    /// No memory exported as `memory`.
    #[error("the module must export its memory as `memory`")]
    NoMemory,
    /// A memory without a maximum, or with a larger one than allowed.
    #[error("memory must declare a maximum of at most {max} pages")]
    MemoryLimit {
        /// The limit.
        max: u64,
    },
    /// A table without a maximum, or with a larger one than allowed.
    #[error("tables must declare a maximum of at most {max} elements")]
    TableLimit {
        /// The limit.
        max: u64,
    },
    /// Too many functions.
    #[error("{count} functions exceed the limit of {max}")]
    TooManyFunctions {
        /// Functions defined.
        count: u32,
        /// The limit.
        max: u32,
    },
    /// A function with too many locals.
    #[error("a function declares {count} locals, more than {max}")]
    TooManyLocals {
        /// Locals declared.
        count: u64,
        /// The limit.
        max: u32,
    },
    /// A start function (code that would run at every instantiation).
    #[error("start functions are not allowed")]
    StartFunction,
    /// No valid storage layout section.
    #[error("{0}")]
    Layout(String),
}

/// The WebAssembly features a contract may use: WebAssembly 1.0 with
/// sign-extension and multi-value, without floating point.
fn features() -> WasmFeatures {
    (WasmFeatures::WASM1 | WasmFeatures::SIGN_EXTENSION | WasmFeatures::MULTI_VALUE)
        - WasmFeatures::FLOATS
}

fn ty(v: &ValType) -> Option<Ty> {
    match v {
        ValType::I32 => Some(Ty::I32),
        ValType::I64 => Some(Ty::I64),
        _ => None,
    }
}

/// Validates `code` and returns the storage layout it declares.
pub fn validate(code: &[u8], config: &VmConfig) -> Result<Layout, ValidationError> {
    if code.len() > config.max_code_bytes {
        return Err(ValidationError::TooLarge {
            size: code.len(),
            max: config.max_code_bytes,
        });
    }
    let invalid = |e: wasmparser::BinaryReaderError| ValidationError::Invalid(e.message().into());
    Validator::new_with_features(features())
        .validate_all(code)
        .map_err(invalid)?;
    let mut types: Vec<Option<(Vec<Ty>, Vec<Ty>)>> = Vec::new();
    let mut memory_export = None;
    let mut memories = Vec::new();
    for payload in Parser::new(0).parse_all(code) {
        match payload.map_err(invalid)? {
            Payload::TypeSection(reader) => {
                for rec in reader.into_iter_err_on_gc_types() {
                    let f = rec.map_err(invalid)?;
                    let params = f.params().iter().map(ty).collect::<Option<Vec<_>>>();
                    let results = f.results().iter().map(ty).collect::<Option<Vec<_>>>();
                    types.push(params.zip(results));
                }
            }
            Payload::ImportSection(reader) => {
                for import in reader.into_imports() {
                    let import = import.map_err(invalid)?;
                    let unknown = || ValidationError::UnknownImport {
                        module: import.module.to_string(),
                        name: import.name.to_string(),
                    };
                    if import.module != vmcalls::MODULE {
                        return Err(unknown());
                    }
                    let TypeRef::Func(index) = import.ty else {
                        return Err(ValidationError::NonFunctionImport);
                    };
                    let (_, params, results) =
                        vmcalls::signature(import.name).ok_or_else(unknown)?;
                    match types.get(index as usize) {
                        Some(Some((p, r))) if p == params && r == results => {}
                        _ => return Err(ValidationError::WrongSignature(import.name.into())),
                    }
                }
            }
            Payload::FunctionSection(reader) if reader.count() > config.max_functions => {
                return Err(ValidationError::TooManyFunctions {
                    count: reader.count(),
                    max: config.max_functions,
                });
            }
            Payload::TableSection(reader) => {
                for table in reader {
                    let table = table.map_err(invalid)?;
                    match table.ty.maximum {
                        Some(max) if max <= config.max_table_elements => {}
                        _ => {
                            return Err(ValidationError::TableLimit {
                                max: config.max_table_elements,
                            });
                        }
                    }
                }
            }
            Payload::MemorySection(reader) => {
                for memory in reader {
                    memories.push(memory.map_err(invalid)?);
                }
            }
            Payload::ExportSection(reader) => {
                for export in reader {
                    let export = export.map_err(invalid)?;
                    if export.name == "memory" && export.kind == ExternalKind::Memory {
                        memory_export = Some(export.index);
                    }
                }
            }
            Payload::StartSection { .. } => return Err(ValidationError::StartFunction),
            Payload::CodeSectionEntry(body) => {
                let mut locals = 0u64;
                for group in body.get_locals_reader().map_err(invalid)? {
                    locals += u64::from(group.map_err(invalid)?.0);
                }
                if locals > u64::from(config.max_locals) {
                    return Err(ValidationError::TooManyLocals {
                        count: locals,
                        max: config.max_locals,
                    });
                }
            }
            _ => {}
        }
    }
    let index = memory_export.ok_or(ValidationError::NoMemory)?;
    let memory = memories
        .get(index as usize)
        .ok_or(ValidationError::NoMemory)?;
    match memory.maximum {
        Some(max) if max <= config.max_memory_pages => {}
        _ => {
            return Err(ValidationError::MemoryLimit {
                max: config.max_memory_pages,
            });
        }
    }
    layout_of(code).map_err(|e: CodeError| ValidationError::Layout(e.to_string()))
}
