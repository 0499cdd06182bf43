//! Misbehaving servers: for each way a server can lie or fail, a server in
//! this test does exactly that. The sync refuses it with the right reason,
//! writes nothing unverified, and completes from an honest second server;
//! with the liar alone, it stops naming the server and the range.

mod common;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use common::{Model, Size, assert_holds, build, rocks};
use primitive_types::H256;
use svm_state::StateDb;
use svm_state::kv::{Column, KvStore, RocksKv};
use svm_sync::wire::{RESPONSE_SLACK, encode_range};
use svm_sync::{
    Event, HttpSource, Observer, ServeConfig, Source, SyncConfig, SyncError, serve, sync,
};

/// What a hostile server does to its answers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Lie {
    DropEntry,
    AlterEntry,
    ExtraEntry,
    Reorder,
    DropNode,
    SpoilNode,
    /// Claims the range complete without its last entries.
    SkipTail,
    /// Answers from another state's trie.
    WrongRoot,
    /// Starts elsewhere than asked.
    WrongStart,
    /// Stops short after a single entry.
    Drip,
    Oversized,
    /// A body cut in half (with a matching length).
    Truncated,
    /// Sends less than the length it declares, then closes.
    BrokenOff,
    Slow,
    Garbage,
    /// Code that does not hash to what was asked.
    WrongCode,
    /// Says it holds nothing.
    NotFound,
}

struct Liar {
    db: Arc<StateDb<RocksKv>>,
    lie: Lie,
    other_root: H256,
}

fn honest(
    db: &StateDb<RocksKv>,
    root: H256,
    q: &HashMap<String, String>,
) -> svm_trie::proof::RangeProof {
    let from = hex::decode(q.get("from").map_or("", String::as_str)).unwrap();
    let to = q.get("to").map(|t| hex::decode(t).unwrap());
    let max: usize = q["max_bytes"].parse().unwrap();
    svm_trie::proof::prove_range_capped(db.store(), root, &from, to.as_deref(), usize::MAX, max)
        .unwrap()
}

fn octets(bytes: Vec<u8>) -> Response {
    ([(header::CONTENT_TYPE, "application/octet-stream")], bytes).into_response()
}

async fn range(
    State(liar): State<Arc<Liar>>,
    Path(root): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let root = H256::from_slice(&hex::decode(&root[2..]).unwrap());
    let mut p = honest(&liar.db, root, &q);
    let n = p.entries.len();
    match liar.lie {
        Lie::DropEntry if n > 1 => {
            p.entries.remove(n / 2);
        }
        Lie::AlterEntry if n > 0 => p.entries[n / 2].1[0] ^= 1,
        Lie::ExtraEntry if n > 1 => {
            let mut k = p.entries[0].0.clone();
            k.push(0);
            p.entries.insert(1, (k, vec![1, 2, 3]));
        }
        Lie::Reorder if n > 2 => p.entries.swap(n / 2 - 1, n / 2),
        Lie::DropNode if !p.nodes.is_empty() => {
            p.nodes.remove(0);
        }
        Lie::SpoilNode if !p.nodes.is_empty() => {
            let last = p.nodes[0].len() - 1;
            p.nodes[0][last] ^= 1;
        }
        Lie::SkipTail if p.end.is_some() && n > 2 => {
            p.entries.truncate(n / 2);
            p.end = q.get("to").map(|t| hex::decode(t).unwrap());
        }
        Lie::WrongRoot => p = honest(&liar.db, liar.other_root, &q),
        Lie::WrongStart if n > 1 => {
            p.entries.remove(0);
            p.start = p.entries[0].0.clone();
        }
        Lie::Drip if n > 1 => {
            p.entries.truncate(1);
            let last = p.entries[0].0.clone();
            let from = hex::decode(q.get("from").map_or("", String::as_str)).unwrap();
            p = svm_trie::proof::prove_range(liar.db.store(), root, &from, Some(&last), 1).unwrap();
            p.end = Some(last);
        }
        Lie::Oversized => {
            let max: usize = q["max_bytes"].parse().unwrap();
            return octets(vec![0; max + RESPONSE_SLACK + 1]);
        }
        Lie::Truncated => {
            let mut bytes = encode_range(&p);
            bytes.truncate(bytes.len() / 2);
            return octets(bytes);
        }
        Lie::BrokenOff => {
            let bytes = encode_range(&p);
            let declared = bytes.len() + 100;
            let body = axum::body::Body::from(bytes);
            let mut r = Response::new(body);
            r.headers_mut().insert(
                header::CONTENT_LENGTH,
                declared.to_string().parse().unwrap(),
            );
            return r;
        }
        Lie::Slow => tokio::time::sleep(Duration::from_secs(3)).await,
        Lie::Garbage => return octets(b"<html>hello</html>".to_vec()),
        Lie::NotFound => return (StatusCode::NOT_FOUND, "{\"error\":\"gone\"}").into_response(),
        _ => {}
    }
    octets(encode_range(&p))
}

