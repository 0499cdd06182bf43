//! Where a syncing node gets chunks and code: a server over HTTP
//! ([`HttpSource`]) or an exported snapshot directory ([`DirSource`]).
//! A source only moves bytes; the client verifies everything it returns.

use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Empty, Limited};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use primitive_types::H256;

use crate::wire::{MAX_CODE_BYTES, RangeRequest};

/// A boxed future, for the object-safe [`Source`].
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Why a source did not answer with bytes.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SourceError {
    /// The source does not hold what was asked for (HTTP 404, a missing
    /// file): another source may.
    #[error("not held: {0}")]
    NotHeld(String),
    /// The source could not be reached, failed or was too slow: worth
    /// another try later.
    #[error("unavailable: {0}")]
    Unavailable(String),
    /// The source is overloaded (HTTP 503, 429): ask again after a pause.
    #[error("busy: {0}")]
    Busy(String),
    /// The source answered something no honest source would (a bad status,
    /// an oversized body).
    #[error("{0}")]
    Bad(String),
}

/// A place that serves chunks and code.
pub trait Source: Send + Sync {
    /// A name for messages (the server's URL, the directory).
    fn name(&self) -> &str;

    /// The bytes of the answer to a range request (the binary range form).
    fn range<'a>(&'a self, req: &'a RangeRequest) -> BoxFuture<'a, Result<Vec<u8>, SourceError>>;

    /// The code with this hash.
    fn code(&self, hash: H256) -> BoxFuture<'_, Result<Vec<u8>, SourceError>>;
}

/// A sync server at an `http://` URL.
pub struct HttpSource {
    base: String,
    client: Client<HttpConnector, Empty<Bytes>>,
    timeout: Duration,
}

impl HttpSource {
    /// A server at `url` (`http://host:port`, with an optional path
    /// prefix); each request (answer included) must finish in `timeout`.
    pub fn new(url: &str, timeout: Duration) -> Result<Self, SourceError> {
        let base = url.trim_end_matches('/').to_string();
        let uri: hyper::Uri = base
            .parse()
            .map_err(|e| SourceError::Bad(format!("bad server URL {url}: {e}")))?;
        if uri.scheme_str() != Some("http") || uri.host().is_none() {
            return Err(SourceError::Bad(format!(
                "server URL {url} is not http://host[:port] (TLS is left to a proxy in front)"
            )));
        }
        let mut connector = HttpConnector::new();
        connector.set_connect_timeout(Some(timeout));
        connector.set_nodelay(true);
        let client = Client::builder(TokioExecutor::new())
            .pool_idle_timeout(Duration::from_secs(30))
            .build(connector);
        Ok(HttpSource {
            base,
            client,
            timeout,
        })
    }

    async fn get(&self, path: String, limit: usize) -> Result<Vec<u8>, SourceError> {
        let uri: hyper::Uri = format!("{}{path}", self.base)
            .parse()
            .map_err(|e| SourceError::Bad(format!("bad request URL: {e}")))?;
        let fetch = async {
            let resp =
                self.client.get(uri).await.map_err(|e| {
                    SourceError::Unavailable(format!("request failed: {}", chain(&e)))
                })?;
            let status = resp.status();
            let declared = resp
                .headers()
                .get(hyper::header::CONTENT_LENGTH)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.parse::<usize>().ok());
            if declared.is_some_and(|n| n > limit) {
                return Err(SourceError::Bad(format!(
                    "the answer declares {} bytes, more than the {limit} allowed",
                    declared.unwrap_or(0)
                )));
            }
            let body = Limited::new(resp.into_body(), limit)
                .collect()
                .await
                .map_err(|e| {
                    if e.is::<http_body_util::LengthLimitError>() {
                        SourceError::Bad(format!("the answer is longer than {limit} bytes"))
                    } else {
                        SourceError::Unavailable(format!("the answer broke off: {e}"))
                    }
                })?
                .to_bytes();
            if status.is_success() {
                return Ok(body.to_vec());
            }
            let message = serde_json::from_slice::<serde_json::Value>(&body)
                .ok()
                .and_then(|v| v.get("error")?.as_str().map(str::to_string))
                .unwrap_or_else(|| String::from_utf8_lossy(&body[..body.len().min(200)]).into());
            let what = format!("HTTP {}: {message}", status.as_u16());
            Err(match status.as_u16() {
                404 => SourceError::NotHeld(what),
                429 | 503 => SourceError::Busy(what),
                408 | 500..=599 => SourceError::Unavailable(what),
                _ => SourceError::Bad(what),
            })
        };
        match tokio::time::timeout(self.timeout, fetch).await {
            Ok(r) => r,
            Err(_) => Err(SourceError::Unavailable(format!(
                "no complete answer within {:?}",
                self.timeout
            ))),
        }
    }
}

