//! The syncing side: fetches every trie reachable from a trusted world
//! root and its contracts' code from one or more [`Source`]s in parallel,
//! verifies each chunk against the root it already trusts, and writes the
//! verified nodes with the journal's progress in one batch.
//!
//! Memory is bounded by the ranges in flight (and one page of the journal),
//! never by the state's size. A source that sends anything unverifiable is
//! dropped and the range goes to another; nothing unverified is written.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::Arc;
use std::time::{Duration, Instant};

use primitive_types::H256;
use svm_state::kv::{KvStore, WriteBatch};
use svm_state::{StateDb, StateError};
use tokio::task::JoinSet;
use tracing::Instrument;

use crate::chunk::{ChunkError, Verified, verify_chunk};
use crate::journal::{self, Journal, JournalError, Stats};
use crate::kind::{Found, Malformed, TrieKind, discover};
use crate::plan::{Task, next_tasks};
use crate::source::{Source, SourceError};
use crate::wire::{DEFAULT_REQUEST_BYTES, RangeRequest};

/// How to sync.
#[derive(Clone, Debug)]
pub struct SyncConfig {
    /// Requests in flight at once.
    pub parallel: usize,
    /// Entry bytes asked for per request.
    pub max_bytes: usize,
    /// Ranges a large trie is split into.
    pub parts: usize,
    /// Failed attempts at one range (on any sources) before the sync stops
    /// for want of a source that serves it.
    pub attempts: usize,
}

impl Default for SyncConfig {
    fn default() -> Self {
        SyncConfig {
            parallel: 8,
            max_bytes: DEFAULT_REQUEST_BYTES,
            parts: 16,
            attempts: 6,
        }
    }
}

/// What happened, for progress displays.
#[derive(Clone, Debug)]
pub enum Event {
    /// The sync starts (or resumes, with the counters so far).
    Start {
        /// The root.
        root: H256,
        /// Counters carried over from an earlier run.
        stats: Stats,
    },
    /// A chunk or code was verified and written.
    Progress {
        /// Counters now.
        stats: Stats,
    },
    /// A source's answer was refused or it failed; the range is retried.
    Refused {
        /// The source.
        source: String,
        /// The range or code.
        what: String,
        /// Why.
        reason: String,
        /// Whether the source is dropped for the rest of the sync.
        dropped: bool,
    },
    /// Every trie is complete and the root is the head.
    Done {
        /// Final counters.
        stats: Stats,
    },
}

/// Receives [`Event`]s (a progress bar, JSON lines, logs).
pub trait Observer: Send + Sync {
    /// Called from the sync's loop; should return quickly.
    fn event(&self, event: &Event);
}

/// An observer that ignores everything.
pub struct Silent;

impl Observer for Silent {
    fn event(&self, _: &Event) {}
}

/// Why a sync stopped.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    /// No source is left that can serve a range.
    #[error("no source can serve {what}: {}", reasons.join("; "))]
    Exhausted {
        /// The range or code.
        what: String,
        /// Each source's last failure.
        reasons: Vec<String>,
    },
    /// The trusted root names a malformed state.
    #[error("the state at the root is malformed: {0}")]
    Malformed(#[from] Malformed),
    /// No source was given.
    #[error("no source to sync from")]
    NoSource,
    /// The local database failed.
    #[error(transparent)]
    State(#[from] StateError),
    /// The journal is damaged.
    #[error(transparent)]
    Journal(#[from] JournalError),
    /// A worker panicked or was cancelled.
    #[error("a sync worker failed: {0}")]
    Worker(String),
}

impl From<svm_state::kv::KvError> for SyncError {
    fn from(e: svm_state::kv::KvError) -> Self {
        SyncError::State(e.into())
    }
}

/// What one sync did.
#[derive(Clone, Debug, serde::Serialize)]
pub struct SyncReport {
    /// The root now at the head.
    #[serde(serialize_with = "ser_h256")]
    pub root: H256,
    /// Counters over every run of this sync.
    pub stats: Stats,
    /// Whether the state was already there (nothing fetched).
    pub already_held: bool,
    /// This run's wall time.
    pub seconds: f64,
}

fn ser_h256<S: serde::Serializer>(h: &H256, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&format!("{h:#x}"))
}

/// A unit of work: a range of a trie or a code.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum Job {
    Code(H256),
    Range(Vec<u8>, Task),
}

