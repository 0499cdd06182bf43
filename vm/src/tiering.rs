//! Tiered compilation: a module called often ([`Tiering::hot_calls`]) is
//! compiled again with Cranelift on one background thread and swapped into
//! the module cache; the calls after the swap run Cranelift's code.
//!
//! Receipts cannot tell: both compilers get the same call-depth, memory-guard
//! and metering middlewares with the same operator prices, so gas, results
//! and traps are the same whichever code runs (`vm/tests/compilers.rs` runs
//! the same calls through a tiering VM and a singlepass-only one and compares
//! every receipt).
//!
//! Cranelift's compile time is not linear in the code, so each compile has a
//! budget ([`Tiering::compile_budget`]): a module whose compile overruns it
//! stays on singlepass for good (remembered by hash). A compile cannot be
//! interrupted, so the worker waits for an overrunning one to end before it
//! starts the next, and after every compile rests as long as it took:
//! tiering uses at most one core at a time and half of one over time,
//! whatever modules callers make hot.

use std::sync::mpsc::{self, RecvTimeoutError, SyncSender, TrySendError};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Instant;

use lru::LruCache;
use primitive_types::H256;
use wasmer::{Engine, Module};

use crate::compile::{Compiled, DiskCache, Shared, Tier, compile_one_thread};
use crate::config::Tiering;

/// Compiles queued at most at once; a module that finds the queue full
/// stays as it is and is queued again after its next hot run of calls.
const QUEUE: usize = 64;

/// Hashes of modules refused (compile failed or over budget) remembered,
/// so a module evicted and loaded again is not compiled again.
const REFUSED: usize = 4_096;

/// The handle of the tiering worker.
pub(crate) struct Tierer {
    config: Tiering,
    jobs: SyncSender<Job>,
    pending: Arc<Pending>,
    shared: Arc<Shared>,
    disk: Option<Arc<DiskCache>>,
    refused: Arc<Mutex<LruCache<H256, ()>>>,
}

/// A module to compile with Cranelift.
struct Job {
    hash: H256,
    code: Vec<u8>,
}

/// Jobs queued or running, to wait for.
#[derive(Default)]
struct Pending {
    count: Mutex<usize>,
    idle: Condvar,
}

impl Pending {
    fn add(&self, n: isize) {
        let mut c = self.count.lock().unwrap_or_else(|e| e.into_inner());
        *c = c.saturating_add_signed(n);
        if *c == 0 {
            self.idle.notify_all();
        }
    }
}

/// What the worker needs.
struct Worker {
    budget: std::time::Duration,
    shared: Arc<Shared>,
    headless: Engine,
    max_call_depth: u32,
    disk: Option<Arc<DiskCache>>,
    pending: Arc<Pending>,
    refused: Arc<Mutex<LruCache<H256, ()>>>,
}

impl Tierer {
    /// Starts the worker thread (it ends when the handle is dropped and the
    /// job it runs is done).
    pub(crate) fn start(
        config: Tiering,
        shared: Arc<Shared>,
        headless: Engine,
        max_call_depth: u32,
        disk: Option<DiskCache>,
    ) -> Self {
        let (jobs, rx) = mpsc::sync_channel::<Job>(QUEUE);
        let pending = Arc::new(Pending::default());
        let disk = disk.map(Arc::new);
        let refused = Arc::new(Mutex::new(LruCache::new(
            std::num::NonZeroUsize::new(REFUSED).unwrap_or(std::num::NonZeroUsize::MIN),
        )));
        let worker = Worker {
            budget: config.compile_budget,
            shared: shared.clone(),
            headless,
            max_call_depth,
            disk: disk.clone(),
            pending: pending.clone(),
            refused: refused.clone(),
        };
        let spawned = std::thread::Builder::new()
            .name("svm-tiering".into())
            .spawn(move || {
                while let Ok(job) = rx.recv() {
                    worker.run(job);
                }
            });
        if let Err(e) = spawned {
            // No worker: jobs are refused at the queue (its receiver is gone).
            tracing::warn!(target: "svm_vm::compile", "tiering is off: no worker thread ({e})");
        }
        Tierer {
            config,
            jobs,
            pending,
            shared,
            disk,
            refused,
        }
    }

