//! The serving side: an HTTP server (axum on hyper and tokio) over a state
//! database, for syncing nodes (ranges of any trie it holds, code by hash,
//! the head) and light clients (variable, element and receipt proofs, as
//! JSON or binary).
//!
//! Everything is bounded: entry bytes per answer (a soft cap), requests
//! worked on at once (more get 503), open connections, the time to send a
//! request's head, and each request's time (408). Bad requests get 4xx and
//! a JSON `{"error": …}`. Reads never take the database's commit lock, so
//! serving runs beside a node committing to the same database.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::{Path, RawQuery, Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use primitive_types::H256;
use serde_json::json;
use svm_proofs::verify::binary;
use svm_proofs::{ProveError, json as proof_json};
use svm_state::kv::{Column, KvStore};
use svm_state::structure::PathKey;
use svm_state::{Address, StateDb};
use svm_trie::MAX_KEY_LEN;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tracing::Instrument;

use crate::wire::{
    DEFAULT_REQUEST_BYTES, DEFAULT_SERVER_CAP, MIN_CHUNK_BYTES, VERSION, encode_range,
};

/// How to serve.
#[derive(Clone, Debug)]
pub struct ServeConfig {
    /// Soft cap on the entry bytes of one range answer (at least
    /// [`MIN_CHUNK_BYTES`]).
    pub max_bytes: usize,
    /// Requests worked on at once; more are refused with 503.
    pub max_concurrent: usize,
    /// Connections open at once; more wait to be accepted.
    pub max_connections: usize,
    /// Time to answer one request (408 after).
    pub timeout: Duration,
    /// Time a client has to send a request's head.
    pub header_timeout: Duration,
}

impl Default for ServeConfig {
    fn default() -> Self {
        ServeConfig {
            max_bytes: DEFAULT_SERVER_CAP,
            max_concurrent: 64,
            max_connections: 256,
            timeout: Duration::from_secs(30),
            header_timeout: Duration::from_secs(10),
        }
    }
}

struct App<K> {
    db: Arc<StateDb<K>>,
    max_bytes: usize,
}

/// An error answer: a status and a JSON message.
struct ApiError(StatusCode, String);

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.0, axum::Json(json!({ "error": self.1 }))).into_response()
    }
}

fn bad(msg: impl Into<String>) -> ApiError {
    ApiError(StatusCode::BAD_REQUEST, msg.into())
}

fn internal(e: impl std::fmt::Display) -> ApiError {
    tracing::error!(target: "svm_sync::serve", "serving failed: {e}");
    ApiError(StatusCode::INTERNAL_SERVER_ERROR, e.to_string())
}

/// The router, for embedding in a node's own server.
pub fn router<K: KvStore>(db: Arc<StateDb<K>>, config: &ServeConfig) -> Router {
    let app = Arc::new(App {
        db,
        max_bytes: config.max_bytes.max(MIN_CHUNK_BYTES),
    });
    let limits = Arc::new(Limits {
        permits: Semaphore::new(config.max_concurrent.max(1)),
        max: config.max_concurrent.max(1),
        timeout: config.timeout,
    });
    Router::new()
        .route("/v1/head", get(head::<K>))
        .route("/v1/range/{root}", get(range::<K>))
        .route("/v1/code/{hash}", get(code::<K>))
        .route("/v1/proof/variable", get(prove_variable::<K>))
        .route("/v1/proof/element", get(prove_element::<K>))
        .route("/v1/proof/receipt", get(prove_receipt::<K>))
        .fallback(|| async { ApiError(StatusCode::NOT_FOUND, "no such endpoint".into()) })
        .with_state(app)
        .layer(axum::middleware::from_fn_with_state(limits, limit))
}

struct Limits {
    permits: Semaphore,
    max: usize,
    timeout: Duration,
}

