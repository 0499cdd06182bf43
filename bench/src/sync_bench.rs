//! The snapshot sync benchmark, on a state of 1,000,000 accounts, 1,000
//! contracts of 100 full pages and maps holding 1,000,000 elements in all
//! (RocksDB): export to files, import with verification side by side with
//! raw RocksDB ingest of the same nodes, sync over loopback HTTP (server
//! and client each in a child process, for their peak memory), and the
//! cost of resuming a sync killed half way.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use primitive_types::{H256, U256};
use svm_state::kv::{Column, KvStore, RocksConfig, RocksKv, WriteBatch};
use svm_state::layout::{Kind, Layout};
use svm_state::structure::{Element, PathKey, Structure};
use svm_state::{Address, StateConfig, StateDb, StructurePath};
use svm_sync::{Event, HttpSource, Observer, ServeConfig, Source, SyncConfig};

use crate::report::{Table, count, ratio};
use svm_tests::Rng;

/// Sizes of the run.
pub(crate) struct Config {
    /// Plain accounts.
    pub(crate) accounts: usize,
    /// Contracts.
    pub(crate) contracts: usize,
    /// Full 4 KiB pages per contract.
    pub(crate) pages: usize,
    /// Map elements over all contracts.
    pub(crate) elements: usize,
}

fn open(dir: &Path) -> StateDb<RocksKv> {
    StateDb::open_rocks(dir, &StateConfig::default()).expect("database")
}

/// Builds the state; returns its root.
fn build(cfg: &Config, db: &StateDb<RocksKv>) -> H256 {
    let mut kinds = vec![Kind::Bytes(4096); cfg.pages];
    kinds.push(Kind::Structure(Structure::Map(Element::Bytes)));
    let map = StructurePath::variable(cfg.pages as u32);
    let code =
        svm_state::code::module_declaring(&Layout::with_kinds(4096, &kinds).expect("layout"));
    let mut rng = Rng::new(21);
    for start in (0..cfg.accounts).step_by(200_000) {
        let mut s = db.begin().expect("session");
        for i in start..cfg.accounts.min(start + 200_000) {
            let a = Address::from_low_u64_be(0x1_0000_0000 + i as u64);
            s.create_account(&a, U256::from(i + 1)).expect("account");
        }
        s.commit().expect("commit");
    }
    let per = cfg.elements / cfg.contracts.max(1);
    for start in (0..cfg.contracts).step_by(50) {
        let mut s = db.begin().expect("session");
        for i in start..cfg.contracts.min(start + 50) {
            let a = Address::from_low_u64_be(0x2_0000_0000 + i as u64);
            s.create_contract(&a, &code, U256::zero())
                .expect("contract");
            for v in 0..cfg.pages {
                let page: Vec<u8> = (0..4096 / 32).flat_map(|_| rng.bytes32()).collect();
                s.write_variable(&a, v as u32, &page).expect("page");
            }
            for _ in 0..per {
                let key = PathKey::Key(rng.bytes32().to_vec());
                s.set_element(&a, &map, &key, &rng.bytes32())
                    .expect("element");
            }
        }
        s.commit().expect("commit");
    }
    db.head().root
}