impl Job {
    fn key(&self) -> Vec<u8> {
        match self {
            Job::Code(h) => [b"c".as_slice(), h.as_bytes()].concat(),
            Job::Range(k, _) => k.clone(),
        }
    }

    fn describe(&self) -> String {
        match self {
            Job::Code(h) => format!("code {h:#x}"),
            Job::Range(_, t) => t.describe(),
        }
    }
}

/// What a worker brings back.
enum Fetched {
    Code(Vec<u8>),
    Range(Verified, Found, u64),
}

/// How a worker failed.
enum Failure {
    /// The source misbehaved: drop it.
    Misbehaved(String),
    /// The source lacks it or is unavailable: try another.
    Retry(String),
    /// The source is overloaded: ask again after a pause.
    Busy(String),
    /// The sync cannot go on.
    Fatal(SyncError),
}

/// Per-source standing.
struct SourceState {
    source: Arc<dyn Source>,
    /// Why the source was dropped, if it was.
    dropped: Option<String>,
    /// Consecutive unavailable answers.
    strikes: u32,
}

/// Sources in a row dropped after this many consecutive failures.
const MAX_STRIKES: u32 = 8;

/// Busy answers for one job in a row before they count as a failure.
const MAX_BUSY: u32 = 64;

/// Journal entries read per page.
const PAGE: usize = 256;

/// Syncs the state at `root` into `db` from `sources`: on return the root
/// is `db`'s head and every node below it is stored. Resumes a sync of the
/// same root that an earlier run left unfinished; a journal of another
/// root is dropped first. Logs what it does with `tracing` (target
/// `svm_sync::sync`, in a span naming the root): the start and end, each
/// chunk written (debug) and each answer refused (warning).
pub async fn sync<K: KvStore>(
    db: Arc<StateDb<K>>,
    root: H256,
    sources: Vec<Arc<dyn Source>>,
    config: &SyncConfig,
    observer: &dyn Observer,
) -> Result<SyncReport, SyncError> {
    let span =
        tracing::info_span!(target: "svm_sync::sync", "sync", root = %format_args!("{root:#x}"));
    let traced = Traced(observer);
    let result = run_sync(db, root, sources, config, &traced)
        .instrument(span.clone())
        .await;
    if let Err(e) = &result {
        let _in = span.enter();
        tracing::warn!(target: "svm_sync::sync", "sync stopped: {e}");
    }
    result
}

/// Passes events on to the caller's observer and logs them (`tracing`,
/// target `svm_sync::sync`).
struct Traced<'a>(&'a dyn Observer);

impl Observer for Traced<'_> {
    fn event(&self, event: &Event) {
        match event {
            Event::Start { stats, .. } => {
                tracing::info!(target: "svm_sync::sync", ?stats, "sync starts")
            }
            Event::Progress { stats } => {
                tracing::debug!(target: "svm_sync::sync", ?stats, "chunk written")
            }
            Event::Refused {
                source,
                what,
                reason,
                dropped,
            } => tracing::warn!(
                target: "svm_sync::sync",
                source,
                what,
                dropped,
                "answer refused: {reason}"
            ),
            Event::Done { stats } => tracing::info!(
                target: "svm_sync::sync",
                ?stats,
                "sync done: the root is the head"
            ),
        }
        self.0.event(event);
    }
}

