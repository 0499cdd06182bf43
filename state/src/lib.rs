//! svm-state: contract storage of svm, mapped onto Merkle-Patricia tries and
//! persisted through a key-value layer (RocksDB by default).
//!
//! - [`kv`]: columns, atomic write batches and ordered prefix iteration, over
//!   memory ([`kv::MemoryKv`]) or RocksDB ([`kv::RocksKv`]).
//! - [`NodeDb`]: the trie node store of a key-value store, with a cache bounded
//!   in bytes.
//! - [`World`]: the world trie of [`Account`]s (Ethereum's encoding and keys).
//! - [`code`]: contract code by hash, and the layout it carries.
//! - [`layout`]: contracts' storage layouts, packed into pages.
//! - [`page`]: how pages are keyed and stored in a contract's storage trie.

#![cfg_attr(not(test), warn(unused_crate_dependencies))]

mod account;
pub mod code;
pub mod kv;
pub mod layout;
mod nodes;
pub mod page;
mod world;

pub use account::{Account, AccountError, EMPTY_CODE_HASH};
pub use nodes::{CacheStats, NodeDb};
pub use world::{Address, World, WorldError, account_key};
