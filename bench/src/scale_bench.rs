//! State beyond memory: one RocksDB database grown to 100,000, 1,000,000
//! and 10,000,000 accounts (plus 1,000 contracts) with the node cache
//! bounded (256 MiB, the default), measured at each size: blocks of 1,000
//! transactions (a transfer between two random accounts and a write to a
//! random contract's variable each), reads of random accounts and
//! variables through one read view held for the whole run, the node
//! cache's hit rate, the process's resident memory and the disk. The trie's
//! depth grows as log16 of the accounts; the table sets each figure's
//! growth beside the depth's.

use std::time::Instant;

use primitive_types::U256;
use svm_state::code::module_declaring;
use svm_state::layout::Layout;
use svm_state::{Address, History, StateConfig, StateDb};
use svm_tests::Rng;

use crate::report::{Table, count, median, mib, ratio};
use crate::state_bench::{PAGE, VAR_LEN, VARIABLES, dir_bytes};

/// Sizes of the run.
pub(crate) struct Config {
    /// The account counts measured, in increasing order.
    pub(crate) sizes: Vec<usize>,
    /// Contracts (two 4 KiB pages of 32-byte variables each).
    pub(crate) contracts: usize,
    /// Blocks timed at each size.
    pub(crate) blocks: usize,
    /// Transactions per block.
    pub(crate) txs: usize,
    /// Reads timed at each size (accounts and variables each).
    pub(crate) reads: usize,
    /// The node cache's bound, in MiB.
    pub(crate) cache_mib: usize,
}

/// Accounts created per commit while the state grows.
const GROW_CHUNK: usize = 200_000;

fn account(i: usize) -> Address {
    Address::from_low_u64_be(0x3_0000_0000 + i as u64)
}

fn contract(i: usize) -> Address {
    Address::from_low_u64_be(0x4_0000_0000 + i as u64)
}

/// The process's resident set and its peak, in bytes (Linux; 0 elsewhere).
fn rss() -> (usize, usize) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|kb| kb.parse::<usize>().ok())
            .map_or(0, |kb| kb * 1024)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

/// Returns the memory the allocators hold free to the system: mimalloc's
/// (the Rust heap) and glibc's (RocksDB's C++ allocations).
fn return_free_memory() {
    unsafe extern "C" {
        /// mimalloc: frees what its pages and segments hold unused.
        fn mi_collect(force: bool);
    }
    // SAFETY: both only release memory no allocation uses.
    unsafe {
        mi_collect(true);
        #[cfg(all(target_os = "linux", target_env = "gnu"))]
        libc::malloc_trim(0);
    }
}

/// The median and 99th percentile of `samples` (seconds), in µs.
fn spread(samples: &mut [f64]) -> String {
    samples.sort_by(f64::total_cmp);
    let p99 = samples[(samples.len() * 99 / 100).min(samples.len() - 1)];
    format!("{:.1} / {:.1}", median(samples) * 1e6, p99 * 1e6)
}

/// One size's figures.
struct Row {
    accounts: usize,
    grow_per_s: f64,
    exec: f64,
    commit: f64,
    account_read: String,
    variable_read: String,
    hit_rate: f64,
    cache_bytes: usize,
    heap: usize,
    rocks: svm_state::kv::RocksMemory,
    rss: usize,
    /// RSS once the allocators returned their free memory.
    rss_trimmed: usize,
    disk: u64,
}

