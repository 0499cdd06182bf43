//! Compiling contracts: singlepass with the metering middleware, one engine
//! per compile (a metering middleware serves one module), the artifact run in
//! one shared headless engine; compiled modules cached by code hash in an LRU
//! bounded in bytes, and (optionally) on disk.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use lru::LruCache;
use primitive_types::H256;
use wasmer::sys::{CompilerConfig, EngineBuilder, Singlepass};
use wasmer::{Engine, Module};
use wasmer_middlewares::Metering;

use crate::config::CompilerKind;
use crate::depth::CallDepth;
use crate::gas::operator_cost;
use crate::grow::MemoryGuard;

/// Counters of the module caches.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ModuleStats {
    /// Modules served from memory.
    pub memory_hits: u64,
    /// Modules loaded from the disk cache.
    pub disk_hits: u64,
    /// Modules compiled.
    pub compiles: u64,
    /// Disk artifacts refused (unreadable, corrupt or from another build).
    pub disk_rejects: u64,
}

/// Compiles and caches modules.
pub(crate) struct Compiler {
    headless: Engine,
    kind: CompilerKind,
    max_call_depth: u32,
    cache: Mutex<Cache>,
    disk: Option<DiskCache>,
    stats: Mutex<ModuleStats>,
}

/// Compiled artifacts on disk: one file per module, named by a hash of the
/// code hash and everything the artifact depends on (wasmer version,
/// compiler, target, CPU features, call-depth limit, gas table), holding a
/// magic string, a BLAKE3 hash (a fast check against corrupt files;
/// artifacts are megabytes) of what follows, the code's length (4 bytes,
/// little-endian; calls are charged by it) and the artifact.
struct DiskCache {
    dir: PathBuf,
    tag: String,
}

const MAGIC: &[u8] = b"svm-artifact-3\n";

impl DiskCache {
    fn new(dir: &Path, kind: CompilerKind, max_call_depth: u32) -> std::io::Result<Self> {
        std::fs::create_dir_all(dir)?;
        let tag = format!(
            "wasmer {} {} {} {:?} depth {max_call_depth} gas {}",
            wasmer_compiler::VERSION,
            kind.name(),
            wasmer::sys::Triple::host(),
            wasmer_types::target::CpuFeature::for_host(),
            crate::gas::TABLE_VERSION,
        );
        Ok(DiskCache {
            dir: dir.to_path_buf(),
            tag,
        })
    }

    fn path(&self, hash: &H256) -> PathBuf {
        let key = keccak_hash::keccak([self.tag.as_bytes(), hash.as_bytes()].concat());
        self.dir.join(format!("{key:x}.artifact"))
    }

    /// The stored artifact and its code's length, if present and intact.
    fn load(&self, hash: &H256) -> Result<Option<(Vec<u8>, usize)>, ()> {
        let Ok(bytes) = std::fs::read(self.path(hash)) else {
            return Ok(None);
        };
        let rest = bytes.strip_prefix(MAGIC).ok_or(())?;
        if rest.len() < 36 {
            return Err(());
        }
        let (sum, body) = rest.split_at(32);
        if blake3::hash(body).as_bytes() != sum {
            return Err(());
        }
        let (len, artifact) = body.split_at(4);
        let len = u32::from_le_bytes(len.try_into().map_err(|_| ())?) as usize;
        Ok(Some((artifact.to_vec(), len)))
    }

    /// Stores an artifact (best effort: the cache is only a cache).
    fn store(&self, hash: &H256, artifact: &[u8], code_len: usize) {
        let path = self.path(hash);
        let tmp = path.with_extension(format!("tmp{}", std::process::id()));
        let mut body = (code_len as u32).to_le_bytes().to_vec();
        body.extend_from_slice(artifact);
        let mut bytes = MAGIC.to_vec();
        bytes.extend_from_slice(blake3::hash(&body).as_bytes());
        bytes.extend_from_slice(&body);
        if std::fs::write(&tmp, &bytes).is_ok() && std::fs::rename(&tmp, &path).is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
    }
}

/// A compiled module and the length of its code (calls are charged by it),
/// with what calls need to know of it without instantiating it.
#[derive(Clone)]
pub(crate) struct Compiled {
    pub(crate) module: Module,
    pub(crate) code_len: usize,
    /// The address of the template of this code (where a template holding
    /// it would be; calls to it are refused).
    pub(crate) template: svm_state::Address,
    /// Whether the module exports [`crate::vmcalls::REENTRANT_EXPORT`]: it
    /// accepts calls while a frame of it is running.
    pub(crate) reentrant: bool,
}

impl Compiled {
    fn new(module: Module, code_len: usize, hash: &H256) -> Self {
        let reentrant = module
            .exports()
            .any(|e| e.name() == crate::vmcalls::REENTRANT_EXPORT);
        Compiled {
            module,
            code_len,
            template: crate::address::template_address(hash),
            reentrant,
        }
    }
}

struct Cache {
    /// Modules with their artifact's size in bytes.
    modules: LruCache<H256, (Compiled, usize)>,
    bytes: usize,
    capacity: usize,
}

/// Why compiling failed (validated code should always compile).
#[derive(Debug, Clone, thiserror::Error)]
#[error("compiling failed: {0}")]
pub struct CompileFailed(pub String);

impl Compiler {
    pub(crate) fn new(
        kind: CompilerKind,
        cache_bytes: usize,
        max_call_depth: u32,
        disk: Option<&Path>,
    ) -> Self {
        Compiler {
            headless: EngineBuilder::headless().into(),
            kind,
            max_call_depth,
            cache: Mutex::new(Cache {
                modules: LruCache::unbounded(),
                bytes: 0,
                capacity: cache_bytes,
            }),
            // An unusable directory only means no disk cache.
            disk: disk.and_then(|d| DiskCache::new(d, kind, max_call_depth).ok()),
            stats: Mutex::new(ModuleStats::default()),
        }
    }

