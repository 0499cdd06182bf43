//! A deterministic call-depth limit: a middleware that counts calls in a
//! global (incremented on function entry, decremented before every return)
//! and traps past the limit. Without it, unbounded recursion would stop where
//! the native stack ends, which differs between machines and compilers.

use std::sync::Mutex;

use wasmer::sys::{FunctionMiddleware, MiddlewareError, MiddlewareReaderState, ModuleMiddleware};
use wasmer::wasmparser::{BlockType, Operator};
use wasmer::{ExportIndex, GlobalInit, GlobalType, LocalFunctionIndex, Mutability, Type};
use wasmer_types::{GlobalIndex, ModuleInfo};

/// The export holding the current depth (above the limit after a depth trap).
pub(crate) const DEPTH_EXPORT: &str = "svm_call_depth";

/// The middleware: one instance per compiled module.
#[derive(Debug)]
pub(crate) struct CallDepth {
    limit: u32,
    global: Mutex<Option<GlobalIndex>>,
}

impl CallDepth {
    pub(crate) fn new(limit: u32) -> Self {
        CallDepth {
            limit,
            global: Mutex::new(None),
        }
    }
}

impl ModuleMiddleware for CallDepth {
    fn generate_function_middleware<'a>(
        &self,
        _: LocalFunctionIndex,
    ) -> Box<dyn FunctionMiddleware<'a> + 'a> {
        let global = self
            .global
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .expect("transform_module_info runs first");
        Box::new(FunctionDepth {
            global: global.as_u32(),
            limit: self.limit,
            blocks: 0,
            entered: false,
        })
    }

    fn transform_module_info(&self, info: &mut ModuleInfo) -> Result<(), MiddlewareError> {
        let index = info
            .globals
            .push(GlobalType::new(Type::I32, Mutability::Var));
        info.global_initializers.push(GlobalInit::I32Const(0));
        info.exports
            .insert(DEPTH_EXPORT.to_string(), ExportIndex::Global(index));
        *self.global.lock().unwrap_or_else(|e| e.into_inner()) = Some(index);
        Ok(())
    }
}

#[derive(Debug)]
struct FunctionDepth {
    global: u32,
    limit: u32,
    /// Open blocks; the `end` at zero closes the function.
    blocks: u32,
    entered: bool,
}

impl FunctionDepth {
    fn leave(&self, state: &mut MiddlewareReaderState<'_>) {
        state.extend(&[
            Operator::GlobalGet {
                global_index: self.global,
            },
            Operator::I32Const { value: 1 },
            Operator::I32Sub,
            Operator::GlobalSet {
                global_index: self.global,
            },
        ]);
    }
}

impl<'a> FunctionMiddleware<'a> for FunctionDepth {
    fn feed(
        &mut self,
        operator: Operator<'a>,
        state: &mut MiddlewareReaderState<'a>,
    ) -> Result<(), MiddlewareError> {
        if !self.entered {
            self.entered = true;
            state.extend(&[
                Operator::GlobalGet {
                    global_index: self.global,
                },
                Operator::I32Const { value: 1 },
                Operator::I32Add,
                Operator::GlobalSet {
                    global_index: self.global,
                },
                Operator::GlobalGet {
                    global_index: self.global,
                },
                Operator::I32Const {
                    value: self.limit as i32,
                },
                Operator::I32GtU,
                Operator::If {
                    blockty: BlockType::Empty,
                },
                Operator::Unreachable,
                Operator::End,
            ]);
        }
        match operator {
            Operator::Block { .. } | Operator::Loop { .. } | Operator::If { .. } => {
                self.blocks += 1
            }
            Operator::End if self.blocks == 0 => self.leave(state),
            Operator::End => self.blocks -= 1,
            Operator::Return => self.leave(state),
            _ => {}
        }
        state.push_operator(operator);
        Ok(())
    }
}
