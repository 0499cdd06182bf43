//! Compiling contracts: singlepass with svm's metering middleware, one engine
//! per compile (a metering middleware serves one module), the artifact run in
//! one shared headless engine; compiled modules cached by code hash in an LRU
//! bounded in bytes, and (optionally) on disk.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use lru::LruCache;
use primitive_types::H256;
use wasmer::sys::{CompilerConfig, EngineBuilder, Singlepass};
use wasmer::{Engine, Module};

use crate::config::CompilerKind;
use crate::depth::CallDepth;
use crate::grow::MemoryGuard;
use crate::metering::RegionMetering;

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
    /// Hot modules compiled again with Cranelift and swapped in (tiering).
    pub tier_ups: u64,
    /// Hot modules left on singlepass: their Cranelift compile failed or
    /// ran over its budget.
    pub tier_refusals: u64,
    /// Calls served a Cranelift-compiled module from the caches, memory or
    /// disk (tiered modules; every such call under the Cranelift compiler).
    pub optimized_calls: u64,
}

/// Compiles and caches modules.
pub(crate) struct Compiler {
    headless: Engine,
    kind: CompilerKind,
    max_call_depth: u32,
    shared: Arc<Shared>,
    disk: Option<DiskCache>,
    /// The background Cranelift compiles of hot modules, if tiering is on.
    #[cfg(feature = "cranelift")]
    tier: Option<crate::tiering::Tierer>,
}

/// The module cache and its counters, shared with the tiering worker.
pub(crate) struct Shared {
    cache: Mutex<Cache>,
    stats: Mutex<ModuleStats>,
}

impl Shared {
    pub(crate) fn count(&self, f: impl FnOnce(&mut ModuleStats)) {
        f(&mut self.stats.lock().unwrap_or_else(|e| e.into_inner()));
    }

    fn cache(&self) -> std::sync::MutexGuard<'_, Cache> {
        self.cache.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Keeps `module` (`size` bytes of artifact) in the memory cache,
    /// replacing what it held for `hash`.
    pub(crate) fn remember(&self, hash: &H256, module: &Compiled, size: usize, tier: Tier) {
        let mut cache = self.cache();
        if size <= cache.capacity {
            cache.bytes += size;
            let calls = cache.modules.peek(hash).map_or(0, |e| e.calls);
            let entry = Entry {
                compiled: module.clone(),
                size,
                calls,
                tier,
            };
            if let Some(old) = cache.modules.put(*hash, entry) {
                cache.bytes -= old.size;
            }
            while cache.bytes > cache.capacity {
                match cache.modules.pop_lru() {
                    Some((_, old)) => cache.bytes -= old.size,
                    None => break,
                }
            }
        }
    }

    /// Puts `hash` back to waiting for another run of hot calls.
    #[cfg(feature = "cranelift")]
    pub(crate) fn requeue(&self, hash: &H256) {
        if let Some(e) = self.cache().modules.peek_mut(hash) {
            e.tier = Tier::Base;
            e.calls = 0;
        }
    }

    /// Marks `hash` as done with tiering (tiered, refused or skipped).
    pub(crate) fn tier_done(&self, hash: &H256) {
        if let Some(e) = self.cache().modules.peek_mut(hash) {
            e.tier = Tier::Done;
        }
    }
}

/// Compiled artifacts on disk: one file per module, named by a hash of the
/// code hash and everything the artifact depends on (wasmer version,
/// compiler, target, CPU features, call-depth limit, gas table), holding a
/// magic string, a BLAKE3 hash (a fast check against corrupt files;
/// artifacts are megabytes) of what follows, the code's length (4 bytes,
/// little-endian; calls are charged by it) and the artifact.
pub(crate) struct DiskCache {
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
    pub(crate) fn store(&self, hash: &H256, artifact: &[u8], code_len: usize) {
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
    /// Whether Cranelift compiled it (a tiered module, or Cranelift's
    /// artifact from the disk cache).
    pub(crate) optimized: bool,
    /// The address of the template of this code (where a template holding
    /// it would be; calls to it are refused).
    pub(crate) template: svm_state::Address,
    /// Whether the module exports [`crate::vmcalls::REENTRANT_EXPORT`]: it
    /// accepts calls while a frame of it is running.
    pub(crate) reentrant: bool,
}

impl Compiled {
    pub(crate) fn new(module: Module, code_len: usize, hash: &H256, optimized: bool) -> Self {
        let reentrant = module
            .exports()
            .any(|e| e.name() == crate::vmcalls::REENTRANT_EXPORT);
        Compiled {
            module,
            code_len,
            optimized,
            template: crate::address::template_address(hash),
            reentrant,
        }
    }
}

struct Cache {
    /// Modules by code hash.
    modules: LruCache<H256, Entry>,
    bytes: usize,
    capacity: usize,
}

/// A module in the memory cache.
struct Entry {
    compiled: Compiled,
    /// Its artifact's size in bytes.
    size: usize,
    /// Calls served from the cache since it was loaded.
    calls: u64,
    tier: Tier,
}

/// Where a cached module stands with tiering.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Tier {
    /// On the configured compiler; may become hot.
    Base,
    /// Queued for (or in) the Cranelift compile.
    Queued,
    /// Nothing more to do: tiered, refused, too large, or Cranelift's already.
    Done,
}

