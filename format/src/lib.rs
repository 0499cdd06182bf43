//! svm-format: the consensus formats every layer shares, written once, at
//! the bottom of the stack (`no_std` + `alloc`; keccak is its only hashing
//! dependency): canonical [`rlp`], the [`account`] record and its world-trie
//! key, the storage [`layout`] (variables packed into pages, and the
//! `svm-layout` section's encoding), how [`code`] carries its layout, and
//! the [`page`] rules (page keys, trimming), a [`receipt`]'s consensus
//! encoding, and the Merkle-Patricia [`node`] codec with the one path walk
//! and proof check ([`mpt`]) over hex-prefix [`nibbles`]. svm-state stores by them, the prover and the verifier
//! (svm-verify) check by them. The rules are specified in docs/FORMATS.md.

#![no_std]
#![cfg_attr(not(test), warn(unused_crate_dependencies))]

extern crate alloc;

pub mod account;
pub mod code;
pub mod event;
mod hash;
pub mod layout;
pub mod mpt;
pub mod nibbles;
pub mod node;
pub mod page;
pub mod range;
pub mod receipt;
pub mod rlp;
pub mod structure;

pub use account::{Account, EMPTY_CODE_HASH, world_key};
pub use hash::keccak256;

/// A 20-byte account address.
pub type Address = [u8; 20];
/// A 32-byte hash.
pub type Hash = [u8; 32];

/// The root of the empty trie: keccak256 of RLP's empty string (`0x80`).
pub const EMPTY_ROOT: Hash = [
    0x56, 0xe8, 0x1f, 0x17, 0x1b, 0xcc, 0x55, 0xa6, 0xff, 0x83, 0x45, 0xe6, 0x92, 0xc0, 0xf8, 0x6e,
    0x5b, 0x48, 0xe0, 0x1b, 0x99, 0x6c, 0xad, 0xc0, 0x01, 0x62, 0x2f, 0xb5, 0xe3, 0x63, 0xb4, 0x21,
];
