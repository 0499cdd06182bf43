//! Memory growth the node cannot give is the node's failure. A contract's
//! `memory.grow` may only fail (return -1) because the module's declared
//! maximum forbids it; when the host refuses growth within the maximum
//! (address space, memory limits), every other node would have succeeded.
//! This middleware follows every `memory.grow` with a check: a result of -1
//! for growth within the maximum sets an exported flag and traps, and the VM
//! turns the flag into a node error (no receipt, no commit).

use std::sync::Mutex;

use wasmer::sys::{FunctionMiddleware, MiddlewareError, MiddlewareReaderState, ModuleMiddleware};
use wasmer::wasmparser::{BlockType, Operator};
use wasmer::{GlobalInit, LocalFunctionIndex};
use wasmer_types::ModuleInfo;

use crate::globals::add_global;

/// The export that is 1 after the host refused growth within the maximum.
pub(crate) const GROW_FAILED_EXPORT: &str = "svm_grow_failed";

/// The globals the check uses: the requested delta, the result, the flag.
#[derive(Clone, Copy, Debug)]
struct Globals {
    delta: u32,
    result: u32,
    failed: u32,
    max_pages: u32,
}

/// The middleware: one instance per compiled module.
#[derive(Debug, Default)]
pub(crate) struct MemoryGuard {
    globals: Mutex<Option<Globals>>,
    /// Tests only: the maximum the check assumes, instead of the module's.
    assumed_max: Option<u32>,
}

impl ModuleMiddleware for MemoryGuard {
    fn generate_function_middleware<'a>(
        &self,
        _: LocalFunctionIndex,
    ) -> Box<dyn FunctionMiddleware<'a> + 'a> {
        let globals = self
            .globals
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .expect("transform_module_info runs first");
        Box::new(FunctionGuard { globals })
    }

    fn transform_module_info(&self, info: &mut ModuleInfo) -> Result<(), MiddlewareError> {
        // Validation requires a declared maximum (the contract's memory is
        // its only one); without a memory there is no memory.grow.
        let max_pages = self.assumed_max.unwrap_or_else(|| {
            info.memories
                .values()
                .next()
                .and_then(|m| m.maximum)
                .map_or(0, |p| p.0)
        });
        let delta = add_global(info, GlobalInit::I32Const(0), None);
        let result = add_global(info, GlobalInit::I32Const(0), None);
        let failed = add_global(info, GlobalInit::I32Const(0), Some(GROW_FAILED_EXPORT));
        *self.globals.lock().unwrap_or_else(|e| e.into_inner()) = Some(Globals {
            delta: delta.as_u32(),
            result: result.as_u32(),
            failed: failed.as_u32(),
            max_pages,
        });
        Ok(())
    }
}

#[derive(Debug)]
struct FunctionGuard {
    globals: Globals,
}

impl<'a> FunctionMiddleware<'a> for FunctionGuard {
    fn feed(
        &mut self,
        operator: Operator<'a>,
        state: &mut MiddlewareReaderState<'a>,
    ) -> Result<(), MiddlewareError> {
        let Operator::MemoryGrow { mem } = operator else {
            state.push_operator(operator);
            return Ok(());
        };
        let g = self.globals;
        state.extend(&[
            // [delta] -> keep a copy of delta
            Operator::GlobalSet {
                global_index: g.delta,
            },
            Operator::GlobalGet {
                global_index: g.delta,
            },
            Operator::MemoryGrow { mem },
            Operator::GlobalSet {
                global_index: g.result,
            },
            // result == -1 ...
            Operator::GlobalGet {
                global_index: g.result,
            },
            Operator::I32Const { value: -1 },
            Operator::I32Eq,
            Operator::If {
                blockty: BlockType::Empty,
            },
            // ... and size + delta <= max (in 64 bits: no overflow)
            Operator::MemorySize { mem },
            Operator::I64ExtendI32U,
            Operator::GlobalGet {
                global_index: g.delta,
            },
            Operator::I64ExtendI32U,
            Operator::I64Add,
            Operator::I64Const {
                value: i64::from(g.max_pages),
            },
            Operator::I64LeU,
            Operator::If {
                blockty: BlockType::Empty,
            },
            Operator::I32Const { value: 1 },
            Operator::GlobalSet {
                global_index: g.failed,
            },
            Operator::Unreachable,
            Operator::End,
            Operator::End,
            Operator::GlobalGet {
                global_index: g.result,
            },
        ]);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use wasmer::sys::{CompilerConfig, EngineBuilder, Singlepass};
    use wasmer::{Instance, Module, Store, imports};

    use super::*;

    /// Growth refused within the maximum sets the flag and traps; growth
    /// beyond the maximum returns -1 as WebAssembly says; growth that works
    /// returns the old size. The host's refusal is simulated by a guard that
    /// assumes a larger maximum than the memory really has.
    #[test]
    fn refused_growth_within_the_maximum_is_flagged() {
        let wat = r#"(module (memory (export "memory") 1 2)
            (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0))))"#;
        let run = |assumed_max: Option<u32>, delta: i32| {
            let mut config = Singlepass::new();
            config.push_middleware(Arc::new(MemoryGuard {
                assumed_max,
                ..MemoryGuard::default()
            }));
            let mut store = Store::new(EngineBuilder::new(config));
            let module = Module::new(&store, wat).unwrap();
            let instance = Instance::new(&mut store, &module, &imports! {}).unwrap();
            let grow = instance
                .exports
                .get_typed_function::<i32, i32>(&store, "grow")
                .unwrap();
            let result = grow.call(&mut store, delta).map_err(|e| e.message());
            let flag = instance
                .exports
                .get_global(GROW_FAILED_EXPORT)
                .unwrap()
                .get(&mut store)
                .i32();
            (result, flag)
        };
        assert_eq!(run(None, 1), (Ok(1), Some(0)));
        assert_eq!(run(None, 2), (Ok(-1), Some(0)), "beyond the maximum");
        let (result, flag) = run(Some(10), 5);
        assert!(result.is_err(), "{result:?}");
        assert_eq!(flag, Some(1));
        // A huge delta never overflows the check.
        assert_eq!(run(Some(10), -1), (Ok(-1), Some(0)));
    }
}
