//! Sync of a random state from a server on loopback, from one and from
//! several servers, and through an exported snapshot.

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::{Size, assert_holds, build, rocks};
use svm_sync::{HttpSource, ServeConfig, Silent, Source, SyncConfig, serve, sync};

/// Starts a server over `db` on a free loopback port; returns its URL.
pub(crate) async fn start<K: svm_state::kv::KvStore>(
    db: Arc<svm_state::StateDb<K>>,
    config: ServeConfig,
) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        serve(listener, db, &config, std::future::pending())
            .await
            .unwrap();
    });
    url
}

fn http(url: &str) -> Arc<dyn Source> {
    Arc::new(HttpSource::new(url, Duration::from_secs(20)).unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_random_state_syncs_exactly() {
    let src_dir = tempfile::tempdir().unwrap();
    let src = rocks(src_dir.path());
    let size = Size {
        accounts: 3000,
        contracts: 120,
        elements: 60,
    };
    let (root, model) = build(&src, 7, size);
    let url = start(src.clone(), ServeConfig::default()).await;

    let dst_dir = tempfile::tempdir().unwrap();
    let dst = rocks(dst_dir.path());
    // Small chunks: the world trie and the big structures take many.
    let config = SyncConfig {
        max_bytes: 64 << 10,
        parts: 4,
        ..SyncConfig::default()
    };
    let report = sync(dst.clone(), root, vec![http(&url)], &config, &Silent)
        .await
        .unwrap();
    assert!(!report.already_held);
    assert!(report.stats.chunks > 10, "{:?}", report.stats);
    assert_eq!(report.stats.tries_found, report.stats.tries_done);
    assert_holds(&dst, root, &model);
    let want = src.check(root).unwrap();
    let got = dst.check(root).unwrap();
    assert_eq!((got.nodes, got.node_bytes), (want.nodes, want.node_bytes));
    assert_eq!(svm_sync::client::journal_target(&dst).unwrap(), None);

    // Syncing the root again fetches nothing.
    let again = sync(dst.clone(), root, vec![http(&url)], &config, &Silent)
        .await
        .unwrap();
    assert!(again.already_held);
}