async fn run_sync<K: KvStore>(
    db: Arc<StateDb<K>>,
    root: H256,
    sources: Vec<Arc<dyn Source>>,
    config: &SyncConfig,
    observer: &dyn Observer,
) -> Result<SyncReport, SyncError> {
    let started = Instant::now();
    let report = |stats, already_held| SyncReport {
        root,
        stats,
        already_held,
        seconds: started.elapsed().as_secs_f64(),
    };
    if db.head().root == root {
        return Ok(report(Stats::default(), true));
    }
    let journal = Journal::new(&db);
    let target = journal.target()?;
    if target != Some(root) && db.seq_of(&root)?.is_some() {
        // An earlier commit of this database: no fetching needed.
        db.adopt(root, WriteBatch::new())?;
        return Ok(report(Stats::default(), true));
    }
    if sources.is_empty() {
        return Err(SyncError::NoSource);
    }
    if target.is_some() && target != Some(root) {
        while journal.clear_some(10_000)? > 0 {}
    }
    if target != Some(root) {
        if root == svm_trie::EMPTY_ROOT {
            db.adopt(root, WriteBatch::new())?;
            return Ok(report(Stats::default(), false));
        }
        journal.start(root)?;
    }
    let stats = journal.stats()?;
    observer.event(&Event::Start { root, stats });
    let mut run = Run {
        db: db.clone(),
        config: config.clone(),
        sources: sources
            .into_iter()
            .map(|source| SourceState {
                source,
                dropped: None,
                strikes: 0,
            })
            .collect(),
        stats,
        next_source: 0,
        in_flight: HashSet::new(),
        failures: HashMap::new(),
        busy: HashMap::new(),
        queue: VecDeque::new(),
        code_cursor: None,
        task_cursor: None,
        workers: JoinSet::new(),
    };
    run.run(observer).await?;
    // Everything is fetched: drop the journal, then make the root the head
    // (the target root goes in the same write, so a kill in between resumes
    // here).
    while journal.clear_some(10_000)? > 0 {}
    let mut batch = WriteBatch::new();
    journal::finish(&mut batch);
    db.adopt(root, batch)?;
    observer.event(&Event::Done { stats: run.stats });
    Ok(report(run.stats, false))
}

struct Run<K> {
    db: Arc<StateDb<K>>,
    config: SyncConfig,
    sources: Vec<SourceState>,
    stats: Stats,
    next_source: usize,
    in_flight: HashSet<Vec<u8>>,
    /// Per job: each failed attempt's source and reason.
    failures: HashMap<Vec<u8>, Vec<(usize, String)>>,
    /// Per job: busy answers in a row.
    busy: HashMap<Vec<u8>, u32>,
    queue: VecDeque<Job>,
    code_cursor: Option<H256>,
    task_cursor: Option<Vec<u8>>,
    workers: JoinSet<(Job, usize, Result<Fetched, Failure>)>,
}

