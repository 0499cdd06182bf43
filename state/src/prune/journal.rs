//! What pruning keeps in the metadata column (docs/FORMATS.md, "The
//! database"): the mode, the lowest kept commit, each commit's journal of
//! the node occurrences it removed, and the stack of dropped subtrees still
//! being swept.

use primitive_types::H256;

use super::walk::{Kinds, Occ, take};
use crate::StateError;
use crate::kv::{Column, KvStore, WriteBatch, decode_count, encode_count};

const MODE: &[u8] = b"prune/mode";
const LOW: &[u8] = b"prune/low";
const JOURNAL: &[u8] = b"prune/j";
const SWEEP: &[u8] = b"prune/sweep";
const ADOPT: &[u8] = b"prune/adopt";

/// What a database keeps of its history.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum History {
    /// Every committed root stays readable; nothing is ever deleted.
    Archive,
    /// The last `n` committed roots (at least 1) stay readable and
    /// provable; nodes only older roots reach are deleted.
    Recent(u64),
}

impl History {
    /// A node's default: the last 128 roots.
    pub const DEFAULT: History = History::Recent(128);
}

/// The mode recorded in the database, if one is (a database written before
/// pruning existed, or never committed to, records none).
pub(crate) fn read_mode(kv: &impl KvStore) -> Result<Option<History>, StateError> {
    let Some(b) = kv.get(Column::Meta, MODE)? else {
        return Ok(None);
    };
    match b[..] {
        [0] => Ok(Some(History::Archive)),
        [1, ..] if b.len() == 9 => {
            let n = u64::from_be_bytes(b[1..].try_into().map_err(|_| bad("mode"))?);
            if n == 0 {
                return Err(bad("mode"));
            }
            Ok(Some(History::Recent(n)))
        }
        _ => Err(bad("mode")),
    }
}

/// Records `mode` in `batch`.
pub(crate) fn put_mode(batch: &mut WriteBatch, mode: History) {
    let value = match mode {
        History::Archive => vec![0],
        History::Recent(n) => [&[1u8][..], &n.to_be_bytes()].concat(),
    };
    batch.put(Column::Meta, MODE, &value);
}

fn bad(what: &'static str) -> StateError {
    StateError::CorruptMeta(what)
}

/// The lowest commit whose root is kept whole (0 before any pruning): every
/// commit's journal up to it has been applied.
pub(crate) fn read_low(kv: &impl KvStore) -> Result<u64, StateError> {
    match kv.get(Column::Meta, LOW)? {
        None => Ok(0),
        Some(b) => Ok(u64::from_be_bytes(
            b[..].try_into().map_err(|_| bad("pruning horizon"))?,
        )),
    }
}

pub(crate) fn put_low(batch: &mut WriteBatch, low: u64) {
    batch.put(Column::Meta, LOW, &low.to_be_bytes());
}

/// What one commit removed from the state before it: node occurrences
/// (their counts drop when the commit before it leaves the window), and
/// roots of whole tries it dropped (swept occurrence by occurrence then).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Journal {
    pub(crate) removed: Vec<H256>,
    pub(crate) dropped: Vec<Occ>,
}

fn journal_key(seq: u64) -> Vec<u8> {
    [JOURNAL, &seq.to_be_bytes()].concat()
}

impl Journal {
    /// `removed` count (u32 BE), hashes, `dropped` count (u32 BE),
    /// occurrences.
    fn encode(&self, kinds: &Kinds) -> Vec<u8> {
        let mut out = Vec::with_capacity(8 + 32 * self.removed.len() + 40 * self.dropped.len());
        out.extend_from_slice(&(self.removed.len() as u32).to_be_bytes());
        for h in &self.removed {
            out.extend_from_slice(h.as_bytes());
        }
        encode_occs(kinds, &self.dropped, &mut out);
        out
    }

    fn decode(kinds: &mut Kinds, mut bytes: &[u8]) -> Option<Self> {
        let b = &mut bytes;
        let n = u32::from_be_bytes(take::<4>(b)?) as usize;
        let mut removed = Vec::with_capacity(n.min(b.len() / 32));
        for _ in 0..n {
            removed.push(H256(take::<32>(b)?));
        }
        let dropped = decode_occs(kinds, b)?;
        b.is_empty().then_some(Journal { removed, dropped })
    }

    /// Whether the journal holds nothing.
    pub(crate) fn is_empty(&self) -> bool {
        self.removed.is_empty() && self.dropped.is_empty()
    }
}

