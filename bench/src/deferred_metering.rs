//! A prototype, measured only here: metering that subtracts every basic
//! block's cost as wasmer's `Metering` does, but checks for exhaustion only
//! at loop headers, before calls and returns, and at the function's end
//! (the counter may run below zero in between, for at most one loop-free
//! stretch of code). The charges are the same; only where running out is
//! noticed moves. It tells what the check costs on branchy code, for a
//! decision on versioned gas rules; the VM does not use it.

use std::sync::{Arc, Mutex};

use wasmer::sys::{FunctionMiddleware, MiddlewareError, MiddlewareReaderState, ModuleMiddleware};
use wasmer::wasmparser::{BlockType, Operator};
use wasmer::{GlobalInit, GlobalType, LocalFunctionIndex, Mutability, Type};
use wasmer_types::{GlobalIndex, ModuleInfo};

/// The module middleware: one per compiled module.
#[derive(Debug)]
pub(crate) struct DeferredMetering {
    limit: i64,
    cost: fn(&Operator<'_>) -> u64,
    global: Mutex<Option<GlobalIndex>>,
}

impl DeferredMetering {
    pub(crate) fn new(limit: i64, cost: fn(&Operator<'_>) -> u64) -> Arc<Self> {
        Arc::new(DeferredMetering {
            limit,
            cost,
            global: Mutex::new(None),
        })
    }
}

impl ModuleMiddleware for DeferredMetering {
    fn generate_function_middleware<'a>(
        &self,
        _: LocalFunctionIndex,
    ) -> Box<dyn FunctionMiddleware<'a> + 'a> {
        let global = self
            .global
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .expect("transform_module_info runs first")
            .as_u32();
        Box::new(FunctionMeter {
            cost: self.cost,
            global,
            pending: 0,
            depth: 0,
        })
    }

    fn transform_module_info(&self, info: &mut ModuleInfo) -> Result<(), MiddlewareError> {
        let index = info
            .globals
            .push(GlobalType::new(Type::I64, Mutability::Var));
        info.global_initializers
            .push(GlobalInit::I64Const(self.limit));
        *self.global.lock().unwrap_or_else(|e| e.into_inner()) = Some(index);
        Ok(())
    }
}

struct FunctionMeter {
    cost: fn(&Operator<'_>) -> u64,
    global: u32,
    pending: u64,
    /// Open blocks, loops and ifs (the function's own block not counted).
    depth: u32,
}

impl std::fmt::Debug for FunctionMeter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FunctionMeter").finish()
    }
}

impl FunctionMeter {
    fn charge(&mut self, state: &mut MiddlewareReaderState<'_>) {
        if self.pending > 0 {
            state.extend(&[
                Operator::GlobalGet {
                    global_index: self.global,
                },
                Operator::I64Const {
                    value: self.pending as i64,
                },
                Operator::I64Sub,
                Operator::GlobalSet {
                    global_index: self.global,
                },
            ]);
            self.pending = 0;
        }
    }

    fn check(&self, state: &mut MiddlewareReaderState<'_>) {
        state.extend(&[
            Operator::GlobalGet {
                global_index: self.global,
            },
            Operator::I64Const { value: 0 },
            Operator::I64LtS,
            Operator::If {
                blockty: BlockType::Empty,
            },
            Operator::Unreachable,
            Operator::End,
        ]);
    }
}

impl<'a> FunctionMiddleware<'a> for FunctionMeter {
    fn feed(
        &mut self,
        operator: Operator<'a>,
        state: &mut MiddlewareReaderState<'a>,
    ) -> Result<(), MiddlewareError> {
        self.pending += (self.cost)(&operator);
        let accounting = wasmer_middlewares::metering::is_accounting(&operator);
        if accounting {
            self.charge(state);
        }
        match operator {
            Operator::Loop { .. } => {
                self.depth += 1;
                state.push_operator(operator);
                self.check(state);
                return Ok(());
            }
            Operator::Block { .. } | Operator::If { .. } => self.depth += 1,
            Operator::Call { .. } | Operator::CallIndirect { .. } | Operator::Return => {
                self.check(state)
            }
            Operator::End => {
                if self.depth == 0 {
                    self.check(state);
                } else {
                    self.depth -= 1;
                }
            }
            _ => {}
        }
        state.push_operator(operator);
        Ok(())
    }
}
