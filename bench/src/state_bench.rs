//! The state benchmark: blocks of contract transactions committed through
//! svm-state on RocksDB, against raw RocksDB writing the same page bytes.

use std::collections::HashMap;
use std::path::Path;
use std::time::Instant;

use svm_state::code::module_declaring;
use svm_state::kv::{Column, KvStore, RocksConfig, RocksKv, WriteBatch};
use svm_state::layout::Layout;
use svm_state::{Address, StateConfig, StateDb};

use crate::report::{Table, count, median, mib, micros, ratio};
use svm_tests::Rng;

/// Sizes of the run.
pub(crate) struct Config {
    pub(crate) contracts: usize,
    pub(crate) blocks: usize,
    pub(crate) txs: usize,
}

/// Variables per contract: 256 of 32 bytes, two 4 KiB pages.
pub(crate) const VARIABLES: u32 = 256;
pub(crate) const VAR_LEN: usize = 32;
pub(crate) const PAGE: usize = 4096;

pub(crate) fn contract(i: usize) -> Address {
    Address::from_low_u64_be(0x1_0000_0000 + i as u64)
}

/// One transaction's writes: (contract, variable, value).
pub(crate) type Tx = Vec<(usize, u32, [u8; VAR_LEN])>;

pub(crate) fn block(rng: &mut Rng, cfg: &Config) -> Vec<Tx> {
    (0..cfg.txs)
        .map(|_| {
            let c = rng.below(cfg.contracts);
            (0..1 + rng.below(4))
                .map(|_| {
                    let mut v = [0u8; VAR_LEN];
                    v.copy_from_slice(&rng.bytes32()[..VAR_LEN]);
                    (c, rng.below(VARIABLES as usize) as u32, v)
                })
                .collect()
        })
        .collect()
}

pub(crate) fn dir_bytes(path: &Path) -> u64 {
    std::fs::read_dir(path)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .filter_map(|e| e.metadata().ok())
                .filter(|m| m.is_file())
                .map(|m| m.len())
                .sum()
        })
        .unwrap_or(0)
}

fn raw_key(c: usize, page: usize) -> [u8; 24] {
    let mut k = [0u8; 24];
    k[..20].copy_from_slice(contract(c).as_bytes());
    k[20..].copy_from_slice(&(page as u32).to_be_bytes());
    k
}

/// Runs the state measurements and returns the result tables.
pub(crate) fn run(cfg: &Config) -> Vec<Table> {
    let root = tempfile::tempdir().expect("a temporary directory");
    let dirs = Dirs {
        svm: root.path().join("svm"),
        behind: root.path().join("svm-write-behind"),
        raw: root.path().join("raw"),
    };
    let setup = setup(cfg, &dirs);
    let mut rng = Rng::new(42);
    let (commits, run) = commits(cfg, setup, &mut rng);
    let (latency, stats) = latency(cfg, &dirs, &run, &mut rng);
    let bytes = bytes(cfg, &dirs, &run);
    let notes = notes(&run, stats);
    vec![commits, latency, bytes, notes]
}

/// Where the three databases live.
struct Dirs {
    svm: std::path::PathBuf,
    behind: std::path::PathBuf,
    raw: std::path::PathBuf,
}

/// The databases with their contracts created.
struct Setup {
    db: StateDb<RocksKv>,
    behind: StateDb<RocksKv>,
    raw: RocksKv,
    /// Seconds to create every contract in one commit.
    create: f64,
    /// The svm database's bytes on disk after the setup.
    setup_disk: u64,
}

/// What the block runs left for the later tables.
struct BlockRun {
    head: svm_state::Head,
    create: f64,
    setup_disk: u64,
    variables: u64,
    node_bytes: u64,
    raw_bytes: u64,
}

/// Opens the databases and creates the contracts in each.
fn setup(cfg: &Config, dirs: &Dirs) -> Setup {
    let state_config = StateConfig::default();
    let layout = Layout::new(PAGE as u32, &[VAR_LEN as u32; VARIABLES as usize]).expect("layout");
    let code = module_declaring(&layout);
    let behind_config = StateConfig {
        write_behind: true,
        ..state_config.clone()
    };
    let db = StateDb::open_rocks(&dirs.svm, &state_config).expect("svm database");
    let behind = StateDb::open_rocks(&dirs.behind, &behind_config).expect("svm database");
    let raw = RocksKv::open(&dirs.raw, &RocksConfig::default()).expect("raw database");
    let t = Instant::now();
    let create_all = |db: &StateDb<RocksKv>| {
        let mut s = db.begin().expect("session");
        for i in 0..cfg.contracts {
            s.create_contract(&contract(i), &code, 0u64.into())
                .expect("create");
        }
        s.commit().expect("commit");
    };
    create_all(&db);
    let create = t.elapsed().as_secs_f64();
    create_all(&behind);
    let setup_disk = dir_bytes(&dirs.svm);
    Setup {
        db,
        behind,
        raw,
        create,
        setup_disk,
    }
}