    /// Cache counters.
    pub(crate) fn stats(&self) -> ModuleStats {
        *self.stats.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn count(&self, f: impl FnOnce(&mut ModuleStats)) {
        f(&mut self.stats.lock().unwrap_or_else(|e| e.into_inner()));
    }

    /// A module from the disk cache, if there is a sound one.
    fn load_from_disk(&self, hash: &H256) -> Option<(Compiled, usize)> {
        let disk = self.disk.as_ref()?;
        match disk.load(hash) {
            Ok(Some((artifact, code_len))) => {
                // SAFETY: the artifact is this build's own output (the file
                // name commits to the wasmer version, compiler, target and
                // CPU features) and its checksum matched.
                match unsafe { Module::deserialize(&self.headless, artifact.as_slice()) } {
                    Ok(module) => {
                        self.count(|s| s.disk_hits += 1);
                        tracing::trace!(
                            target: "svm_vm::compile",
                            code_hash = %format_args!("{hash:#x}"),
                            "loaded from the disk cache"
                        );
                        Some((Compiled::new(module, code_len, hash), artifact.len()))
                    }
                    Err(e) => {
                        self.count(|s| s.disk_rejects += 1);
                        tracing::warn!(
                            target: "svm_vm::compile",
                            code_hash = %format_args!("{hash:#x}"),
                            "a cached artifact was refused ({e}); compiling again"
                        );
                        None
                    }
                }
            }
            Ok(None) => None,
            Err(()) => {
                self.count(|s| s.disk_rejects += 1);
                None
            }
        }
    }

    /// The engine that runs every module.
    pub(crate) fn engine(&self) -> &Engine {
        &self.headless
    }

    /// The compiled module of the code with hash `hash`, if a cache holds
    /// it (memory, then disk).
    pub(crate) fn cached(&self, hash: &H256) -> Option<Compiled> {
        let mut cache = self.cache.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((m, _)) = cache.modules.get(hash) {
            let m = m.clone();
            drop(cache);
            self.count(|s| s.memory_hits += 1);
            return Some(m);
        }
        drop(cache);
        let (compiled, size) = self.load_from_disk(hash)?;
        self.remember(hash, &compiled, size);
        Some(compiled)
    }

    /// Keeps `module` (`size` bytes of artifact) in the memory cache.
    fn remember(&self, hash: &H256, module: &Compiled, size: usize) {
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
    }

    /// The compiled, metered module of `code` (hash `hash`), from the caches
    /// or compiled now.
    pub(crate) fn module(&self, hash: &H256, code: &[u8]) -> Result<Compiled, CompileFailed> {
        match self.cached(hash) {
            Some(m) => Ok(m),
            None => self.compile_new(hash, code),
        }
    }

    /// Compiles `code` (hash `hash`, in neither cache) and caches it.
    pub(crate) fn compile_new(&self, hash: &H256, code: &[u8]) -> Result<Compiled, CompileFailed> {
        let started = std::time::Instant::now();
        let artifact = compile(code, self.kind, self.max_call_depth)?;
        self.count(|s| s.compiles += 1);
        tracing::debug!(
            target: "svm_vm::compile",
            code_hash = %format_args!("{hash:#x}"),
            code_bytes = code.len(),
            artifact_bytes = artifact.len(),
            compiler = ?self.kind,
            micros = started.elapsed().as_micros() as u64,
            "compiled"
        );
        if let Some(disk) = &self.disk {
            disk.store(hash, &artifact, code.len());
        }
        // SAFETY: the artifact was produced just above by this process's
        // compiler from validated code.
        let module = unsafe { Module::deserialize(&self.headless, artifact.as_slice()) }
            .map_err(|e| CompileFailed(e.to_string()))?;
        let compiled = Compiled::new(module, code.len(), hash);
        self.remember(hash, &compiled, artifact.len());
        Ok(compiled)
    }
}

/// Compiles `code` with the call-depth, memory-guard and metering
/// middlewares; returns the serialized artifact.
pub(crate) fn compile(
    code: &[u8],
    kind: CompilerKind,
    max_call_depth: u32,
) -> Result<Vec<u8>, CompileFailed> {
    fn engine(mut config: impl CompilerConfig + 'static, max_call_depth: u32) -> Engine {
        config.push_middleware(Arc::new(CallDepth::new(max_call_depth)));
        config.push_middleware(Arc::new(MemoryGuard::default()));
        config.push_middleware(Arc::new(Metering::new(0, operator_cost)));
        EngineBuilder::new(config).into()
    }
    let engine = match kind {
        CompilerKind::Singlepass => engine(Singlepass::new(), max_call_depth),
        #[cfg(feature = "cranelift")]
        CompilerKind::Cranelift => engine(wasmer::sys::Cranelift::new(), max_call_depth),
    };
    let module = Module::new(&engine, code).map_err(|e| CompileFailed(e.to_string()))?;
    module
        .serialize()
        .map(|b| b.to_vec())
        .map_err(|e| CompileFailed(e.to_string()))
}

/// Compiles `code` (a WebAssembly binary) as the VM does under `config`:
/// the configured compiler with the call-depth and metering middlewares.
/// Returns the serialized artifact, the bytes the disk cache stores (for
/// tools that precompile, and the benchmark).
pub fn compile_artifact(code: &[u8], config: &crate::VmConfig) -> Result<Vec<u8>, CompileFailed> {
    compile(code, config.compiler, config.max_call_depth)
}