impl Source for HttpSource {
    fn name(&self) -> &str {
        &self.base
    }

    fn range<'a>(&'a self, req: &'a RangeRequest) -> BoxFuture<'a, Result<Vec<u8>, SourceError>> {
        Box::pin(self.get(range_path(req), req.response_limit()))
    }

    fn code(&self, hash: H256) -> BoxFuture<'_, Result<Vec<u8>, SourceError>> {
        Box::pin(self.get(format!("/v1/code/{hash:#x}"), MAX_CODE_BYTES))
    }
}

/// An error and its causes, as one line ("client error (Connect): tcp
/// connect error: Connection refused").
fn chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        let s = c.to_string();
        if !out.contains(&s) {
            out.push_str(": ");
            out.push_str(&s);
        }
        cause = c.source();
    }
    out
}

/// The URL path and query of a range request.
pub fn range_path(req: &RangeRequest) -> String {
    let mut path = format!(
        "/v1/range/{:#x}?max_bytes={}&from={}",
        req.root,
        req.max_bytes,
        hex::encode(&req.from)
    );
    if let Some(to) = &req.to {
        path.push_str("&to=");
        path.push_str(&hex::encode(to));
    }
    path
}

/// An exported snapshot: `ranges/<root>/<from>` and `code/<hash>` files
/// ([`range_file`], [`code_file`]).
pub struct DirSource {
    dir: PathBuf,
    name: String,
}

impl DirSource {
    /// The snapshot in directory `dir`.
    pub fn new(dir: PathBuf) -> Self {
        let name = dir.display().to_string();
        DirSource { dir, name }
    }

    async fn read(&self, path: PathBuf, limit: usize) -> Result<Vec<u8>, SourceError> {
        let shown = path.display().to_string();
        let task = tokio::task::spawn_blocking(move || -> Result<Vec<u8>, SourceError> {
            let meta = std::fs::metadata(&path).map_err(|e| match e.kind() {
                std::io::ErrorKind::NotFound => {
                    SourceError::NotHeld(format!("the snapshot has no file {shown}"))
                }
                _ => SourceError::Unavailable(format!("cannot read {shown}: {e}")),
            })?;
            if meta.len() > limit as u64 {
                return Err(SourceError::Bad(format!(
                    "{shown} holds {} bytes, more than the {limit} allowed",
                    meta.len()
                )));
            }
            std::fs::read(&path)
                .map_err(|e| SourceError::Unavailable(format!("cannot read {shown}: {e}")))
        });
        task.await
            .map_err(|e| SourceError::Unavailable(format!("reader failed: {e}")))?
    }
}

/// A range's file in a snapshot directory, relative to it: its start key
/// in hex (`start` for the empty key; `k` ‖ keccak256 of the key in hex for
/// keys over 100 bytes, which no file system would take as a name).
pub fn range_file(req: &RangeRequest) -> PathBuf {
    let from = if req.from.is_empty() {
        "start".to_string()
    } else if req.from.len() > 100 {
        format!("k{}", hex::encode(keccak_hash::keccak(&req.from)))
    } else {
        hex::encode(&req.from)
    };
    PathBuf::from("ranges")
        .join(hex::encode(req.root.as_bytes()))
        .join(from)
}

/// A code's file in a snapshot directory, relative to it.
pub fn code_file(hash: &H256) -> PathBuf {
    PathBuf::from("code").join(hex::encode(hash.as_bytes()))
}

impl Source for DirSource {
    fn name(&self) -> &str {
        &self.name
    }

    fn range<'a>(&'a self, req: &'a RangeRequest) -> BoxFuture<'a, Result<Vec<u8>, SourceError>> {
        Box::pin(self.read(self.dir.join(range_file(req)), req.response_limit()))
    }

    fn code(&self, hash: H256) -> BoxFuture<'_, Result<Vec<u8>, SourceError>> {
        Box::pin(self.read(self.dir.join(code_file(&hash)), MAX_CODE_BYTES))
    }
}