async fn code(State(liar): State<Arc<Liar>>, Path(hash): Path<String>) -> Response {
    let hash = H256::from_slice(&hex::decode(&hash[2..]).unwrap());
    let mut code = liar.db.code(&hash).unwrap().unwrap();
    if liar.lie == Lie::WrongCode {
        code.push(0);
    }
    octets(code)
}

async fn start_liar(liar: Liar) -> String {
    let app = Router::new()
        .route("/v1/range/{root}", get(range))
        .route("/v1/code/{hash}", get(code))
        .with_state(Arc::new(liar));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    url
}

async fn start_honest(db: Arc<StateDb<RocksKv>>) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        serve(
            listener,
            db,
            &ServeConfig::default(),
            std::future::pending(),
        )
        .await
        .unwrap()
    });
    url
}

#[derive(Default)]
struct Events(Mutex<Vec<Event>>);

impl Observer for Events {
    fn event(&self, e: &Event) {
        self.0.lock().unwrap().push(e.clone());
    }
}

fn source(url: &str) -> Arc<dyn Source> {
    Arc::new(HttpSource::new(url, Duration::from_secs(1)).unwrap())
}

/// Every node and code `dst` holds is one `src` holds, byte for byte:
/// nothing unverified was written.
fn only_verified(dst: &StateDb<RocksKv>, src: &StateDb<RocksKv>) {
    for column in [Column::Nodes, Column::Code] {
        for (k, v) in dst.kv().iter_prefix(column, &[]).unwrap() {
            assert_eq!(
                src.kv().get(column, &k).unwrap().as_ref(),
                Some(&v),
                "{column:?}"
            );
        }
    }
}

struct Fixture {
    src: Arc<StateDb<RocksKv>>,
    root: H256,
    model: Model,
    _dir: tempfile::TempDir,
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let src = rocks(dir.path());
    let size = Size {
        accounts: 1500,
        contracts: 60,
        elements: 40,
    };
    let (root, model) = build(&src, 11, size);
    Fixture {
        src,
        root,
        model,
        _dir: dir,
    }
}

/// The reasons a lie may be refused with (a dropped entry in a chunk that
/// stops short may leave it short, too), and whether the liar is dropped.
fn expected(lie: Lie) -> (&'static [&'static str], bool) {
    const PROOF: &str = "proof does not verify";
    match lie {
        Lie::DropEntry | Lie::SkipTail => (&[PROOF, "stops short of the range after"], true),
        Lie::AlterEntry | Lie::ExtraEntry | Lie::WrongRoot | Lie::DropNode | Lie::SpoilNode => {
            (&[PROOF], true)
        }
        Lie::Reorder => (&["not in strictly increasing key order"], true),
        Lie::WrongStart => (&["the chunk starts at"], true),
        Lie::Drip => (&["stops short of the range after"], true),
        Lie::Oversized => (&["more than the"], true),
        Lie::Truncated => (&["garbage: the message is truncated"], true),
        Lie::BrokenOff => (&["broke off", "no complete answer within"], false),
        Lie::Slow => (&["no complete answer within"], false),
        Lie::Garbage => (&["garbage: not a version 1 range message"], true),
        Lie::WrongCode => (&["hashes to"], true),
        Lie::NotFound => (&["HTTP 404"], false),
    }
}

const LIES: [Lie; 16] = [
    Lie::DropEntry,
    Lie::AlterEntry,
    Lie::ExtraEntry,
    Lie::Reorder,
    Lie::DropNode,
    Lie::SpoilNode,
    Lie::SkipTail,
    Lie::WrongRoot,
    Lie::WrongStart,
    Lie::Drip,
    Lie::Oversized,
    Lie::Truncated,
    Lie::BrokenOff,
    Lie::Slow,
    Lie::Garbage,
    Lie::NotFound,
];

