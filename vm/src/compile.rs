//! Compiling contracts: singlepass with the metering middleware, one engine
//! per compile (a metering middleware serves one module), the artifact run in
//! one shared headless engine; compiled modules cached by code hash in an LRU
//! bounded in bytes.

use std::sync::{Arc, Mutex};

use lru::LruCache;
use primitive_types::H256;
use wasmer::sys::{CompilerConfig, EngineBuilder, Singlepass};
use wasmer::{Engine, Module};
use wasmer_middlewares::Metering;

use crate::depth::CallDepth;
use crate::gas::operator_cost;

/// Compiles and caches modules.
pub(crate) struct Compiler {
    headless: Engine,
    max_call_depth: u32,
    cache: Mutex<Cache>,
}

struct Cache {
    modules: LruCache<H256, (Module, usize)>,
    bytes: usize,
    capacity: usize,
}

/// Why compiling failed (validated code should always compile).
#[derive(Debug, Clone, thiserror::Error)]
#[error("compiling failed: {0}")]
pub(crate) struct CompileFailed(pub(crate) String);

impl Compiler {
    pub(crate) fn new(cache_bytes: usize, max_call_depth: u32) -> Self {
        Compiler {
            headless: EngineBuilder::headless().into(),
            max_call_depth,
            cache: Mutex::new(Cache {
                modules: LruCache::unbounded(),
                bytes: 0,
                capacity: cache_bytes,
            }),
        }
    }

    /// The engine that runs every module.
    pub(crate) fn engine(&self) -> &Engine {
        &self.headless
    }

    /// The compiled, metered module of `code` (hash `hash`), from the cache
    /// or compiled now.
    pub(crate) fn module(&self, hash: &H256, code: &[u8]) -> Result<Module, CompileFailed> {
        let mut cache = self.cache.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((m, _)) = cache.modules.get(hash) {
            return Ok(m.clone());
        }
        drop(cache);
        let artifact = compile(code, self.max_call_depth)?;
        // SAFETY: the artifact was produced just above by this process's
        // compiler from validated code; nothing else wrote it.
        let module = unsafe { Module::deserialize(&self.headless, artifact.clone()) }
            .map_err(|e| CompileFailed(e.to_string()))?;
        let size = artifact.len();
        let mut cache = self.cache.lock().unwrap_or_else(|e| e.into_inner());
        if size <= cache.capacity {
            cache.bytes += size;
            if let Some((_, old)) = cache.modules.put(*hash, (module.clone(), size)) {
                cache.bytes -= old;
            }
            while cache.bytes > cache.capacity {
                match cache.modules.pop_lru() {
                    Some((_, (_, old))) => cache.bytes -= old,
                    None => break,
                }
            }
        }
        Ok(module)
    }
}

/// Compiles `code` with singlepass and metering; returns the serialized artifact.
pub(crate) fn compile(code: &[u8], max_call_depth: u32) -> Result<Vec<u8>, CompileFailed> {
    let mut config = Singlepass::new();
    config.push_middleware(Arc::new(CallDepth::new(max_call_depth)));
    config.push_middleware(Arc::new(Metering::new(0, operator_cost)));
    let engine: Engine = EngineBuilder::new(config).into();
    let module = Module::new(&engine, code).map_err(|e| CompileFailed(e.to_string()))?;
    module
        .serialize()
        .map(|b| b.to_vec())
        .map_err(|e| CompileFailed(e.to_string()))
}