/// The commit throughput table: the same blocks through svm (synchronous
/// writes, then write-behind) and raw RocksDB, each in its own pass.
fn commits(cfg: &Config, setup: Setup, rng: &mut Rng) -> (Table, BlockRun) {
    let Setup {
        db,
        behind,
        raw,
        create,
        setup_disk,
    } = setup;
    let blocks: Vec<Vec<Tx>> = (0..cfg.blocks).map(|_| block(rng, cfg)).collect();
    let variables: u64 = blocks.iter().flatten().map(|t| t.len() as u64).sum();
    let run_blocks = |db: &StateDb<RocksKv>, times: &mut Vec<f64>| -> u64 {
        let mut node_bytes = 0;
        for txs in &blocks {
            let t = Instant::now();
            let mut s = db.begin().expect("session");
            for tx in txs {
                s.checkpoint();
                for (c, var, v) in tx {
                    s.write_variable(&contract(*c), *var, v).expect("write");
                }
                s.commit_checkpoint().expect("checkpoint");
            }
            let out = s.commit().expect("commit");
            times.push(t.elapsed().as_secs_f64());
            node_bytes += out.node_bytes_written as u64;
        }
        node_bytes
    };
    let (mut t_svm, mut t_behind, mut t_raw, mut t_floor) = (vec![], vec![], vec![], vec![]);
    let node_bytes = run_blocks(&db, &mut t_svm);
    let t = Instant::now();
    run_blocks(&behind, &mut t_behind);
    behind.flush().expect("flush");
    let behind_total = t.elapsed().as_secs_f64();
    assert_eq!(behind.head(), db.head(), "both modes reach the same root");
    drop(behind);

    let mut pages: HashMap<(usize, usize), Box<[u8; PAGE]>> = HashMap::new();
    let mut raw_bytes = 0u64;
    for txs in &blocks {
        let t = Instant::now();
        let mut dirty = Vec::new();
        for tx in txs {
            for (c, var, v) in tx {
                let at = *var as usize * VAR_LEN;
                let key = (*c, at / PAGE);
                let page = pages.entry(key).or_insert_with(|| Box::new([0; PAGE]));
                page[at % PAGE..at % PAGE + VAR_LEN].copy_from_slice(v);
                dirty.push(key);
            }
        }
        dirty.sort_unstable();
        dirty.dedup();
        let mut batch = WriteBatch::new();
        for (c, p) in &dirty {
            batch.put(Column::Nodes, &raw_key(*c, *p), &pages[&(*c, *p)][..]);
        }
        raw.write(batch).expect("raw write");
        t_raw.push(t.elapsed().as_secs_f64());
        // The floor of any merkleized store of these pages: hash each once.
        let t = Instant::now();
        for key in &dirty {
            std::hint::black_box(svm_trie::hash(&pages[key][..]));
        }
        t_floor.push(t.elapsed().as_secs_f64());
        raw_bytes += (dirty.len() * PAGE) as u64;
    }
    let head = db.head();
    let (svm_block, raw_block) = (median(&mut t_svm), median(&mut t_raw));
    let behind_block = median(&mut t_behind);
    let floor = median(&mut t_floor);
    let mut commits = Table::new(
        &format!(
            "Commit throughput: {} contracts, {} blocks of {} transactions (1–4 random 32-byte variables each), RocksDB",
            count(cfg.contracts as f64),
            cfg.blocks,
            count(cfg.txs as f64)
        ),
        &["", "per block (median)", "transactions/s", "svm ÷ raw"],
    );
    let tps = |t: f64| count(cfg.txs as f64 / t);
    commits.row(vec![
        "svm: variables → pages → storage tries → world trie → one batch".into(),
        micros(svm_block),
        tps(svm_block),
        ratio(svm_block / raw_block),
    ]);
    commits.row(vec![
        "svm, write-behind (each batch written while the next block runs)".into(),
        micros(behind_block),
        tps(behind_block),
        ratio(behind_block / raw_block),
    ]);
    commits.row(vec![
        format!(
            "svm, write-behind: all {} blocks end to end, last write included, ÷ blocks",
            cfg.blocks
        ),
        micros(behind_total / cfg.blocks as f64),
        tps(behind_total / cfg.blocks as f64),
        ratio(behind_total / cfg.blocks as f64 / raw_block),
    ]);
    commits.row(vec![
        "raw RocksDB: the same dirty 4 KiB pages, one batch".into(),
        micros(raw_block),
        tps(raw_block),
        ratio(1.0),
    ]);
    commits.row(vec![
        "keccak floor: hashing the same dirty pages once (one thread)".into(),
        micros(floor),
        tps(floor),
        ratio(floor / raw_block),
    ]);
    commits.row(vec![
        "raw RocksDB + keccak floor".into(),
        micros(raw_block + floor),
        tps(raw_block + floor),
        ratio((raw_block + floor) / raw_block),
    ]);
    let run = BlockRun {
        head,
        create,
        setup_disk,
        variables,
        node_bytes,
        raw_bytes,
    };
    (commits, run)
}

