//! The metadata column: the head (the last committed world root and its
//! sequence number) and the list of every committed root.
//!
//! Keys (all in [`Column::Meta`]):
//! - `head` → sequence number (8 bytes, big-endian) ‖ root (32 bytes);
//! - `root` ‖ sequence number (8 bytes, big-endian) → root (32 bytes);
//! - `seq` ‖ root (32 bytes) → the first sequence number that committed it;
//! - `block` ‖ height (8 bytes, big-endian) → the block committed at that
//!   height ([`BlockMeta`]: time, commit sequence number, world root,
//!   receipts root, receipt count; 8 + 8 + 32 + 32 + 8 bytes).
//!
//! Sequence number 0 is the empty world (nothing stored); commits count from 1.

use primitive_types::H256;

use crate::StateError;
use crate::kv::{Column, KvStore, WriteBatch};

const HEAD: &[u8] = b"head";
const ROOT: &[u8] = b"root";
const SEQ: &[u8] = b"seq";
const BLOCK: &[u8] = b"block";

/// What the database keeps of a committed block: enough to find its state
/// and prove its receipts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BlockMeta {
    /// The block's height.
    pub height: u64,
    /// The block's time (seconds since the Unix epoch).
    pub time: u64,
    /// The commit that wrote it.
    pub seq: u64,
    /// The world root after the block.
    pub world_root: H256,
    /// The root of its receipts trie (whose nodes the commit stored).
    pub receipts_root: H256,
    /// How many receipts (transactions) it holds.
    pub receipts: u64,
}

fn block_key(height: u64) -> Vec<u8> {
    [BLOCK, &height.to_be_bytes()].concat()
}

/// Adds `block` to `batch` (a later block at the same height replaces it).
pub(crate) fn put_block(batch: &mut WriteBatch, block: &BlockMeta) {
    let mut value = Vec::with_capacity(88);
    value.extend_from_slice(&block.time.to_be_bytes());
    value.extend_from_slice(&block.seq.to_be_bytes());
    value.extend_from_slice(block.world_root.as_bytes());
    value.extend_from_slice(block.receipts_root.as_bytes());
    value.extend_from_slice(&block.receipts.to_be_bytes());
    batch.put(Column::Meta, &block_key(block.height), &value);
}

/// The block committed at `height`, if one was.
pub(crate) fn block_at(kv: &impl KvStore, height: u64) -> Result<Option<BlockMeta>, StateError> {
    let Some(b) = kv.get(Column::Meta, &block_key(height))? else {
        return Ok(None);
    };
    if b.len() != 88 {
        return Err(StateError::CorruptMeta("block"));
    }
    Ok(Some(BlockMeta {
        height,
        time: read_u64(&b[..8], "block")?,
        seq: read_u64(&b[8..16], "block")?,
        world_root: read_root(&b[16..48], "block")?,
        receipts_root: read_root(&b[48..80], "block")?,
        receipts: read_u64(&b[80..], "block")?,
    }))
}

/// The receipts root of a stored block record.
pub(crate) fn receipts_root_of(record: &[u8]) -> Result<H256, StateError> {
    if record.len() != 88 {
        return Err(StateError::CorruptMeta("block"));
    }
    read_root(&record[48..80], "block")
}

/// A committed world state: its root and its place in the commit sequence.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Head {
    /// Commits before this one (0 for the empty world).
    pub seq: u64,
    /// The world root.
    pub root: H256,
}

impl Head {
    /// The empty world, before any commit.
    pub const EMPTY: Head = Head {
        seq: 0,
        root: svm_trie::EMPTY_ROOT,
    };
}

fn root_key(seq: u64) -> Vec<u8> {
    [ROOT, &seq.to_be_bytes()].concat()
}

fn seq_key(root: &H256) -> Vec<u8> {
    [SEQ, root.as_bytes()].concat()
}

fn read_u64(bytes: &[u8], what: &'static str) -> Result<u64, StateError> {
    let b: [u8; 8] = bytes
        .try_into()
        .map_err(|_| StateError::CorruptMeta(what))?;
    Ok(u64::from_be_bytes(b))
}

fn read_root(bytes: &[u8], what: &'static str) -> Result<H256, StateError> {
    if bytes.len() != 32 {
        return Err(StateError::CorruptMeta(what));
    }
    Ok(H256::from_slice(bytes))
}

/// The stored head ([`Head::EMPTY`] in a new database).
pub(crate) fn read_head(kv: &impl KvStore) -> Result<Head, StateError> {
    let Some(bytes) = kv.get(Column::Meta, HEAD)? else {
        return Ok(Head::EMPTY);
    };
    if bytes.len() != 40 {
        return Err(StateError::CorruptMeta("head"));
    }
    Ok(Head {
        seq: read_u64(&bytes[..8], "head")?,
        root: read_root(&bytes[8..], "head")?,
    })
}

/// Adds a new head to `batch`: the head itself, its entry in the list of
/// roots, and (the first time a root is committed) its sequence number.
pub(crate) fn put_head(batch: &mut WriteBatch, head: &Head, root_is_new: bool) {
    let mut value = head.seq.to_be_bytes().to_vec();
    value.extend_from_slice(head.root.as_bytes());
    batch.put(Column::Meta, HEAD, &value);
    batch.put(Column::Meta, &root_key(head.seq), head.root.as_bytes());
    if root_is_new {
        batch.put(Column::Meta, &seq_key(&head.root), &head.seq.to_be_bytes());
    }
}

/// The first sequence number that committed `root`, if any did (0 for the
/// empty root, which every database holds).
pub(crate) fn seq_of(kv: &impl KvStore, root: &H256) -> Result<Option<u64>, StateError> {
    if *root == svm_trie::EMPTY_ROOT {
        return Ok(Some(0));
    }
    kv.get(Column::Meta, &seq_key(root))?
        .map(|b| read_u64(&b, "root index"))
        .transpose()
}

/// The root committed at sequence number `seq`.
pub(crate) fn root_at(kv: &impl KvStore, seq: u64) -> Result<Option<H256>, StateError> {
    if seq == 0 {
        return Ok(Some(svm_trie::EMPTY_ROOT));
    }
    kv.get(Column::Meta, &root_key(seq))?
        .map(|b| read_root(&b, "root list"))
        .transpose()
}
