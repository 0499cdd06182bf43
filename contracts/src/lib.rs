//! The bundled example contracts written in Rust with svm-sdk: the sources
//! are in `contracts/rust/`, the build script compiles them for
//! `wasm32-unknown-unknown` (svm-sdk-build), and these are the modules it
//! produced, ready to deploy.

/// A counter (the twin of `examples/contracts/counter.wat`).
pub const COUNTER: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/counter.wasm"));

/// Every example, by package name.
pub const ALL: &[(&str, &[u8])] = &[("counter", COUNTER)];
