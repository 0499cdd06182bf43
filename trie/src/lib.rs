//! svm-trie: Ethereum's hexary Merkle-Patricia trie (Yellow Paper, appendix D),
//! byte-compatible with Ethereum roots and EIP-1186 proofs, built for speed.
//!
//! - [`TrieMut`]: a mutable trie opened at any root over a [`NodeStore`]; get,
//!   insert, remove, batch [`TrieMut::apply`], ordered iteration, and a commit that
//!   hashes only what changed (in parallel when the change set is large).
//! - [`proof`]: inclusion/exclusion proofs, multiproofs and range proofs, with
//!   verifiers that need nothing but keccak256 and the node codec.
//! - [`codec`]: the strict node decoder ([`decode_node`]).
//!
//! ```
//! use svm_trie::{MemoryStore, TrieMut, proof};
//!
//! let mut trie = TrieMut::new(MemoryStore::new());
//! trie.apply([(b"dog".to_vec(), b"puppy".to_vec()), (b"do".to_vec(), b"verb".to_vec())])?;
//! let commit = trie.commit()?; // the new root and exactly the new nodes
//! let mut store = MemoryStore::new();
//! store.insert_all(&commit.nodes); // persist them in one batch
//! let p = proof::prove(&store, commit.root, b"dog")?;
//! assert_eq!(proof::verify(commit.root, b"dog", &p.nodes)?, Some(b"puppy".to_vec()));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![cfg_attr(not(test), warn(unused_crate_dependencies))]

mod batch;
pub mod codec;
mod error;
mod iter;
mod leaf;
mod nibbles;
mod node;
mod nodeset;
mod par;
pub mod proof;
mod sorted;
mod store;
mod trie;
mod update;

pub use codec::{ChildView, DecodeError, NodeView, decode_node};
pub use error::TrieError;
pub use iter::{Entry, TrieIter};
pub use keccak_hash::H256;
pub use nodeset::NodeSet;
pub use sorted::root_of_sorted;
pub use store::{HashDbAdapter, MemoryStore, NodeStore, StoreError};
pub use svm_format::nibbles::HexPrefix;
pub use trie::{Commit, TrieMut, root_of};

/// The longest key a trie accepts, in bytes. It bounds the trie's depth (two
/// levels per key byte), and so the recursion of updates, hashing and range
/// proofs, whatever the keys a contract or a proof brings.
pub const MAX_KEY_LEN: usize = 256;

/// Root of the empty trie: keccak256 of RLP `0x80` ([`svm_format::EMPTY_ROOT`]).
pub const EMPTY_ROOT: H256 = H256(svm_format::EMPTY_ROOT);

/// keccak256 of `data` (`svm_format::keccak256`: in assembly on native
/// targets).
#[inline]
pub fn hash(data: &[u8]) -> H256 {
    H256(svm_format::keccak256(data))
}