/// Refuses requests beyond the concurrency limit and times out slow ones.
async fn limit(State(limits): State<Arc<Limits>>, req: Request, next: Next) -> Response {
    let Ok(_permit) = limits.permits.try_acquire() else {
        return ApiError(
            StatusCode::SERVICE_UNAVAILABLE,
            format!("busy: {} requests in progress", limits.max),
        )
        .into_response();
    };
    let path = req.uri().path().to_string();
    let span =
        tracing::debug_span!(target: "svm_sync::serve", "request", method = %req.method(), path);
    let started = std::time::Instant::now();
    match tokio::time::timeout(limits.timeout, next.run(req))
        .instrument(span.clone())
        .await
    {
        Ok(r) => {
            let _in = span.enter();
            tracing::debug!(
                target: "svm_sync::serve",
                status = r.status().as_u16(),
                micros = started.elapsed().as_micros() as u64,
                "served"
            );
            r
        }
        Err(_) => {
            let _in = span.enter();
            tracing::warn!(target: "svm_sync::serve", "request timed out");
            ApiError(
                StatusCode::REQUEST_TIMEOUT,
                format!("no answer within {:?}", limits.timeout),
            )
            .into_response()
        }
    }
}

/// Serves `db` on `listener` until `shutdown` completes.
pub async fn serve<K: KvStore>(
    listener: TcpListener,
    db: Arc<StateDb<K>>,
    config: &ServeConfig,
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<()> {
    serve_router(listener, router(db, config), config, shutdown).await
}

/// Serves `app` ([`router`], perhaps merged with a node's own routes) on
/// `listener` until `shutdown` completes, with `config`'s connection limits.
pub async fn serve_router(
    listener: TcpListener,
    app: Router,
    config: &ServeConfig,
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<()> {
    let connections = Arc::new(Semaphore::new(config.max_connections.max(1)));
    let header_timeout = config.header_timeout;
    tokio::pin!(shutdown);
    loop {
        let permit = tokio::select! {
            _ = &mut shutdown => return Ok(()),
            p = connections.clone().acquire_owned() => p.map_err(std::io::Error::other)?,
        };
        let (stream, peer) = tokio::select! {
            _ = &mut shutdown => return Ok(()),
            a = listener.accept() => match a {
                Ok(a) => a,
                Err(e) => {
                    // Out of file descriptors and the like: wait, go on.
                    tracing::warn!(target: "svm_sync::serve", "accept failed: {e}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        let _ = stream.set_nodelay(true);
        let service = TowerToHyperService::new(app.clone());
        tokio::spawn(async move {
            let conn = hyper::server::conn::http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(header_timeout)
                .serve_connection(TokioIo::new(stream), service);
            if let Err(e) = conn.await {
                tracing::debug!(target: "svm_sync::serve", %peer, "connection ended: {e}");
            }
            drop(permit);
        });
    }
}

/// Query parameters in order (a key may repeat).
fn params(query: Option<String>) -> Result<Vec<(String, String)>, ApiError> {
    serde_urlencoded::from_str(query.as_deref().unwrap_or(""))
        .map_err(|e| bad(format!("bad query string: {e}")))
}

fn param<'a>(ps: &'a [(String, String)], name: &str) -> Option<&'a str> {
    ps.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
}

fn hex_bytes(s: &str, what: &str) -> Result<Vec<u8>, ApiError> {
    let s = s.strip_prefix("0x").unwrap_or(s);
    hex::decode(s).map_err(|e| bad(format!("{what}: not hex ({e})")))
}

fn hash_param(s: &str, what: &str) -> Result<H256, ApiError> {
    let b = hex_bytes(s, what)?;
    if b.len() != 32 {
        return Err(bad(format!("{what}: {} bytes, not 32", b.len())));
    }
    Ok(H256::from_slice(&b))
}

fn number<T: std::str::FromStr>(
    ps: &[(String, String)],
    name: &str,
) -> Result<Option<T>, ApiError> {
    param(ps, name)
        .map(|v| {
            v.parse::<T>()
                .map_err(|_| bad(format!("{name}: not a number: {v:?}")))
        })
        .transpose()
}

fn binary_format(ps: &[(String, String)]) -> Result<bool, ApiError> {
    match param(ps, "format") {
        None | Some("json") => Ok(false),
        Some("binary") => Ok(true),
        Some(other) => Err(bad(format!("format: {other:?} is not json or binary"))),
    }
}

fn octets(bytes: Vec<u8>) -> Response {
    ([(header::CONTENT_TYPE, "application/octet-stream")], bytes).into_response()
}

/// Runs blocking database work off the async threads.
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    tokio::task::spawn_blocking(f).await.map_err(internal)?
}

async fn head<K: KvStore>(State(app): State<Arc<App<K>>>) -> Response {
    let head = app.db.head();
    axum::Json(json!({
        "version": VERSION,
        "seq": head.seq,
        "root": format!("{:#x}", head.root),
        "maxBytes": app.max_bytes,
    }))
    .into_response()
}

async fn range<K: KvStore>(
    State(app): State<Arc<App<K>>>,
    Path(root): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let root = hash_param(&root, "root")?;
    let ps = params(query)?;
    let from = param(&ps, "from")
        .map(|v| hex_bytes(v, "from"))
        .transpose()?
        .unwrap_or_default();
    let to = param(&ps, "to").map(|v| hex_bytes(v, "to")).transpose()?;
    let asked = number::<usize>(&ps, "max_bytes")?.unwrap_or(DEFAULT_REQUEST_BYTES);
    let max_bytes = asked.clamp(1, app.max_bytes);
    blocking(move || {
        answer_range(&app.db, root, &from, to.as_deref(), max_bytes)
            .map(octets)
            .map_err(|e| match e {
                RangeRequestError::NotHeld(_) => ApiError(StatusCode::NOT_FOUND, e.to_string()),
                RangeRequestError::Store(_) => internal(e),
                _ => bad(e.to_string()),
            })
    })
    .await
}

/// Why a range request gets no answer.
#[derive(Debug, thiserror::Error)]
pub enum RangeRequestError {
    /// A bound longer than any key.
    #[error("{what}: {len} bytes, more than {MAX_KEY_LEN}")]
    KeyTooLong {
        /// `from` or `to`.
        what: &'static str,
        /// Its length.
        len: usize,
    },
    /// `to` below `from`.
    #[error("to is below from")]
    Inverted,
    /// The trie is not held here.
    #[error("root {0:#x} is not held here")]
    NotHeld(H256),
    /// The database failed.
    #[error("{0}")]
    Store(String),
}

/// The answer to a range request (FORMATS.md, "Snapshot sync protocol"):
/// the range message of the entries of the trie at `root` from `from` (up
/// to `to`, if given), stopping at the entry that reaches `max_bytes` (at
/// least 1; the caller caps it), with its boundary proof. What the
/// `/v1/range` endpoint serves, for hosts that carry requests their own way.
pub fn answer_range<K: KvStore>(
    db: &StateDb<K>,
    root: H256,
    from: &[u8],
    to: Option<&[u8]>,
    max_bytes: usize,
) -> Result<Vec<u8>, RangeRequestError> {
    for (what, key) in [("from", Some(from)), ("to", to)] {
        if let Some(k) = key
            && k.len() > MAX_KEY_LEN
        {
            return Err(RangeRequestError::KeyTooLong { what, len: k.len() });
        }
    }
    if to.is_some_and(|t| t < from) {
        return Err(RangeRequestError::Inverted);
    }
    let store = db.store();
    if root != svm_trie::EMPTY_ROOT
        && store
            .get(Column::Nodes, root.as_bytes())
            .map_err(|e| RangeRequestError::Store(e.to_string()))?
            .is_none()
    {
        return Err(RangeRequestError::NotHeld(root));
    }
    let proof =
        svm_trie::proof::prove_range_capped(store, root, from, to, usize::MAX, max_bytes.max(1))
            .map_err(|e| match e {
                // Pruned meanwhile (a database keeping recent roots only).
                svm_trie::TrieError::MissingNode(_) => RangeRequestError::NotHeld(root),
                e => RangeRequestError::Store(e.to_string()),
            })?;
    Ok(encode_range(&proof))
}

async fn code<K: KvStore>(
    State(app): State<Arc<App<K>>>,
    Path(hash): Path<String>,
) -> Result<Response, ApiError> {
    let hash = hash_param(&hash, "code hash")?;
    blocking(move || match app.db.code(&hash).map_err(internal)? {
        Some(code) => Ok(octets(code)),
        None => Err(ApiError(
            StatusCode::NOT_FOUND,
            format!("code {hash:#x} is not held here"),
        )),
    })
    .await
}

fn prove_error(e: ProveError) -> ApiError {
    match e {
        ProveError::UnknownRoot(_) | ProveError::NoBlock(_) | ProveError::NoReceipt { .. } => {
            ApiError(StatusCode::NOT_FOUND, e.to_string())
        }
        ProveError::State(svm_state::StateError::Pruned { .. }) => {
            ApiError(StatusCode::GONE, e.to_string())
        }
        ProveError::NotAContract(_)
        | ProveError::NoSuchVariable { .. }
        | ProveError::BadPath { .. }
        | ProveError::Code { .. } => bad(e.to_string()),
        other => internal(other),
    }
}

/// What a state proof request names: root, contract, variable, code or not.
struct Target {
    root: H256,
    address: Address,
    variable: u32,
    with_code: bool,
}

fn target<K: KvStore>(app: &App<K>, ps: &[(String, String)]) -> Result<Target, ApiError> {
    let root = match param(ps, "root") {
        Some(r) => hash_param(r, "root")?,
        None => app.db.head().root,
    };
    let contract = param(ps, "contract").ok_or_else(|| bad("contract is missing"))?;
    let address = hex_bytes(contract, "contract")?;
    if address.len() != 20 {
        return Err(bad(format!("contract: {} bytes, not 20", address.len())));
    }
    let variable = number::<u32>(ps, "variable")?.ok_or_else(|| bad("variable is missing"))?;
    let with_code = match param(ps, "code") {
        None | Some("true") => true,
        Some("false") => false,
        Some(other) => return Err(bad(format!("code: {other:?} is not true or false"))),
    };
    Ok(Target {
        root,
        address: Address::from_slice(&address),
        variable,
        with_code,
    })
}

async fn prove_variable<K: KvStore>(
    State(app): State<Arc<App<K>>>,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let ps = params(query)?;
    let t = target(&app, &ps)?;
    let binary_out = binary_format(&ps)?;
    blocking(move || {
        let (proof, proven) =
            svm_proofs::prove_variable(&*app.db, t.root, &t.address, t.variable, t.with_code)
                .map_err(prove_error)?;
        Ok(if binary_out {
            octets(binary::encode_variable(&proof))
        } else {
            axum::Json(proof_json::variable_to_json(&proof, &proven)).into_response()
        })
    })
    .await
}

async fn prove_element<K: KvStore>(
    State(app): State<Arc<App<K>>>,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let ps = params(query)?;
    let t = target(&app, &ps)?;
    let binary_out = binary_format(&ps)?;
    let path = ps
        .iter()
        .filter(|(k, _)| k == "key")
        .map(|(_, v)| {
            if v.starts_with("0x") {
                hex_bytes(v, "key").map(PathKey::Key)
            } else {
                v.parse::<u32>()
                    .map(PathKey::Index)
                    .map_err(|_| bad(format!("key {v:?}: a list index or 0x-hex")))
            }
        })
        .collect::<Result<Vec<_>, _>>()?;
    if path.is_empty() {
        return Err(bad("key is missing (one per level)"));
    }
    blocking(move || {
        let (proof, proven) =
            svm_proofs::prove_element(&*app.db, t.root, &t.address, t.variable, &path, t.with_code)
                .map_err(prove_error)?;
        Ok(if binary_out {
            octets(binary::encode_element(&proof))
        } else {
            axum::Json(proof_json::element_to_json(&proof, &proven)).into_response()
        })
    })
    .await
}

async fn prove_receipt<K: KvStore>(
    State(app): State<Arc<App<K>>>,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let ps = params(query)?;
    let height = number::<u64>(&ps, "height")?.ok_or_else(|| bad("height is missing"))?;
    let index = number::<u64>(&ps, "index")?.ok_or_else(|| bad("index is missing"))?;
    let binary_out = binary_format(&ps)?;
    blocking(move || {
        let (proof, receipt, block) =
            svm_proofs::prove_receipt(&*app.db, height, index).map_err(prove_error)?;
        Ok(if binary_out {
            octets(binary::encode_receipt(&proof))
        } else {
            let context = json!({
                "height": block.height,
                "time": block.time,
                "worldRoot": format!("{:#x}", block.world_root),
            });
            axum::Json(proof_json::receipt_to_json(&proof, &receipt, Some(context))).into_response()
        })
    })
    .await
}