/// Why compiling failed (validated code should always compile).
#[derive(Debug, Clone, thiserror::Error)]
#[error("compiling failed: {0}")]
pub struct CompileFailed(pub String);

impl Compiler {
    pub(crate) fn new(config: &crate::VmConfig) -> Self {
        let kind = config.compiler;
        let max_call_depth = config.max_call_depth;
        let disk = config.artifact_dir.as_deref();
        let mut headless: Engine = EngineBuilder::headless().into();
        // Instance memories from a pool of reservations (see memory_pool).
        #[cfg(unix)]
        {
            use wasmer::sys::NativeEngineExt;
            headless.set_tunables(crate::memory_pool::PooledTunables::new());
        }
        let shared = Arc::new(Shared {
            cache: Mutex::new(Cache {
                modules: LruCache::unbounded(),
                bytes: 0,
                capacity: config.module_cache_bytes,
            }),
            stats: Mutex::new(ModuleStats::default()),
        });
        #[cfg(feature = "cranelift")]
        let tier = match (&config.tiering, kind) {
            (Some(t), CompilerKind::Singlepass) => Some(crate::tiering::Tierer::start(
                t.clone(),
                shared.clone(),
                headless.clone(),
                max_call_depth,
                disk.and_then(|d| DiskCache::new(d, CompilerKind::Cranelift, max_call_depth).ok()),
            )),
            _ => None,
        };
        Compiler {
            headless,
            kind,
            max_call_depth,
            shared,
            // An unusable directory only means no disk cache.
            disk: disk.and_then(|d| DiskCache::new(d, kind, max_call_depth).ok()),
            #[cfg(feature = "cranelift")]
            tier,
        }
    }

    /// Cache counters.
    pub(crate) fn stats(&self) -> ModuleStats {
        *self.shared.stats.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn count(&self, f: impl FnOnce(&mut ModuleStats)) {
        self.shared.count(f);
    }

    /// A module from the disk cache, if there is a sound one: Cranelift's
    /// artifact first when tiering is on (a module tiered before a restart
    /// runs tiered at once).
    fn load_from_disk(&self, hash: &H256) -> Option<(Compiled, usize, Tier)> {
        #[cfg(feature = "cranelift")]
        if let Some(found) = self
            .tier
            .as_ref()
            .and_then(|t| t.disk())
            .and_then(|d| self.load_from(d, hash, true))
        {
            return Some((found.0, found.1, Tier::Done));
        }
        let (compiled, size) = self.load_from(self.disk.as_ref()?, hash, false)?;
        let tier = if self.kind == CompilerKind::Singlepass {
            Tier::Base
        } else {
            Tier::Done
        };
        Some((compiled, size, tier))
    }

    fn load_from(
        &self,
        disk: &DiskCache,
        hash: &H256,
        optimized: bool,
    ) -> Option<(Compiled, usize)> {
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
                            optimized,
                            "loaded from the disk cache"
                        );
                        let optimized = optimized || self.kind != CompilerKind::Singlepass;
                        Some((
                            Compiled::new(module, code_len, hash, optimized),
                            artifact.len(),
                        ))
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
        self.lookup(hash, false).map(|(m, _)| m)
    }

    /// As [`Compiler::cached`], counting a call of the module; also says
    /// whether the module just became hot: the caller then hands its code
    /// to [`Compiler::tier_up`].
    pub(crate) fn cached_call(&self, hash: &H256) -> Option<(Compiled, bool)> {
        self.lookup(hash, true)
    }

