//! svm-state: contract storage of svm, mapped onto Merkle-Patricia tries and
//! persisted through a key-value layer (RocksDB by default).
//!
//! - [`StateDb`]: the database — head, committed roots, sessions.
//! - [`Session`]: the state at one root with pending changes: accounts,
//!   contract variables over a page cache, nested checkpoints, and
//!   the commit that writes everything in one atomic batch.
//! - [`check`]: walks a committed state and verifies every node.
//! - [`kv`]: columns, atomic write batches and ordered prefix iteration, over
//!   memory ([`kv::MemoryKv`]) or RocksDB ([`kv::RocksKv`]).
//! - [`Store`]: the trie node store of a key-value store, with a cache bounded
//!   in bytes.
//! - [`World`]: the world trie of [`Account`]s (Ethereum's encoding and keys).
//! - [`code`]: contract code by hash, and the layout it carries.
//! - [`layout`]: contracts' storage layouts, packed into pages.
//! - [`page`]: how pages are keyed and stored in a contract's storage trie.
//! - [`events`]: the index of events with a time-to-live, by topic,
//!   contract and height, pruned as they expire.
//!
//! ```
//! use svm_state::{StateConfig, StateDb, kv::MemoryKv, layout::Layout};
//!
//! let db = StateDb::open(MemoryKv::new(), &StateConfig::default())?;
//! // A module declaring two variables of 8 and 32 bytes.
//! let mut code = b"\0asm\x01\0\0\0".to_vec();
//! let payload = Layout::new(4096, &[8, 32])?.encode();
//! let name = svm_state::layout::SECTION_NAME.as_bytes();
//! code.extend([0u8, (1 + name.len() + payload.len()) as u8, name.len() as u8]);
//! code.extend(name);
//! code.extend(&payload);
//!
//! let contract = svm_state::Address::repeat_byte(0xc0);
//! let mut s = db.begin()?;
//! s.create_contract(&contract, &code, 0u64.into())?;
//! s.write_variable(&contract, 1, &[7; 32])?;
//! let out = s.commit()?;
//! assert_eq!(db.head(), out.head);
//! assert_eq!(db.at(out.head.root)?.variable(&contract, 1)?, &[7; 32]);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![cfg_attr(not(test), warn(unused_crate_dependencies))]

mod account;
pub mod check;
pub mod code;
mod contract;
mod db;
mod error;
pub mod events;
pub mod kv;
pub use svm_format::layout;
mod meta;
pub mod prune;
mod store;
pub use svm_format::page;
mod session;
mod structures;
mod view;
mod world;

pub use account::{Account, AccountError, EMPTY_CODE_HASH};
pub use db::{StateConfig, StateDb, StateMetrics};
pub use error::StateError;
pub use meta::{BlockMeta, Head};
pub use prune::{History, PruneStats};
pub use session::{BlockRecord, CommitOutput, Session, SessionStats};
pub use store::{CacheStats, NODE_ENTRY_OVERHEAD, Store};
pub use structures::{EntryPage, StructurePath};
/// Structures' formats (svm-format): kinds, handles, path keys.
pub use svm_format::structure;
pub use view::{VIEW_READS_PER_RESET, View};
pub use world::{Address, World, WorldError, account_key};