/// Runs the measurements and returns the result tables.
pub(crate) fn run(cfg: &Config) -> Vec<Table> {
    let dir = tempfile::tempdir().expect("a temporary directory");
    // A short window: the growth's large commits would otherwise keep
    // 128 versions of the upper trie on disk.
    let config = StateConfig {
        node_cache_bytes: cfg.cache_mib << 20,
        history: History::Recent(4),
        ..StateConfig::default()
    };
    let db = StateDb::open_rocks(dir.path(), &config).expect("svm database");
    let layout = Layout::new(PAGE as u32, &[VAR_LEN as u32; VARIABLES as usize]).expect("layout");
    let code = module_declaring(&layout);
    let mut s = db.begin().expect("session");
    for i in 0..cfg.contracts {
        s.create_contract(&contract(i), &code, U256::zero())
            .expect("contract");
    }
    s.commit().expect("commit");
    let mut rng = Rng::new(77);
    let mut have = 0;
    let mut rows = Vec::new();
    for &size in &cfg.sizes {
        let started = Instant::now();
        while have < size {
            let end = (have + GROW_CHUNK).min(size);
            let mut s = db.begin().expect("session");
            for i in have..end {
                s.create_account(&account(i), U256::from(1_000_000u64))
                    .expect("account");
            }
            s.commit().expect("commit");
            have = end;
        }
        let grow_per_s = (size - rows.last().map_or(0, |r: &Row| r.accounts)) as f64
            / started.elapsed().as_secs_f64();
        let before = db.metrics().cache;
        let (mut exec, mut commit) = (Vec::new(), Vec::new());
        for _ in 0..cfg.blocks {
            let t = Instant::now();
            let mut s = db.begin().expect("session");
            for _ in 0..cfg.txs {
                let from = account(rng.below(have));
                let to = account(rng.below(have));
                s.transfer(&from, &to, U256::one()).expect("transfer");
                let c = contract(rng.below(cfg.contracts));
                let var = rng.below(VARIABLES as usize) as u32;
                s.write_variable(&c, var, &rng.bytes32()[..VAR_LEN])
                    .expect("write");
            }
            exec.push(t.elapsed().as_secs_f64());
            let t = Instant::now();
            s.commit().expect("commit");
            commit.push(t.elapsed().as_secs_f64());
        }
        let after = db.metrics().cache;
        let view = db.at(db.head().root).expect("view");
        let mut account_reads = Vec::new();
        let mut variable_reads = Vec::new();
        for _ in 0..cfg.reads {
            let a = account(rng.below(have));
            let t = Instant::now();
            let found = view.account(&a).expect("read");
            account_reads.push(t.elapsed().as_secs_f64());
            assert!(found.is_some(), "every account created is there");
            let c = contract(rng.below(cfg.contracts));
            let var = rng.below(VARIABLES as usize) as u32;
            let t = Instant::now();
            view.variable(&c, var).expect("read");
            variable_reads.push(t.elapsed().as_secs_f64());
        }
        db.flush().expect("flush");
        let rss_before = rss().0;
        return_free_memory();
        let hits = after.hits - before.hits;
        let misses = after.misses - before.misses;
        rows.push(Row {
            accounts: size,
            grow_per_s,
            exec: median(&mut exec),
            commit: median(&mut commit),
            account_read: spread(&mut account_reads),
            variable_read: spread(&mut variable_reads),
            hit_rate: hits as f64 / (hits + misses).max(1) as f64,
            cache_bytes: after.bytes,
            heap: crate::alloc::current(),
            rocks: db.kv().memory(),
            rss: rss_before,
            rss_trimmed: rss().0,
            disk: dir_bytes(dir.path()),
        });
    }
    let mut table = Table::new(
        &format!(
            "State beyond memory: accounts plus {} contracts on RocksDB, node cache bounded at {} MiB; per size {} blocks of {} transactions (a transfer between random accounts and a contract write each) and {} random reads through one view",
            cfg.contracts, cfg.cache_mib, cfg.blocks, cfg.txs, cfg.reads
        ),
        &[
            "accounts",
            "log16 N",
            "grown at (accounts/s)",
            "execute per block",
            "commit per block",
            "account read µs (median / p99)",
            "variable read µs (median / p99)",
            "node-cache hits in blocks",
            "node cache held",
            "heap",
            "RocksDB cache / memtables",
            "RSS",
            "RSS, free memory returned",
            "disk",
        ],
    );
    for r in &rows {
        table.row(vec![
            count(r.accounts as f64),
            format!("{:.2}", (r.accounts as f64).log(16.0)),
            count(r.grow_per_s),
            format!("{:.1} ms", r.exec * 1e3),
            format!("{:.1} ms", r.commit * 1e3),
            r.account_read.clone(),
            r.variable_read.clone(),
            format!("{:.1}%", r.hit_rate * 100.0),
            mib(r.cache_bytes),
            mib(r.heap),
            format!(
                "{} / {}",
                mib(r.rocks.block_cache as usize),
                mib(r.rocks.memtables as usize)
            ),
            mib(r.rss),
            mib(r.rss_trimmed),
            mib(r.disk as usize),
        ]);
    }
    let mut growth = Table::new(
        "Growth against the smallest size: the trie's depth (log16 N) beside the time per block and the memory",
        &[
            "accounts",
            "depth",
            "execute",
            "commit",
            "RSS",
            "RSS, free memory returned",
        ],
    );
    if let Some(first) = rows.first() {
        let depth = |n: usize| (n as f64).log(16.0);
        for r in &rows {
            growth.row(vec![
                count(r.accounts as f64),
                ratio(depth(r.accounts) / depth(first.accounts)),
                ratio(r.exec / first.exec),
                ratio(r.commit / first.commit),
                ratio(r.rss as f64 / first.rss.max(1) as f64),
                ratio(r.rss_trimmed as f64 / first.rss_trimmed.max(1) as f64),
            ]);
        }
    }
    let (_, peak) = rss();
    growth.row(vec![
        "peak RSS".into(),
        String::new(),
        String::new(),
        String::new(),
        mib(peak),
        String::new(),
    ]);
    vec![table, growth]
}
