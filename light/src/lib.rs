//! The light client in the browser, as `svm serve` hands it out at
//! `/light`: a static page (`page/`), the ES module `svm-verify.js` that
//! wraps the verifier for JavaScript, and the verifier itself (svm-verify-js
//! built for wasm32 with its wasm-bindgen glue, made by this crate's build
//! script). The page fetches proofs from the node that serves it and
//! verifies them in the browser against a root the user trusts.
//!
//! Nothing here reads state: [`router`] serves fixed bytes, so a node can
//! mount it beside its proof endpoints at no cost.

use axum::Router;
use axum::extract::Path;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

/// One file of the page.
#[derive(Clone, Copy, Debug)]
pub struct Asset {
    /// Its name under `/light/` (empty for the page itself).
    pub name: &'static str,
    /// Its media type.
    pub content_type: &'static str,
    /// Its bytes.
    pub bytes: &'static [u8],
}

const JS: &str = "text/javascript; charset=utf-8";

/// The page's files.
pub const ASSETS: &[Asset] = &[
    Asset {
        name: "",
        content_type: "text/html; charset=utf-8",
        bytes: include_bytes!("../page/index.html"),
    },
    Asset {
        name: "light.js",
        content_type: JS,
        bytes: include_bytes!("../page/light.js"),
    },
    Asset {
        name: "svm-verify.js",
        content_type: JS,
        bytes: include_bytes!("../../proofs/verify/js/svm-verify.js"),
    },
    Asset {
        name: "svm_verify.js",
        content_type: JS,
        bytes: include_bytes!(concat!(env!("OUT_DIR"), "/light/svm_verify.js")),
    },
    Asset {
        name: "svm_verify_bg.wasm",
        content_type: "application/wasm",
        bytes: include_bytes!(concat!(env!("OUT_DIR"), "/light/svm_verify_bg.wasm")),
    },
];

/// The file named `name` under `/light/` (`""`: the page).
pub fn asset(name: &str) -> Option<&'static Asset> {
    ASSETS.iter().find(|a| a.name == name)
}

/// The verifier's WebAssembly module, as the page loads it.
pub fn verifier_wasm() -> &'static [u8] {
    asset("svm_verify_bg.wasm").map_or(&[], |a| a.bytes)
}

/// The page may run its own scripts and compile WebAssembly, and talk to
/// the node that served it, nothing else.
const POLICY: &str = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; \
                      style-src 'self' 'unsafe-inline'; img-src 'self' data:";

fn respond(a: &Asset) -> Response {
    (
        [
            (header::CONTENT_TYPE, a.content_type),
            (header::CACHE_CONTROL, "no-cache"),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            (header::CONTENT_SECURITY_POLICY, POLICY),
        ],
        a.bytes,
    )
        .into_response()
}

async fn page() -> Response {
    asset("").map_or_else(|| StatusCode::NOT_FOUND.into_response(), respond)
}

async fn file(Path(name): Path<String>) -> Response {
    match asset(&name) {
        Some(a) => respond(a),
        None => (
            StatusCode::NOT_FOUND,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            format!("no file {name:?} under /light/"),
        )
            .into_response(),
    }
}

/// The routes `/light`, `/light/` (the page) and `/light/{file}`, to merge
/// into a node's router.
pub fn router() -> Router {
    Router::new()
        .route("/light", get(page))
        .route("/light/", get(page))
        .route("/light/{name}", get(file))
}