/// Peak resident memory of process `pid` (or this one), in MiB.
fn peak_rss_mib(pid: Option<u32>) -> f64 {
    let path = match pid {
        Some(p) => format!("/proc/{p}/status"),
        None => "/proc/self/status".into(),
    };
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

fn mbs(bytes: u64, seconds: f64) -> String {
    format!("{:.1} MB/s", bytes as f64 / 1e6 / seconds)
}

fn mb(bytes: u64) -> String {
    format!("{:.1} MB", bytes as f64 / 1e6)
}

/// Writes every node of `from` into a new database at `to`, in a random
/// order (as nodes arrive in a sync: keyed by hash, never sorted) and in
/// batches of about `batch_bytes`, as a raw ingest would; returns (seconds
/// spent writing, bytes).
fn raw_ingest(from: &StateDb<RocksKv>, to: &Path, batch_bytes: usize) -> (f64, u64) {
    let mut nodes = Vec::new();
    let mut after: Option<Vec<u8>> = None;
    loop {
        let page = from
            .kv()
            .scan(Column::Nodes, &[], after.as_deref(), 1 << 14)
            .expect("nodes");
        let Some(last) = page.last() else { break };
        after = Some(last.0.clone());
        nodes.extend(page);
    }
    let mut rng = Rng::new(5);
    for i in (1..nodes.len()).rev() {
        nodes.swap(i, rng.below(i + 1));
    }
    let kv = RocksKv::open(to, &RocksConfig::default()).expect("rocksdb");
    let t = Instant::now();
    let mut total = 0u64;
    let mut batch = WriteBatch::new();
    let mut size = 0;
    for (k, v) in &nodes {
        batch.put(Column::Nodes, k, v);
        size += k.len() + v.len();
        total += (k.len() + v.len()) as u64;
        if size >= batch_bytes {
            kv.write(std::mem::take(&mut batch)).expect("write");
            size = 0;
        }
    }
    kv.write(batch).expect("write");
    (t.elapsed().as_secs_f64(), total)
}

/// Runs the measurements and returns the result table.
pub(crate) fn run(cfg: &Config) -> Vec<Table> {
    let work = tempfile::tempdir().expect("a temporary directory");
    let dir = |name: &str| work.path().join(name);
    let src_path = dir("src");
    let t = Instant::now();
    let (root, state_bytes) = {
        let db = open(&src_path);
        let root = build(cfg, &db);
        let report = db.check(root).expect("the built state checks clean");
        (root, report.node_bytes)
    };
    let built = t.elapsed().as_secs_f64();
    let sync_cfg = SyncConfig::default();
    let mut table = Table::new(
        &format!(
            "Snapshot sync of {} accounts, {} contracts of {} full pages and {} map elements ({} of nodes; state built in {:.0} s; RocksDB; {} KiB requests)",
            count(cfg.accounts as f64),
            count(cfg.contracts as f64),
            cfg.pages,
            count(cfg.elements as f64),
            mb(state_bytes),
            built,
            sync_cfg.max_bytes >> 10
        ),
        &[
            "step",
            "time",
            "rate",
            "bytes",
            "vs state / peer",
            "peak RSS",
        ],
    );

    // Export.
    let snap = dir("snapshot");
    let t = Instant::now();
    let manifest = {
        let db = open(&src_path);
        svm_sync::export::export(&db, root, &snap, &sync_cfg).expect("export")
    };
    let exported = t.elapsed().as_secs_f64();
    table.row(vec![
        "export to files".into(),
        format!("{exported:.1} s"),
        mbs(manifest.bytes, exported),
        mb(manifest.bytes),
        ratio(manifest.bytes as f64 / state_bytes as f64),
        String::new(),
    ]);

    // Import with verification, then raw ingest of the same nodes.
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let imported_path = dir("imported");
    let imported = Arc::new(open(&imported_path));
    let t = Instant::now();
    runtime
        .block_on(svm_sync::export::import(
            imported.clone(),
            &snap,
            root,
            &sync_cfg,
            &svm_sync::Silent,
        ))
        .expect("import");
    let import_s = t.elapsed().as_secs_f64();
    imported.flush().expect("flush");
    std::fs::remove_dir_all(&snap).ok();
    let (raw_s, raw_bytes) = raw_ingest(&imported, &dir("raw"), 1 << 20);
    std::fs::remove_dir_all(dir("raw")).ok();
    drop(imported);
    std::fs::remove_dir_all(&imported_path).ok();
    table.row(vec![
        "import, verified".into(),
        format!("{import_s:.1} s"),
        mbs(raw_bytes, import_s),
        mb(raw_bytes),
        format!("{} of raw ingest", ratio(raw_s / import_s)),
        String::new(),
    ]);
    table.row(vec![
        "raw RocksDB ingest of the same nodes".into(),
        format!("{raw_s:.1} s"),
        mbs(raw_bytes, raw_s),
        mb(raw_bytes),
        "1.00×".into(),
        String::new(),
    ]);

    // Loopback sync: server and client each a child process.
    let exe = std::env::current_exe().expect("own path");
    let (mut server, url) = spawn_server(&exe, &src_path);
    let (full, client_rss) = sync_child(&exe, &dir("synced"), &url, root, None);
    let server_rss = peak_rss_mib(Some(server.id()));
    table.row(vec![
        "sync over loopback HTTP".into(),
        format!("{:.1} s", full.seconds),
        mbs(full.wire, full.seconds),
        format!("{} on the wire", mb(full.wire)),
        format!(
            "{} of the state's nodes",
            ratio(full.wire as f64 / state_bytes as f64)
        ),
        format!("client {client_rss:.0} MiB, server {server_rss:.0} MiB"),
    ]);
    std::fs::remove_dir_all(dir("synced")).ok();

    // Killed at half the bytes, then resumed (from a fresh server, so
    // both syncs start with the server's cache cold).
    let _ = server.kill();
    let _ = server.wait();
    let (mut server, url) = spawn_server(&exe, &src_path);
    let resumed_path = dir("resumed");
    let (first, _) = sync_child(&exe, &resumed_path, &url, root, Some(full.wire / 2));
    let (second, _) = sync_child(&exe, &resumed_path, &url, root, None);
    let _ = server.kill();
    let _ = server.wait();
    {
        let db = open(&resumed_path);
        assert_eq!(db.head().root, root, "the resumed sync ends at the root");
    }
    let wire = first.wire + second.wire;
    table.row(vec![
        "sync killed at 50% and rerun".into(),
        format!("{:.1} s", first.seconds + second.seconds),
        mbs(wire, first.seconds + second.seconds),
        format!("{} on the wire", mb(wire)),
        format!(
            "{} of the uninterrupted time, {} written twice",
            ratio((first.seconds + second.seconds) / full.seconds),
            mb(wire.saturating_sub(full.wire))
        ),
        String::new(),
    ]);
    vec![table]
}

/// What a sync child reported.
#[derive(Clone, Copy, Default)]
struct ChildRun {
    seconds: f64,
    /// Wire bytes this run received (the journal counts from earlier runs
    /// too; this is the difference).
    wire: u64,
}

fn spawn_server(exe: &Path, db: &Path) -> (Child, String) {
    let mut child = Command::new(exe)
        .arg("--serve-child")
        .arg(db)
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawn the server");
    let stdout = child.stdout.take().expect("piped");
    let mut line = String::new();
    BufReader::new(stdout)
        .read_line(&mut line)
        .expect("the server's address");
    let url = line
        .trim()
        .strip_prefix("listening ")
        .expect("listening")
        .to_string();
    (child, url)
}

/// Runs a sync child; with `kill_at`, kills it once the journal counts that
/// many wire bytes. Returns its run and its peak RSS (MiB).
fn sync_child(
    exe: &Path,
    db: &Path,
    url: &str,
    root: H256,
    kill_at: Option<u64>,
) -> (ChildRun, f64) {
    let t = Instant::now();
    let mut child = Command::new(exe)
        .arg("--sync-child")
        .arg(db)
        .arg(url)
        .arg(format!("{root:#x}"))
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawn the client");
    let stdout = child.stdout.take().expect("piped");
    let (mut start_wire, mut last_wire, mut rss) = (None, 0u64, f64::NAN);
    for line in BufReader::new(stdout).lines() {
        let Ok(line) = line else { break };
        let mut words = line.split_whitespace();
        match (
            words.next(),
            words.next().and_then(|w| w.parse::<u64>().ok()),
        ) {
            (Some("wire"), Some(w)) => {
                start_wire.get_or_insert(w);
                last_wire = w;
                if kill_at.is_some_and(|k| w >= k) {
                    let _ = child.kill();
                    break;
                }
            }
            (Some("rss"), _) => {
                rss = line[4..].trim().parse().unwrap_or(f64::NAN);
            }
            _ => {}
        }
    }
    let status = child.wait().expect("wait");
    assert!(
        kill_at.is_some() || status.success(),
        "the sync child failed"
    );
    let run = ChildRun {
        seconds: t.elapsed().as_secs_f64(),
        wire: last_wire - start_wire.unwrap_or(0),
    };
    (run, rss)
}

/// The children: `--serve-child DB` and `--sync-child DB URL ROOT`.
pub(crate) fn child(args: &[String]) -> bool {
    match args.first().map(String::as_str) {
        Some("--serve-child") => {
            let config = StateConfig {
                node_cache_bytes: std::env::var("SVM_BENCH_SERVER_CACHE_MIB")
                    .ok()
                    .and_then(|v| v.parse::<usize>().ok())
                    .map_or(StateConfig::default().node_cache_bytes, |m| m << 20),
                ..StateConfig::default()
            };
            let db =
                Arc::new(StateDb::open_rocks(&PathBuf::from(&args[1]), &config).expect("database"));
            let runtime = tokio::runtime::Runtime::new().expect("runtime");
            runtime.block_on(async move {
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
                    .await
                    .expect("bind");
                println!("listening http://{}", listener.local_addr().expect("addr"));
                std::io::stdout().flush().expect("stdout");
                svm_sync::serve(
                    listener,
                    db,
                    &ServeConfig::default(),
                    std::future::pending(),
                )
                .await
                .expect("serve");
            });
            true
        }
        Some("--sync-child") => {
            let db = Arc::new(open(&PathBuf::from(&args[1])));
            let root: H256 = args[3].trim_start_matches("0x").parse().expect("root");
            let source: Arc<dyn Source> =
                Arc::new(HttpSource::new(&args[2], Duration::from_secs(60)).expect("url"));
            let runtime = tokio::runtime::Runtime::new().expect("runtime");
            runtime
                .block_on(svm_sync::sync(
                    db,
                    root,
                    vec![source],
                    &SyncConfig::default(),
                    &Wire,
                ))
                .expect("sync");
            println!("rss {:.1}", peak_rss_mib(None));
            true
        }
        _ => false,
    }
}

/// Prints the journal's wire byte count after every write.
struct Wire;

impl Observer for Wire {
    fn event(&self, e: &Event) {
        let stats = match e {
            Event::Start { stats, .. } | Event::Progress { stats } | Event::Done { stats } => stats,
            Event::Refused { .. } => return,
        };
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "wire {}", stats.wire_bytes);
        let _ = out.flush();
    }
}