    /// The configuration.
    pub(crate) fn config(&self) -> &Tiering {
        &self.config
    }

    /// Cranelift's disk cache, if artifacts persist.
    pub(crate) fn disk(&self) -> Option<&DiskCache> {
        self.disk.as_deref()
    }

    /// Queues `code` (hash `hash`) for the Cranelift compile, unless it was
    /// refused before or the queue is full.
    pub(crate) fn submit(&self, hash: H256, code: Vec<u8>) {
        let refused = self
            .refused
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .contains(&hash);
        if refused {
            self.shared.tier_done(&hash);
            return;
        }
        self.pending.add(1);
        match self.jobs.try_send(Job { hash, code }) {
            Ok(()) => {}
            Err(TrySendError::Full(_)) => {
                self.pending.add(-1);
                self.shared.requeue(&hash);
            }
            Err(TrySendError::Disconnected(_)) => {
                self.pending.add(-1);
                self.shared.tier_done(&hash);
            }
        }
    }

    /// Blocks until no compile is queued or running.
    pub(crate) fn settle(&self) {
        let mut c = self.pending.count.lock().unwrap_or_else(|e| e.into_inner());
        while *c > 0 {
            c = self.pending.idle.wait(c).unwrap_or_else(|e| e.into_inner());
        }
    }
}

impl Worker {
    /// Compiles one module within the budget and swaps it in, or refuses it.
    fn run(&self, job: Job) {
        let Job { hash, code } = job;
        let started = Instant::now();
        let (done, result) = mpsc::channel();
        let depth = self.max_call_depth;
        let code_len = code.len();
        let compiling = std::thread::Builder::new()
            .name("svm-tier-compile".into())
            .spawn(move || {
                let _ = done.send(compile_one_thread(&code, depth));
            });
        let outcome = match &compiling {
            Ok(_) => match result.recv_timeout(self.budget) {
                Ok(Ok(artifact)) => Ok(artifact),
                Ok(Err(e)) => Err(e.to_string()),
                Err(RecvTimeoutError::Timeout) => Err(format!(
                    "over the compile budget of {} ms",
                    self.budget.as_millis()
                )),
                Err(RecvTimeoutError::Disconnected) => Err("the compile panicked".into()),
            },
            Err(e) => Err(format!("no compile thread: {e}")),
        };
        let outcome = outcome.and_then(|artifact| {
            // SAFETY: the artifact was produced just above by this process's
            // compiler from code the VM validated before it first ran.
            let module = unsafe { Module::deserialize(&self.headless, artifact.as_slice()) }
                .map_err(|e| e.to_string())?;
            Ok((module, artifact))
        });
        match outcome {
            Ok((module, artifact)) => {
                if let Some(disk) = &self.disk {
                    disk.store(&hash, &artifact, code_len);
                }
                let compiled = Compiled::new(module, code_len, &hash, true);
                self.shared
                    .remember(&hash, &compiled, artifact.len(), Tier::Done);
                self.shared.count(|s| s.tier_ups += 1);
                tracing::debug!(
                    target: "svm_vm::compile",
                    code_hash = %format_args!("{hash:#x}"),
                    code_bytes = code_len,
                    artifact_bytes = artifact.len(),
                    micros = started.elapsed().as_micros() as u64,
                    "tiered up (cranelift)"
                );
            }
            Err(why) => {
                self.refused
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .put(hash, ());
                self.shared.tier_done(&hash);
                self.shared.count(|s| s.tier_refusals += 1);
                tracing::warn!(
                    target: "svm_vm::compile",
                    code_hash = %format_args!("{hash:#x}"),
                    code_bytes = code_len,
                    "stays on singlepass: {why}"
                );
            }
        }
        // An overrunning compile ends before the next one starts, and the
        // worker then rests as long as it worked: tiering takes at most half
        // of one core over time, however many modules turn hot (each one
        // compiled once: refused ones are remembered).
        if let Ok(handle) = compiling {
            let _ = handle.join();
        }
        let worked = started.elapsed();
        self.pending.add(-1);
        std::thread::sleep(worked);
    }
}
