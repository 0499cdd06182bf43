//! Checks a module before it is stored: well-formed WebAssembly without
//! floating point, only svm's vmcalls as imports, an exported memory with a
//! bounded maximum, bounded tables, function count and frames (locals and
//! operand stack), data and element segments inside their memory and table
//! (so instantiating a valid module can only fail for the node's reasons),
//! no start function, and a storage layout.

use svm_state::code::{CodeError, layout_of};
use svm_state::layout::Layout;
use wasmparser::{
    ConstExpr, DataKind, ElementKind, ExternalKind, FuncValidatorAllocations, Operator,
    OperatorsReader, Parser, Payload, TypeRef, ValType, ValidPayload, Validator, WasmFeatures,
};

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
    /// A function with too many locals (parameters included).
    #[error("a function has {count} locals, more than {max}")]
    TooManyLocals {
        /// Parameters and locals declared.
        count: u64,
        /// The limit.
        max: u32,
    },
    /// A function whose operand stack grows higher than allowed.
    #[error("a function's operand stack reaches {height} values, more than {max}")]
    StackTooHigh {
        /// The highest operand stack the function builds.
        height: u32,
        /// The limit.
        max: u32,
    },
    /// A data or element segment outside its memory or table, or placed by
    /// anything but a constant.
    #[error("{0}")]
    Segment(String),
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

/// The constant offset of an active segment (WebAssembly 1.0 allows a
/// `global.get` of an imported global too, but contracts import no globals).
fn const_offset(expr: &ConstExpr<'_>) -> Option<u64> {
    let mut ops = expr.get_operators_reader();
    let value = match ops.read().ok()? {
        Operator::I32Const { value } => u64::from(value as u32),
        _ => return None,
    };
    matches!(ops.read().ok()?, Operator::End).then_some(value)
}

/// Validates the body of one function and measures its frame: returns the
/// number of locals (parameters included) and the highest operand stack.
fn frame_of(
    func: wasmparser::FuncToValidate<wasmparser::ValidatorResources>,
    body: &wasmparser::FunctionBody<'_>,
    allocs: &mut FuncValidatorAllocations,
) -> Result<(u32, u32), wasmparser::BinaryReaderError> {
    let mut validator = func.into_validator(std::mem::take(allocs));
    let mut reader = body.get_binary_reader();
    validator.read_locals(&mut reader)?;
    let mut ops = OperatorsReader::new(reader);
    let mut height = 0;
    while !ops.eof() {
        let offset = ops.original_position();
        let op = ops.read()?;
        validator.op(offset, &op)?;
        height = height.max(validator.operand_stack_height());
    }
    ops.finish()?;
    let locals = validator.len_locals();
    *allocs = validator.into_allocations();
    Ok((locals, height))
}

/// Validates `code` (a WebAssembly binary) and returns the storage layout
/// it declares.
pub fn validate(code: &[u8], config: &VmConfig) -> Result<Layout, ValidationError> {
    if code.len() > config.max_code_bytes {
        return Err(ValidationError::TooLarge {
            size: code.len(),
            max: config.max_code_bytes,
        });
    }
    if !code.starts_with(b"\0asm") {
        return Err(ValidationError::Invalid(
            "not a WebAssembly binary (text must be converted first)".into(),
        ));
    }
    let invalid = |e: wasmparser::BinaryReaderError| ValidationError::Invalid(e.message().into());
    let mut validator = Validator::new_with_features(features());
    let mut allocs = FuncValidatorAllocations::default();
    let mut types: Vec<Option<(Vec<Ty>, Vec<Ty>)>> = Vec::new();
    let mut memory_export = None;
    let mut memories = Vec::new();
    let mut table_sizes = Vec::new();
    for payload in Parser::new(0).parse_all(code) {
        let payload = payload.map_err(invalid)?;
        if let ValidPayload::Func(func, body) = validator.payload(&payload).map_err(invalid)? {
            let (locals, height) = frame_of(func, &body, &mut allocs).map_err(invalid)?;
            if locals > config.max_locals {
                return Err(ValidationError::TooManyLocals {
                    count: u64::from(locals),
                    max: config.max_locals,
                });
            }
            if height > config.max_stack_height {
                return Err(ValidationError::StackTooHigh {
                    height,
                    max: config.max_stack_height,
                });
            }
        }
        match payload {
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
                    table_sizes.push(table.ty.initial);
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
            Payload::DataSection(reader) => {
                for data in reader {
                    let data = data.map_err(invalid)?;
                    let DataKind::Active {
                        memory_index,
                        offset_expr,
                    } = data.kind
                    else {
                        continue;
                    };
                    let pages = memories
                        .get(memory_index as usize)
                        .map_or(0, |m: &wasmparser::MemoryType| m.initial);
                    let offset = const_offset(&offset_expr).ok_or_else(|| {
                        ValidationError::Segment("a data segment's offset must be i32.const".into())
                    })?;
                    let end = offset + data.data.len() as u64;
                    if end > pages.saturating_mul(65_536) {
                        return Err(ValidationError::Segment(format!(
                            "a data segment ends at byte {end}, past the initial memory of {pages} pages"
                        )));
                    }
                }
            }
            Payload::ElementSection(reader) => {
                for element in reader {
                    let element = element.map_err(invalid)?;
                    let ElementKind::Active {
                        table_index,
                        offset_expr,
                    } = element.kind
                    else {
                        continue;
                    };
                    let size = table_sizes
                        .get(table_index.unwrap_or(0) as usize)
                        .copied()
                        .unwrap_or(0);
                    let offset = const_offset(&offset_expr).ok_or_else(|| {
                        ValidationError::Segment(
                            "an element segment's offset must be i32.const".into(),
                        )
                    })?;
                    let count = match element.items {
                        wasmparser::ElementItems::Functions(f) => f.count(),
                        wasmparser::ElementItems::Expressions(_, e) => e.count(),
                    };
                    let end = offset + u64::from(count);
                    if end > size {
                        return Err(ValidationError::Segment(format!(
                            "an element segment ends at {end}, past the table's {size} initial elements"
                        )));
                    }
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
