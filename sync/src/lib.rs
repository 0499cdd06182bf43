//! svm-sync: snapshot sync. A node gets the whole state at a world root it
//! trusts from peers it does not, verifying every chunk before it writes
//! it, and survives being killed half way (docs/FORMATS.md, "Snapshot sync
//! protocol").
//!
//! - [`server`]: `svm serve`'s HTTP server: ranges of any trie held, code,
//!   the head, and light-client proofs.
//! - [`client`]: [`sync`], which fetches from one or more [`Source`]s in
//!   parallel, verifies, and writes each chunk with its progress.
//! - [`export`]: snapshots as files, and their import.
//! - [`wire`]: the range message; [`chunk`]: checking one; [`plan`]: which
//!   ranges a trie is fetched in; [`kind`]: which tries entries point to.

#![cfg_attr(not(test), warn(unused_crate_dependencies))]

pub mod chunk;
pub mod client;
pub mod export;
mod journal;
pub mod kind;
pub mod plan;
pub mod server;
pub mod source;
pub mod wire;

pub use client::{Event, Observer, Silent, SyncConfig, SyncError, SyncReport, sync};
pub use journal::Stats;
pub use server::{RangeRequestError, ServeConfig, answer_range, serve, serve_router};
pub use source::{DirSource, HttpSource, Source, SourceError};
