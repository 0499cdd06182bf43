//! Where a VM's time goes: cumulative wall time of instantiating modules,
//! running contract code and committing state, for monitoring and the
//! benchmark's per-transaction breakdown.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Cumulative time per phase since the VM was created.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PhaseTimes {
    /// Contract functions run (deploy constructors and calls).
    pub runs: u64,
    /// Finding the compiled module (cache or compile), a store, the import
    /// object and the instance.
    pub instantiate: Duration,
    /// Copying arguments in and running the function, vmcalls included.
    pub execute: Duration,
    /// Commits (one per transaction, or one per block).
    pub commits: u64,
    /// Committing sessions.
    pub commit: Duration,
}

/// The counters behind [`PhaseTimes`].
#[derive(Debug, Default)]
pub(crate) struct Phases {
    runs: AtomicU64,
    instantiate_ns: AtomicU64,
    execute_ns: AtomicU64,
    commits: AtomicU64,
    commit_ns: AtomicU64,
}

fn nanos(d: Duration) -> u64 {
    u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)
}

impl Phases {
    /// Counts one run that spent `instantiate` then `execute`.
    pub(crate) fn run(&self, instantiate: Duration, execute: Duration) {
        self.runs.fetch_add(1, Ordering::Relaxed);
        self.instantiate_ns
            .fetch_add(nanos(instantiate), Ordering::Relaxed);
        self.execute_ns.fetch_add(nanos(execute), Ordering::Relaxed);
    }

    /// Counts one commit that took `d`.
    pub(crate) fn commit(&self, d: Duration) {
        self.commits.fetch_add(1, Ordering::Relaxed);
        self.commit_ns.fetch_add(nanos(d), Ordering::Relaxed);
    }

    /// The totals so far.
    pub(crate) fn times(&self) -> PhaseTimes {
        let d = |a: &AtomicU64| Duration::from_nanos(a.load(Ordering::Relaxed));
        PhaseTimes {
            runs: self.runs.load(Ordering::Relaxed),
            instantiate: d(&self.instantiate_ns),
            execute: d(&self.execute_ns),
            commits: self.commits.load(Ordering::Relaxed),
            commit: d(&self.commit_ns),
        }
    }
}
