//! SIGKILL during sync: a child process syncs a state from a server in this
//! process and is killed at random moments, again and again; after each
//! kill the database holds nothing unverified, and every rerun resumes.
//! The sync finished across all the runs writes exactly the chunks an
//! uninterrupted sync writes (no finished range fetched twice) and ends
//! with the exact state.

mod common;

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::{Arc, mpsc};
use std::time::{Duration, Instant};

use common::{Rng, Size, assert_holds, build, rocks};
use primitive_types::H256;
use svm_state::StateDb;
use svm_state::kv::{Column, KvStore, RocksKv};
use svm_sync::{Event, HttpSource, Observer, ServeConfig, Source, SyncConfig, serve, sync};

const KILLS: usize = 28;

fn config() -> SyncConfig {
    // Small chunks: thousands of them, so kills land mid-sync.
    SyncConfig {
        max_bytes: 4 << 10,
        parts: 8,
        parallel: 4,
        ..SyncConfig::default()
    }
}

/// Prints each written chunk's count, then the final count.
struct Report;

impl Observer for Report {
    fn event(&self, e: &Event) {
        let mut out = std::io::stdout().lock();
        match e {
            Event::Progress { stats } => writeln!(out, "chunks {}", stats.chunks),
            Event::Done { stats } => writeln!(out, "done {}", stats.chunks),
            _ => Ok(()),
        }
        .and_then(|()| out.flush())
        .expect("report");
    }
}

fn child(dir: &Path, url: &str, root: H256) {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let db = rocks(dir);
    let source: Arc<dyn Source> =
        Arc::new(HttpSource::new(url, Duration::from_secs(30)).expect("url"));
    let report = runtime
        .block_on(sync(db, root, vec![source], &config(), &Report))
        .expect("sync");
    println!("result {} {}", report.already_held, report.stats.chunks);
}

/// Every node and code `dst` holds is `src`'s, byte for byte.
fn only_verified(dst: &StateDb<RocksKv>, src: &StateDb<RocksKv>) -> usize {
    let mut n = 0;
    for column in [Column::Nodes, Column::Code] {
        for (k, v) in dst.kv().iter_prefix(column, &[]).unwrap() {
            assert_eq!(src.kv().get(column, &k).unwrap().as_ref(), Some(&v));
            n += 1;
        }
    }
    n
}

fn parent() {
    let src_dir = tempfile::tempdir().unwrap();
    let src = rocks(src_dir.path());
    let size = Size {
        accounts: 20_000,
        contracts: 150,
        elements: 80,
    };
    let (root, model) = build(&src, 5, size);
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let served = src.clone();
    runtime.spawn(async move {
        serve(
            listener,
            served,
            &ServeConfig::default(),
            std::future::pending(),
        )
        .await
        .unwrap()
    });

    // The uninterrupted sync, for its chunk count and its time.
    let ref_dir = tempfile::tempdir().unwrap();
    let timed = Instant::now();
    let source: Arc<dyn Source> = Arc::new(HttpSource::new(&url, Duration::from_secs(30)).unwrap());
    let reference = runtime
        .block_on(sync(
            rocks(ref_dir.path()),
            root,
            vec![source],
            &config(),
            &svm_sync::Silent,
        ))
        .unwrap();
    let chunks = reference.stats.chunks;
    // Each run syncs for a random part of this window before the kill: all
    // the runs together take about a quarter of the sync, however fast the
    // machine, so every kill lands mid-sync.
    let window = (timed.elapsed().as_micros() as u64 / (2 * KILLS as u64)).max(1_000);

    let dir = tempfile::tempdir().unwrap();
    let exe = std::env::current_exe().unwrap();
    let mut rng = Rng(0x51c);
    let (mut mid_sync, mut last_chunks) = (0, 0u64);
    let start = Instant::now();
    let spawn = || {
        Command::new(&exe)
            .arg("--child")
            .arg(dir.path())
            .arg(&url)
            .arg(format!("{root:#x}"))
            .stdout(Stdio::piped())
            .spawn()
            .unwrap()
    };
    for kill in 0..KILLS {
        let mut child = spawn();
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = mpsc::channel();
        let reader = std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        // One time in four, kill it while it opens and starts.
        if kill % 4 == 3 {
            std::thread::sleep(Duration::from_micros(rng.next() % window));
        } else {
            let _ = rx.recv_timeout(Duration::from_secs(30));
            std::thread::sleep(Duration::from_micros(rng.next() % window));
        }
        child.kill().unwrap();
        assert!(!child.wait().unwrap().success());
        reader.join().unwrap();
        let lines: Vec<String> = rx.try_iter().collect();
        assert!(
            !lines.iter().any(|l| l.starts_with("result")),
            "kill {kill}: the sync finished before the kill; make it longer"
        );
        let written = lines
            .iter()
            .filter_map(|l| l.strip_prefix("chunks ")?.parse::<u64>().ok())
            .max();
        if let Some(n) = written {
            assert!(n >= last_chunks, "kill {kill}: counters went back");
            last_chunks = n;
            mid_sync += 1;
        }
        let db = rocks(dir.path());
        assert_ne!(db.head().root, root, "kill {kill}: finished early");
        only_verified(&db, &src);
        let target = svm_sync::client::journal_target(&db).unwrap();
        assert!(target.is_none() || target == Some(root), "kill {kill}");
    }
    // Every kill but the early ones waited for a written chunk.
    assert!(
        mid_sync >= KILLS - KILLS / 4,
        "only {mid_sync} kills hit a syncing child"
    );

    // The last run finishes.
    let out = Command::new(&exe)
        .arg("--child")
        .arg(dir.path())
        .arg(&url)
        .arg(format!("{root:#x}"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let result = text
        .lines()
        .find_map(|l| l.strip_prefix("result "))
        .unwrap();
    assert_eq!(
        result,
        format!("false {chunks}"),
        "chunks written over all runs"
    );
    let db = rocks(dir.path());
    assert_holds(&db, root, &model);
    let nodes = only_verified(&db, &src);
    println!(
        "kill: {KILLS} kills in {:.1} s ({mid_sync} mid-sync), {chunks} chunks written once each, \
         {nodes} nodes and codes, the state exact",
        start.elapsed().as_secs_f64()
    );
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("--child") {
        let root: H256 = args[4].trim_start_matches("0x").parse().expect("root");
        child(Path::new(&args[2]), &args[3], root);
        return;
    }
    // `cargo test -- --list` and filters: this test has one case.
    if args.iter().any(|a| a == "--list") {
        println!("kill: test");
        return;
    }
    parent();
}
