//! A deterministic call-depth limit: a middleware that counts nested calls
//! in a global. The caller counts: every `call` to a function of the module
//! and every `call_indirect` is preceded by an increment and a check
//! (trapping past the limit) and followed by a decrement. A function left by
//! any path (`end`, `return`, a branch to its own label) returns to its
//! caller's decrement, so the count cannot leak; a trap ends the whole call.
//! Calls of vmcalls (imported functions) are not counted: they never call
//! back. Without the limit, unbounded recursion would stop where the native
//! stack ends, which differs between machines and compilers.

use std::sync::Mutex;

use wasmer::sys::{FunctionMiddleware, MiddlewareError, MiddlewareReaderState, ModuleMiddleware};
use wasmer::wasmparser::{BlockType, Operator};
use wasmer::{GlobalInit, LocalFunctionIndex};
use wasmer_types::{GlobalIndex, ModuleInfo};

use crate::globals::add_global;

/// The export holding the current depth (at the limit after a depth trap).
pub(crate) const DEPTH_EXPORT: &str = "svm_call_depth";

/// The middleware: one instance per compiled module.
#[derive(Debug)]
pub(crate) struct CallDepth {
    limit: u32,
    /// The depth global and the number of imported functions.
    module: Mutex<Option<(GlobalIndex, u32)>>,
}

impl CallDepth {
    /// Frames may nest `limit` deep: the host's call is the first, so
    /// `limit - 1` calls between the module's functions may be open at once.
    pub(crate) fn new(limit: u32) -> Self {
        CallDepth {
            limit,
            module: Mutex::new(None),
        }
    }
}

impl ModuleMiddleware for CallDepth {
    fn generate_function_middleware<'a>(
        &self,
        _: LocalFunctionIndex,
    ) -> Box<dyn FunctionMiddleware<'a> + 'a> {
        let (global, imported) = self
            .module
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .expect("transform_module_info runs first");
        Box::new(FunctionDepth {
            global: global.as_u32(),
            imported,
            nested: self.limit.saturating_sub(1),
        })
    }

    fn transform_module_info(&self, info: &mut ModuleInfo) -> Result<(), MiddlewareError> {
        let index = add_global(info, GlobalInit::I32Const(0), Some(DEPTH_EXPORT));
        let imported = u32::try_from(info.num_imported_functions)
            .map_err(|_| MiddlewareError::new("call depth", "too many imports"))?;
        *self.module.lock().unwrap_or_else(|e| e.into_inner()) = Some((index, imported));
        Ok(())
    }
}

#[derive(Debug)]
struct FunctionDepth {
    global: u32,
    /// Functions below this index are vmcalls.
    imported: u32,
    /// How many calls between the module's functions may be open at once.
    nested: u32,
}

impl FunctionDepth {
    fn enter(&self, state: &mut MiddlewareReaderState<'_>) {
        let g = self.global;
        state.extend(&[
            Operator::GlobalGet { global_index: g },
            Operator::I32Const { value: 1 },
            Operator::I32Add,
            Operator::GlobalSet { global_index: g },
            Operator::GlobalGet { global_index: g },
            Operator::I32Const {
                value: self.nested as i32,
            },
            Operator::I32GtU,
            Operator::If {
                blockty: BlockType::Empty,
            },
            Operator::Unreachable,
            Operator::End,
        ]);
    }

    fn leave(&self, state: &mut MiddlewareReaderState<'_>) {
        let g = self.global;
        state.extend(&[
            Operator::GlobalGet { global_index: g },
            Operator::I32Const { value: 1 },
            Operator::I32Sub,
            Operator::GlobalSet { global_index: g },
        ]);
    }
}

impl<'a> FunctionMiddleware<'a> for FunctionDepth {
    fn feed(
        &mut self,
        operator: Operator<'a>,
        state: &mut MiddlewareReaderState<'a>,
    ) -> Result<(), MiddlewareError> {
        let counted = match operator {
            Operator::Call { function_index } => function_index >= self.imported,
            Operator::CallIndirect { .. } => true,
            _ => false,
        };
        if counted {
            self.enter(state);
            state.push_operator(operator);
            self.leave(state);
        } else {
            state.push_operator(operator);
        }
        Ok(())
    }
}