impl<K: KvStore> Run<K> {
    async fn run(&mut self, observer: &dyn Observer) -> Result<(), SyncError> {
        loop {
            self.fill().await?;
            if self.workers.is_empty() {
                if Journal::new(&self.db).is_drained()? {
                    return Ok(());
                }
                // Work remains that nothing could start: wait for a retry.
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
            let Some(done) = self.workers.join_next().await else {
                continue;
            };
            let (job, source, result) = done.map_err(|e| SyncError::Worker(e.to_string()))?;
            self.in_flight.remove(&job.key());
            match result {
                Ok(fetched) => {
                    self.sources[source].strikes = 0;
                    self.failures.remove(&job.key());
                    self.busy.remove(&job.key());
                    self.write(job, fetched).await?;
                    observer.event(&Event::Progress { stats: self.stats });
                }
                Err(Failure::Fatal(e)) => return Err(e),
                Err(Failure::Misbehaved(reason)) => {
                    self.sources[source].dropped = Some(reason.clone());
                    self.refused(&job, source, reason, true, observer);
                }
                Err(Failure::Busy(reason)) => {
                    // Overload is no fault: only a long run of it counts.
                    let busy = self.busy.entry(job.key()).or_default();
                    *busy += 1;
                    if *busy >= MAX_BUSY {
                        self.busy.remove(&job.key());
                        self.refused(&job, source, reason, false, observer);
                    }
                }
                Err(Failure::Retry(reason)) => {
                    let s = &mut self.sources[source];
                    s.strikes += 1;
                    let dropped = s.strikes >= MAX_STRIKES;
                    if dropped {
                        s.dropped = Some(format!(
                            "{MAX_STRIKES} failures in a row, the last: {reason}"
                        ));
                    }
                    self.refused(&job, source, reason, dropped, observer);
                }
            }
        }
    }

    fn refused(
        &mut self,
        job: &Job,
        source: usize,
        reason: String,
        dropped: bool,
        observer: &dyn Observer,
    ) {
        observer.event(&Event::Refused {
            source: self.sources[source].source.name().to_string(),
            what: job.describe(),
            reason: reason.clone(),
            dropped,
        });
        self.failures
            .entry(job.key())
            .or_default()
            .push((source, reason));
    }

    /// Starts jobs until `parallel` are in flight or none is ready.
    async fn fill(&mut self) -> Result<(), SyncError> {
        let mut refilled = false;
        while self.workers.len() < self.config.parallel.max(1) {
            let Some(job) = self.queue.pop_front() else {
                if refilled {
                    break;
                }
                self.refill()?;
                refilled = true;
                continue;
            };
            let key = job.key();
            if self.in_flight.contains(&key) || !self.still_open(&job)? {
                continue;
            }
            if let Job::Range(_, task) = &job
                && let TrieKind::Storage { code_hash } = &task.trie.kind
                && self.db.code(code_hash)?.is_none()
            {
                // Its layout comes with the code: fetch that first.
                if !Journal::new(&self.db).wants_code(code_hash)? {
                    let mut batch = WriteBatch::new();
                    journal::put_code(&mut batch, code_hash);
                    self.db.store().write(batch, &svm_trie::NodeSet::new())?;
                }
                continue;
            }
            let source = self.pick(&job)?;
            let delay = self.backoff(&key);
            self.in_flight.insert(key);
            self.spawn(job, source, delay);
        }
        Ok(())
    }

    /// Whether a queued job is still in the journal.
    fn still_open(&self, job: &Job) -> Result<bool, SyncError> {
        let journal = Journal::new(&self.db);
        Ok(match job {
            Job::Code(h) => journal.wants_code(h)?,
            Job::Range(k, _) => journal.has_task(k)?,
        })
    }

    /// Reads the next page of the journal into the queue: code first, then
    /// ranges, each from where the last page ended, wrapping around.
    fn refill(&mut self) -> Result<(), SyncError> {
        let journal = Journal::new(&self.db);
        let code = journal.code(self.code_cursor.as_ref(), PAGE)?;
        match code.last() {
            Some(h) => self.code_cursor = Some(*h),
            None => self.code_cursor = None,
        }
        self.queue.extend(code.into_iter().map(Job::Code));
        let tasks = journal.tasks(self.task_cursor.as_deref(), PAGE)?;
        match tasks.last() {
            Some((k, _)) => self.task_cursor = Some(k.clone()),
            None => self.task_cursor = None,
        }
        self.queue
            .extend(tasks.into_iter().map(|(k, t)| Job::Range(k, t)));
        Ok(())
    }

    /// A pause before retrying a job that failed on every source, or that
    /// found its source busy.
    fn backoff(&self, key: &[u8]) -> Duration {
        let n = self.failures.get(key).map_or(0, Vec::len);
        let live = self
            .sources
            .iter()
            .filter(|s| s.dropped.is_none())
            .count()
            .max(1);
        let failed = if n >= live {
            Duration::from_millis(100 << (n / live).min(5))
        } else {
            Duration::ZERO
        };
        let busy = match self.busy.get(key) {
            Some(&b) if b > 0 => Duration::from_millis(20 << b.min(5)),
            _ => Duration::ZERO,
        };
        failed.max(busy)
    }

    /// The source to ask next for `job`: a live one, preferring those it
    /// has not failed on.
    fn pick(&mut self, job: &Job) -> Result<usize, SyncError> {
        let key = job.key();
        let failed = self.failures.get(&key);
        let attempts = failed.map_or(0, Vec::len);
        let exhausted = || {
            // Each distinct failure once, with how often it happened.
            let mut reasons: Vec<(String, usize)> = Vec::new();
            let all = failed
                .into_iter()
                .flatten()
                .map(|(s, r)| format!("{}: {r}", self.sources[*s].source.name()))
                .chain(self.sources.iter().filter_map(|s| {
                    let why = s.dropped.as_ref()?;
                    Some(format!("{}: dropped: {why}", s.source.name()))
                }));
            for r in all {
                match reasons.iter_mut().find(|(x, _)| *x == r) {
                    Some((_, n)) => *n += 1,
                    None => reasons.push((r, 1)),
                }
            }
            SyncError::Exhausted {
                what: job.describe(),
                reasons: reasons
                    .into_iter()
                    .map(|(r, n)| if n > 1 { format!("{r} (×{n})") } else { r })
                    .collect(),
            }
        };
        if attempts >= self.config.attempts {
            return Err(exhausted());
        }
        let n = self.sources.len();
        let tried = |i: usize| failed.is_some_and(|f| f.iter().any(|(s, _)| *s == i));
        let live: Vec<usize> = (0..n)
            .map(|i| (self.next_source + i) % n)
            .filter(|i| self.sources[*i].dropped.is_none())
            .collect();
        let choice = live
            .iter()
            .find(|i| !tried(**i))
            .or_else(|| live.first())
            .copied();
        match choice {
            Some(i) => {
                self.next_source = (i + 1) % n;
                Ok(i)
            }
            None => Err(exhausted()),
        }
    }

    fn spawn(&mut self, job: Job, index: usize, delay: Duration) {
        let source = self.sources[index].source.clone();
        let db = self.db.clone();
        let max_bytes = self.config.max_bytes;
        self.workers.spawn(async move {
            if !delay.is_zero() {
                tokio::time::sleep(delay).await;
            }
            let result = fetch(&*source, &db, &job, max_bytes).await;
            (job, index, result)
        });
    }

    /// Writes a verified chunk or code with the journal's change, in one
    /// batch.
    async fn write(&mut self, job: Job, fetched: Fetched) -> Result<(), SyncError> {
        let db = self.db.clone();
        let parts = self.config.parts;
        let mut stats = self.stats;
        let stats = tokio::task::spawn_blocking(move || -> Result<Stats, SyncError> {
            let journal = Journal::new(&db);
            let mut batch = WriteBatch::new();
            let nodes = match (job, fetched) {
                (Job::Code(hash), Fetched::Code(code)) => {
                    svm_state::code::put_code(&mut batch, &code);
                    journal::delete_code(&mut batch, &hash);
                    stats.code += 1;
                    svm_trie::NodeSet::new()
                }
                (Job::Range(key, task), Fetched::Range(verified, found, wire)) => {
                    journal::delete_task(&mut batch, &key);
                    let next = next_tasks(&task, verified.end.as_deref(), parts);
                    for t in &next {
                        journal::put_task(&mut batch, t);
                    }
                    let id = task.trie.id();
                    let open = journal
                        .open_ranges(&id)?
                        .ok_or(JournalError::Corrupt("a range of an unknown trie"))?;
                    let open = (open + next.len() as u32).saturating_sub(1);
                    journal::put_open(&mut batch, &id, open);
                    if open == 0 {
                        stats.tries_done += 1;
                    }
                    let mut new = HashSet::new();
                    for trie in found.tries {
                        let id = trie.id();
                        if new.insert(id) && journal.open_ranges(&id)?.is_none() {
                            journal::put_open(&mut batch, &id, 1);
                            journal::put_task(&mut batch, &Task::whole(trie));
                            stats.tries_found += 1;
                        }
                    }
                    let mut codes = HashSet::new();
                    for hash in found.code {
                        if codes.insert(hash)
                            && db.code(&hash)?.is_none()
                            && !journal.wants_code(&hash)?
                        {
                            journal::put_code(&mut batch, &hash);
                        }
                    }
                    stats.entries += verified.entries.len() as u64;
                    stats.entry_bytes += verified.entry_bytes;
                    stats.wire_bytes += wire;
                    stats.chunks += 1;
                    verified.nodes
                }
                _ => unreachable!("a job's result is of its own kind"),
            };
            journal::put_stats(&mut batch, &stats);
            db.store().ingest(batch, &nodes)?;
            Ok(stats)
        })
        .await
        .map_err(|e| SyncError::Worker(e.to_string()))??;
        self.stats = stats;
        Ok(())
    }
}

/// Fetches and verifies one job from one source.
async fn fetch<K: KvStore>(
    source: &dyn Source,
    db: &Arc<StateDb<K>>,
    job: &Job,
    max_bytes: usize,
) -> Result<Fetched, Failure> {
    let source_failed = |e: SourceError| match e {
        SourceError::Bad(r) => Failure::Misbehaved(r),
        SourceError::NotHeld(r) | SourceError::Unavailable(r) => Failure::Retry(r),
        SourceError::Busy(r) => Failure::Busy(r),
    };
    match job {
        Job::Code(hash) => {
            let code = source.code(*hash).await.map_err(source_failed)?;
            let got = keccak_hash::keccak(&code);
            if got != *hash {
                return Err(Failure::Misbehaved(format!(
                    "the code it sent hashes to {got:#x}, not {hash:#x}"
                )));
            }
            // Verified code without a layout: the state itself is bad.
            svm_state::code::layout_of(&code).map_err(|e| {
                Failure::Fatal(SyncError::Malformed(Malformed {
                    trie: format!("code {hash:#x}"),
                    key: String::new(),
                    reason: e.to_string(),
                }))
            })?;
            Ok(Fetched::Code(code))
        }
        Job::Range(_, task) => {
            let req = RangeRequest {
                root: task.trie.root,
                from: task.from.clone(),
                to: task.to.clone(),
                max_bytes,
            };
            let bytes = source.range(&req).await.map_err(source_failed)?;
            let db = db.clone();
            let kind = task.trie.kind.clone();
            tokio::task::spawn_blocking(move || {
                let wire = bytes.len() as u64;
                let verified = verify_chunk(&req, &bytes)
                    .map_err(|e: ChunkError| Failure::Misbehaved(e.to_string()))?;
                let layout = match &kind {
                    TrieKind::Storage { code_hash } => {
                        let code = db
                            .code(code_hash)
                            .map_err(|e| Failure::Fatal(e.into()))?
                            .ok_or_else(|| {
                                Failure::Fatal(StateError::MissingCode(*code_hash).into())
                            })?;
                        Some(
                            svm_state::code::layout_of(&code)
                                .map_err(|e| Failure::Fatal(StateError::Code(e).into()))?,
                        )
                    }
                    _ => None,
                };
                let found = discover(&kind, &verified.entries, layout.as_ref())
                    .map_err(|e| Failure::Fatal(e.into()))?;
                Ok(Fetched::Range(verified, found, wire))
            })
            .await
            .map_err(|e| Failure::Fatal(SyncError::Worker(e.to_string())))?
        }
    }
}

/// The state database's head after a sync: its root and whether the
/// journal is empty (for tests and tools).
pub fn journal_target<K: KvStore>(db: &StateDb<K>) -> Result<Option<H256>, SyncError> {
    Ok(Journal::new(db).target()?)
}