/// The read latency table (after reopening), and the node cache's counters.
fn latency(
    cfg: &Config,
    dirs: &Dirs,
    run: &BlockRun,
    rng: &mut Rng,
) -> (Table, svm_state::CacheStats) {
    let head = run.head;
    let reads = 2_000.min(cfg.contracts);
    let targets: Vec<(usize, u32)> = (0..reads)
        .map(|i| {
            (
                i * cfg.contracts / reads,
                rng.below(VARIABLES as usize) as u32,
            )
        })
        .collect();
    let db = StateDb::open_rocks(&dirs.svm, &StateConfig::default()).expect("reopen");
    let raw = RocksKv::open(&dirs.raw, &RocksConfig::default()).expect("reopen raw");
    let per_read = |f: &mut dyn FnMut(usize, u32)| {
        let t = Instant::now();
        for &(c, var) in &targets {
            f(c, var);
        }
        t.elapsed().as_secs_f64() / targets.len() as f64
    };
    let mut svm_read = |c: usize, var: u32| {
        let s = db.at(head.root).expect("head");
        std::hint::black_box(s.variable(&contract(c), var).expect("read").len());
    };
    let svm_cold = per_read(&mut svm_read);
    let svm_warm = per_read(&mut svm_read);
    let session = db.at(head.root).expect("head");
    for &(c, var) in &targets {
        session.variable(&contract(c), var).expect("read");
    }
    let svm_hot = per_read(&mut |c, var| {
        std::hint::black_box(session.variable(&contract(c), var).expect("read").len());
    });
    let mut raw_read = |c: usize, var: u32| {
        let page = raw
            .get(Column::Nodes, &raw_key(c, var as usize * VAR_LEN / PAGE))
            .expect("raw read");
        std::hint::black_box(page.map(|p| p.len()));
    };
    let raw_cold = per_read(&mut raw_read);
    let raw_warm = per_read(&mut raw_read);
    let mut latency = Table::new(
        &format!("Read latency of one 32-byte variable ({reads} contracts, mean)"),
        &["", "cold", "warm", "hot"],
    );
    latency.row(vec![
        "svm (cold: just reopened; warm: node cache; hot: same session)".into(),
        micros(svm_cold),
        micros(svm_warm),
        micros(svm_hot),
    ]);
    latency.row(vec![
        "raw RocksDB get of the page (cold: just reopened; warm: block cache)".into(),
        micros(raw_cold),
        micros(raw_warm),
        "–".into(),
    ]);
    latency.row(vec![
        "svm ÷ raw".into(),
        ratio(svm_cold / raw_cold),
        ratio(svm_warm / raw_warm),
        "–".into(),
    ]);
    let stats = db.cache_stats();
    (latency, stats)
}

/// The bytes table: what svm and raw RocksDB wrote and hold on disk.
fn bytes(cfg: &Config, dirs: &Dirs, run: &BlockRun) -> Table {
    let (raw_bytes, node_bytes, setup_disk) = (run.raw_bytes, run.node_bytes, run.setup_disk);
    let (svm_disk, raw_disk) = (dir_bytes(&dirs.svm), dir_bytes(&dirs.raw));
    let mut bytes = Table::new(
        &format!(
            "Bytes after {} blocks ({} variable writes)",
            cfg.blocks,
            count(run.variables as f64)
        ),
        &["", "bytes", "÷ raw page bytes written"],
    );
    let per = |b: u64| ratio(b as f64 / raw_bytes as f64);
    bytes.row(vec![
        "raw page bytes written (dirty pages × 4 KiB)".into(),
        mib(raw_bytes as usize),
        per(raw_bytes),
    ]);
    bytes.row(vec![
        "svm trie nodes written".into(),
        mib(node_bytes as usize),
        per(node_bytes),
    ]);
    bytes.row(vec![
        format!(
            "svm database on disk (less {} of setup)",
            mib(setup_disk as usize)
        ),
        mib(svm_disk.saturating_sub(setup_disk) as usize),
        per(svm_disk.saturating_sub(setup_disk)),
    ]);
    bytes.row(vec![
        "raw RocksDB database on disk".into(),
        mib(raw_disk as usize),
        per(raw_disk),
    ]);
    bytes
}

/// The run's own figures.
fn notes(run: &BlockRun, stats: svm_state::CacheStats) -> Table {
    let (create, head) = (run.create, run.head);
    let mut notes = Table::new("State run", &["", "value"]);
    notes.row(vec![
        "creating the contracts (one commit)".into(),
        micros(create),
    ]);
    notes.row(vec![
        "head after the run".into(),
        format!("commit {}, {:#x}", head.seq, head.root),
    ]);
    notes.row(vec![
        "node cache after the reads (hits / misses)".into(),
        format!("{} / {}", stats.hits, stats.misses),
    ]);
    notes
}
