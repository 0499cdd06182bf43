//! The bundled example contracts written in Rust with svm-sdk: the sources
//! are in `contracts/rust/`, the build script compiles them for
//! `wasm32-unknown-unknown` (svm-sdk-build), and these are the modules it
//! produced, ready to deploy. Each is the twin of a hand-written contract
//! in `examples/contracts/` (same layout, exports, results and events).

pub mod twins;

macro_rules! module {
    ($file:literal) => {
        include_bytes!(concat!(env!("OUT_DIR"), "/", $file, ".wasm"))
    };
}

/// A counter (`examples/contracts/counter.wat`).
pub const COUNTER: &[u8] = module!("counter");
/// A token with 16 numbered holders (`token.wat`).
pub const TOKEN: &[u8] = module!("token");
/// A token whose balances are a map (`map_token.wat`).
pub const MAP_TOKEN: &[u8] = module!("map-token");
/// A name registry on a sorted set (`registry.wat`).
pub const REGISTRY: &[u8] = module!("registry");
/// An exchange selling a map token by calling it (`exchange.wat`).
pub const EXCHANGE: &[u8] = module!("exchange");
/// Mailboxes in a map of lists (`inbox.wat`).
pub const INBOX: &[u8] = module!("inbox");

/// Every example: its name, the Rust module, and its hand-written twin's
/// file name in `examples/contracts/`.
pub const ALL: &[(&str, &[u8], &str)] = &[
    ("counter", COUNTER, "counter.wat"),
    ("token", TOKEN, "token.wat"),
    ("map-token", MAP_TOKEN, "map_token.wat"),
    ("registry", REGISTRY, "registry.wat"),
    ("exchange", EXCHANGE, "exchange.wat"),
    ("inbox", INBOX, "inbox.wat"),
];