fn config() -> SyncConfig {
    SyncConfig {
        max_bytes: 64 << 10,
        parts: 4,
        parallel: 4,
        ..SyncConfig::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_lie_is_refused_and_the_honest_server_finishes() {
    let f = fixture();
    let other_root = f.src.root_at(1).unwrap().unwrap();
    assert_ne!(other_root, f.root);
    let honest_url = start_honest(f.src.clone()).await;
    for lie in LIES {
        let liar = start_liar(Liar {
            db: f.src.clone(),
            lie,
            other_root,
        })
        .await;
        let dir = tempfile::tempdir().unwrap();
        let dst = rocks(dir.path());
        let events = Events::default();
        let report = sync(
            dst.clone(),
            f.root,
            vec![source(&liar), source(&honest_url)],
            &config(),
            &events,
        )
        .await
        .unwrap_or_else(|e| panic!("{lie:?}: {e}"));
        assert!(report.stats.chunks > 0);
        let (reason, drops) = expected(lie);
        let refusals: Vec<(String, String, bool)> = events
            .0
            .lock()
            .unwrap()
            .iter()
            .filter_map(|e| match e {
                Event::Refused {
                    source,
                    reason,
                    dropped,
                    ..
                } => Some((source.clone(), reason.clone(), *dropped)),
                _ => None,
            })
            .collect();
        assert!(!refusals.is_empty(), "{lie:?} was never refused");
        for (source, why, dropped) in &refusals {
            assert_eq!(
                *source, liar,
                "{lie:?}: the honest server was refused: {why}"
            );
            assert!(
                reason.iter().any(|r| why.contains(r)),
                "{lie:?}: refused for {why:?}, not {reason:?}"
            );
            if drops {
                assert!(dropped, "{lie:?}: the liar was not dropped");
            }
        }
        if drops {
            assert_eq!(refusals.len(), 1, "{lie:?}: a dropped liar was asked again");
        }
        assert_holds(&dst, f.root, &f.model);
        only_verified(&dst, &f.src);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_liar_alone_stops_the_sync_with_its_name_and_writes_nothing_unverified() {
    let f = fixture();
    let other_root = f.src.root_at(1).unwrap().unwrap();
    // Code is asked of whichever server is next, so a liar about code is
    // tested alone: it serves true ranges, and its code is refused.
    for lie in [
        Lie::AlterEntry,
        Lie::DropNode,
        Lie::Garbage,
        Lie::NotFound,
        Lie::WrongCode,
    ] {
        let liar = start_liar(Liar {
            db: f.src.clone(),
            lie,
            other_root,
        })
        .await;
        let dir = tempfile::tempdir().unwrap();
        let dst = rocks(dir.path());
        let err = sync(
            dst.clone(),
            f.root,
            vec![source(&liar)],
            &config(),
            &svm_sync::Silent,
        )
        .await
        .unwrap_err();
        let SyncError::Exhausted { what, reasons } = &err else {
            panic!("{lie:?}: {err}");
        };
        if lie == Lie::WrongCode {
            assert!(
                what.starts_with("code 0x") || what.contains("trie"),
                "{what}"
            );
        } else {
            assert!(what.contains("world trie"), "{what}");
            assert!(what.contains(&format!("{:#x}", f.root)), "{what}");
        }
        assert!(reasons.iter().all(|r| r.starts_with(&liar)), "{reasons:?}");
        assert!(
            expected(lie).0.iter().any(|r| err.to_string().contains(r)),
            "{err}"
        );
        assert_ne!(dst.head().root, f.root);
        only_verified(&dst, &f.src);
        if lie != Lie::WrongCode {
            assert!(dst.kv().iter_prefix(Column::Nodes, &[]).unwrap().is_empty());
        }
        assert!(dst.kv().iter_prefix(Column::Code, &[]).unwrap().is_empty());
        // An honest server then finishes the same database.
        let honest = start_honest(f.src.clone()).await;
        sync(
            dst.clone(),
            f.root,
            vec![source(&honest)],
            &config(),
            &svm_sync::Silent,
        )
        .await
        .unwrap();
        assert_holds(&dst, f.root, &f.model);
    }
}