    fn lookup(&self, hash: &H256, call: bool) -> Option<(Compiled, bool)> {
        let mut cache = self.shared.cache();
        if let Some(e) = cache.modules.get_mut(hash) {
            let hot = call && {
                e.calls += 1;
                self.becomes_hot(e)
            };
            let m = e.compiled.clone();
            drop(cache);
            let optimized = call && m.optimized;
            self.count(|s| {
                s.memory_hits += 1;
                s.optimized_calls += u64::from(optimized);
            });
            return Some((m, hot));
        }
        drop(cache);
        let (compiled, size, tier) = self.load_from_disk(hash)?;
        self.shared.remember(hash, &compiled, size, tier);
        if call && compiled.optimized {
            self.count(|s| s.optimized_calls += 1);
        }
        Some((compiled, false))
    }

    /// Whether `e` reached the tiering threshold now (it is then queued).
    #[cfg(feature = "cranelift")]
    fn becomes_hot(&self, e: &mut Entry) -> bool {
        let Some(t) = &self.tier else {
            return false;
        };
        if e.tier != Tier::Base || e.calls < t.config().hot_calls {
            return false;
        }
        if e.compiled.code_len > t.config().max_code_bytes {
            e.tier = Tier::Done;
            return false;
        }
        e.tier = Tier::Queued;
        true
    }

    #[cfg(not(feature = "cranelift"))]
    fn becomes_hot(&self, _: &mut Entry) -> bool {
        false
    }

    /// Queues the Cranelift compile of the hot module `hash` (`code`: its
    /// code, `None` if it could not be read: the module then stays as it is).
    pub(crate) fn tier_up(&self, hash: &H256, code: Option<Vec<u8>>) {
        #[cfg(feature = "cranelift")]
        if let (Some(t), Some(code)) = (&self.tier, code) {
            t.submit(*hash, code);
            return;
        }
        let _ = code;
        self.shared.tier_done(hash);
    }

    /// Blocks until every queued Cranelift compile is done.
    pub(crate) fn settle_tiering(&self) {
        #[cfg(feature = "cranelift")]
        if let Some(t) = &self.tier {
            t.settle();
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
        let optimized = self.kind != CompilerKind::Singlepass;
        let compiled = Compiled::new(module, code.len(), hash, optimized);
        let tier = if optimized { Tier::Done } else { Tier::Base };
        self.shared.remember(hash, &compiled, artifact.len(), tier);
        Ok(compiled)
    }
}

/// The engine compiling with `config` and svm's middlewares: call depth,
/// memory guard and metering (the same on every compiler, so receipts are).
fn metered_engine(mut config: impl CompilerConfig + 'static, max_call_depth: u32) -> Engine {
    config.push_middleware(Arc::new(CallDepth::new(max_call_depth)));
    config.push_middleware(Arc::new(MemoryGuard::default()));
    config.push_middleware(Arc::new(RegionMetering::default()));
    EngineBuilder::new(config).into()
}

/// Compiles `code` with the call-depth, memory-guard and metering
/// middlewares; returns the serialized artifact.
pub(crate) fn compile(
    code: &[u8],
    kind: CompilerKind,
    max_call_depth: u32,
) -> Result<Vec<u8>, CompileFailed> {
    let engine = match kind {
        CompilerKind::Singlepass => metered_engine(Singlepass::new(), max_call_depth),
        #[cfg(feature = "cranelift")]
        CompilerKind::Cranelift => metered_engine(wasmer::sys::Cranelift::new(), max_call_depth),
    };
    compile_on(&engine, code)
}

/// Compiles `code` with Cranelift on the calling thread alone (tiering's
/// background compile: one core, whatever the module).
#[cfg(feature = "cranelift")]
pub(crate) fn compile_one_thread(
    code: &[u8],
    max_call_depth: u32,
) -> Result<Vec<u8>, CompileFailed> {
    let mut config = wasmer::sys::Cranelift::new();
    config.num_threads(std::num::NonZeroUsize::MIN);
    let engine = metered_engine(config, max_call_depth);
    // Cranelift's trampolines run on the current rayon pool: one thread.
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .map_err(|e| CompileFailed(e.to_string()))?;
    pool.install(|| compile_on(&engine, code))
}

fn compile_on(engine: &Engine, code: &[u8]) -> Result<Vec<u8>, CompileFailed> {
    let module = Module::new(engine, code).map_err(|e| CompileFailed(e.to_string()))?;
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
