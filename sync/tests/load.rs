//! The server under load: many clients syncing and asking for proofs at
//! once while the node commits a stream of blocks to the same database.
//! Every sync completes exactly; every request gets its answer or, beyond
//! the concurrency limit, a 503 (never another failure); the process's
//! peak memory stays bounded.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use common::{Size, assert_holds, build, rocks};
use http_body_util::{BodyExt, Empty};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use svm_state::StructurePath;
use svm_state::structure::PathKey;
use svm_sync::{HttpSource, ServeConfig, Silent, Source, SyncConfig, serve, sync};

/// Peak resident memory of this process, in MiB (Linux).
fn peak_rss_mib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map_or(0, |kb| kb / 1024)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn many_clients_and_a_commit_stream() {
    let src_dir = tempfile::tempdir().unwrap();
    // An archive: the commit stream below runs far more than a pruning
    // window's commits while the clients sync the root it started from.
    let src = common::rocks_keeping(src_dir.path(), svm_state::History::Archive);
    let size = Size {
        accounts: 4000,
        contracts: 80,
        elements: 50,
    };
    let (root, model) = build(&src, 3, size);
    let config = ServeConfig {
        max_concurrent: 6,
        ..ServeConfig::default()
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let served = src.clone();
    tokio::spawn(async move {
        serve(listener, served, &config, std::future::pending())
            .await
            .unwrap()
    });

    // The node keeps committing to the database being served.
    let stop = Arc::new(AtomicBool::new(false));
    let commits = Arc::new(AtomicU64::new(0));
    let writer = {
        let (db, stop, commits) = (src.clone(), stop.clone(), commits.clone());
        let contract = *model.contracts.keys().next().unwrap();
        std::thread::spawn(move || {
            let mut i = 0u64;
            while !stop.load(Ordering::Relaxed) {
                let mut s = db.begin().unwrap();
                s.write_variable(&contract, 0, &[i as u8; 32]).unwrap();
                let path = StructurePath::variable(common::MAP);
                let key = PathKey::Key(i.to_be_bytes().to_vec());
                s.set_element(&contract, &path, &key, &[1; 40]).unwrap();
                s.commit().unwrap();
                commits.fetch_add(1, Ordering::Relaxed);
                i += 1;
            }
        })
    };

    // Light clients hammer the proof and head endpoints meanwhile.
    let statuses = Arc::new(std::sync::Mutex::new(std::collections::BTreeMap::new()));
    let mut probes = Vec::new();
    for p in 0..8 {
        let (url, statuses) = (url.clone(), statuses.clone());
        let contract = *model.contracts.keys().nth(p).unwrap();
        probes.push(tokio::spawn(async move {
            let client = Client::builder(TokioExecutor::new()).build_http::<Empty<bytes::Bytes>>();
            for i in 0..40 {
                let path = match i % 3 {
                    0 => format!("/v1/proof/variable?contract={contract:#x}&variable=0"),
                    1 => format!("/v1/proof/variable?contract={contract:#x}&variable=1&root={root:#x}&format=binary"),
                    _ => "/v1/head".to_string(),
                };
                let resp = client
                    .get(format!("{url}{path}").parse().unwrap())
                    .await
                    .unwrap();
                let status = resp.status().as_u16();
                let body = resp.into_body().collect().await.unwrap().to_bytes();
                assert!(
                    status == 200 || status == 503,
                    "{path}: {status} {}",
                    String::from_utf8_lossy(&body)
                );
                *statuses.lock().unwrap().entry(status).or_insert(0u64) += 1;
            }
        }));
    }

    // Many syncing clients of the same root, each with its own database.
    let mut syncs = Vec::new();
    let mut dirs = Vec::new();
    for _ in 0..6 {
        let dir = tempfile::tempdir().unwrap();
        let dst = rocks(dir.path());
        dirs.push(dir);
        let url = url.clone();
        syncs.push(tokio::spawn(async move {
            let source: Arc<dyn Source> =
                Arc::new(HttpSource::new(&url, Duration::from_secs(30)).unwrap());
            let config = SyncConfig {
                max_bytes: 64 << 10,
                parallel: 4,
                ..SyncConfig::default()
            };
            sync(dst.clone(), root, vec![source], &config, &Silent)
                .await
                .unwrap();
            dst
        }));
    }
    let mut synced = Vec::new();
    for s in syncs {
        synced.push(s.await.unwrap());
    }
    for p in probes {
        p.await.unwrap();
    }
    stop.store(true, Ordering::Relaxed);
    writer.join().unwrap();
    for dst in &synced {
        assert_holds(dst, root, &model);
    }
    let statuses = statuses.lock().unwrap().clone();
    assert!(statuses.get(&200).copied().unwrap_or(0) > 0, "{statuses:?}");
    assert!(commits.load(Ordering::Relaxed) > 0);
    let peak = peak_rss_mib();
    // Six syncing nodes, a serving node and their RocksDB caches.
    assert!(peak < 2048, "peak RSS {peak} MiB");
    println!(
        "load: 6 syncs exact, {} commits meanwhile, proof answers {statuses:?}, peak RSS {peak} MiB",
        commits.load(Ordering::Relaxed)
    );
}