fn encode_occs(kinds: &Kinds, occs: &[Occ], out: &mut Vec<u8>) {
    out.extend_from_slice(&(occs.len() as u32).to_be_bytes());
    for o in occs {
        kinds.encode(o, out);
    }
}

fn decode_occs(kinds: &mut Kinds, b: &mut &[u8]) -> Option<Vec<Occ>> {
    let n = u32::from_be_bytes(take::<4>(b)?) as usize;
    let mut occs = Vec::with_capacity(n.min(b.len() / 35));
    for _ in 0..n {
        occs.push(kinds.decode(b)?);
    }
    Some(occs)
}

pub(crate) fn put_journal(batch: &mut WriteBatch, kinds: &Kinds, seq: u64, journal: &Journal) {
    batch.put(Column::Meta, &journal_key(seq), &journal.encode(kinds));
}

/// A stored journal's contents.
pub(crate) fn decode_journal(kinds: &mut Kinds, bytes: &[u8]) -> Result<Journal, StateError> {
    Journal::decode(kinds, bytes).ok_or(bad("pruning journal"))
}

/// Commit `seq`'s journal (empty if it recorded none), and its removal
/// added to `batch`.
pub(crate) fn take_journal(
    kv: &impl KvStore,
    kinds: &mut Kinds,
    batch: &mut WriteBatch,
    seq: u64,
) -> Result<Journal, StateError> {
    let key = journal_key(seq);
    let Some(b) = kv.get(Column::Meta, &key)? else {
        return Ok(Journal::default());
    };
    batch.delete(Column::Meta, &key);
    Journal::decode(kinds, &b).ok_or(bad("pruning journal"))
}

/// The occurrences of dropped tries still to sweep (a depth-first stack).
pub(crate) fn read_sweep(kv: &impl KvStore, kinds: &mut Kinds) -> Result<Vec<Occ>, StateError> {
    match kv.get(Column::Meta, SWEEP)? {
        None => Ok(Vec::new()),
        Some(b) => {
            let mut s = &b[..];
            let occs = decode_occs(kinds, &mut s).ok_or(bad("sweep stack"))?;
            if !s.is_empty() {
                return Err(bad("sweep stack"));
            }
            Ok(occs)
        }
    }
}

pub(crate) fn put_sweep(batch: &mut WriteBatch, kinds: &Kinds, stack: &[Occ]) {
    if stack.is_empty() {
        batch.delete(Column::Meta, SWEEP);
    } else {
        let mut out = Vec::new();
        encode_occs(kinds, stack, &mut out);
        batch.put(Column::Meta, SWEEP, &out);
    }
}

/// A snapshot's adoption being counted: the root and the occurrences still
/// to count.
pub(crate) fn read_adopt(
    kv: &impl KvStore,
    kinds: &mut Kinds,
) -> Result<Option<(H256, Vec<Occ>)>, StateError> {
    let Some(b) = kv.get(Column::Meta, ADOPT)? else {
        return Ok(None);
    };
    let mut s = &b[..];
    let root = H256(take::<32>(&mut s).ok_or(bad("adoption cursor"))?);
    let stack = decode_occs(kinds, &mut s).ok_or(bad("adoption cursor"))?;
    if !s.is_empty() {
        return Err(bad("adoption cursor"));
    }
    Ok(Some((root, stack)))
}

pub(crate) fn put_adopt(batch: &mut WriteBatch, kinds: &Kinds, root: &H256, stack: &[Occ]) {
    let mut out = root.as_bytes().to_vec();
    encode_occs(kinds, stack, &mut out);
    batch.put(Column::Meta, ADOPT, &out);
}

pub(crate) fn clear_adopt(batch: &mut WriteBatch) {
    batch.delete(Column::Meta, ADOPT);
}

/// Reference counts: minimal big-endian bytes under the node's hash in
/// [`Column::Refs`]; an absent count is 0.
pub(crate) fn read_count(kv: &impl KvStore, hash: &H256) -> Result<u64, StateError> {
    match kv.get(Column::Refs, hash.as_bytes())? {
        None => Ok(0),
        Some(b) if !b.is_empty() => decode_count(&b).ok_or(bad("reference count")),
        Some(_) => Err(bad("reference count")),
    }
}

pub(crate) fn put_count(batch: &mut WriteBatch, hash: &H256, count: u64) {
    batch.put(Column::Refs, hash.as_bytes(), &encode_count(count));
}
