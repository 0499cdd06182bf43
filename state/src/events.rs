//! The event index: the events of committed blocks that asked for a
//! time-to-live, found by topic, by contract or by height, and dropped when
//! they expire. It is the node's, not consensus: the events themselves are
//! in the blocks' receipts (and stay provable against the receipts roots);
//! the index only finds them while they live.
//!
//! Keys (all in [`Column::Meta`]; heights and expiries 8 bytes big-endian,
//! transaction and event positions 4 bytes big-endian, so each prefix
//! iterates in (height, tx, index) order):
//! - `evr` ‖ height ‖ tx ‖ index → the event's consensus encoding;
//! - `evt` ‖ topic (32) ‖ height ‖ tx ‖ index → nothing (one per topic);
//! - `evc` ‖ contract (20) ‖ height ‖ tx ‖ index → nothing;
//! - `evx` ‖ expiry ‖ height ‖ tx ‖ index → contract ‖ topics (what finds
//!   the other entries when it expires).
//!
//! An event of block `h` with time-to-live `t > 0` expires at `h + t`: the
//! commit of the first block at a height of at least `h + t` removes its
//! entries, in the same atomic batch as the block, so a crash leaves the
//! index as of a committed block. Committing a block again at a height
//! already committed replaces that height's events.

use svm_format::event::Event;

use crate::kv::{Column, KvStore, WriteBatch};
use crate::{Address, StateError};

const RECORD: &[u8] = b"evr";
const TOPIC: &[u8] = b"evt";
const CONTRACT: &[u8] = b"evc";
const EXPIRY: &[u8] = b"evx";

/// How many entries one read of the index asks for.
const SCAN: usize = 1024;

/// Where an event was emitted: block height, transaction and position
/// among the transaction's events.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct EventPosition {
    /// The block's height.
    pub height: u64,
    /// The transaction's index in the block.
    pub tx: u32,
    /// The event's index among the transaction's events.
    pub index: u32,
}

impl EventPosition {
    fn bytes(&self) -> [u8; 16] {
        let mut b = [0u8; 16];
        b[..8].copy_from_slice(&self.height.to_be_bytes());
        b[8..12].copy_from_slice(&self.tx.to_be_bytes());
        b[12..].copy_from_slice(&self.index.to_be_bytes());
        b
    }

    fn read(b: &[u8]) -> Result<Self, StateError> {
        let b: &[u8; 16] = b.try_into().map_err(|_| corrupt())?;
        let u32_at = |i: usize| u32::from_be_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]]);
        Ok(EventPosition {
            height: u64::from_be_bytes(b[..8].try_into().map_err(|_| corrupt())?),
            tx: u32_at(8),
            index: u32_at(12),
        })
    }
}

/// An event of a committed block, where it was emitted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IndexedEvent {
    /// Where.
    pub position: EventPosition,
    /// What.
    pub event: Event,
}

/// What to look for in the index: events of blocks `from..=to`, of one
/// contract and/or with one topic (in any of its topic positions), after a
/// position (to continue a listing), at most `limit`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EventQuery {
    /// Only this contract's events.
    pub contract: Option<Address>,
    /// Only events carrying this topic.
    pub topic: Option<[u8; 32]>,
    /// The first height.
    pub from: u64,
    /// The last height.
    pub to: u64,
    /// Only events after this position (the last one of a previous page).
    pub after: Option<EventPosition>,
    /// At most this many events.
    pub limit: usize,
}

fn corrupt() -> StateError {
    StateError::CorruptMeta("event index")
}

fn key(prefix: &[u8], middle: &[u8], tail: &[u8]) -> Vec<u8> {
    [prefix, middle, tail].concat()
}

/// Adds to `batch` what the commit of block `height` does to the index:
/// the events a block already committed at this height left are removed,
/// the events expiring at `height` or before are removed, and `events`
/// (the new block's, of any time-to-live; those of 0 are not kept) are
/// added.
pub(crate) fn index_block(
    kv: &impl KvStore,
    batch: &mut WriteBatch,
    height: u64,
    events: &[IndexedEvent],
) -> Result<(), StateError> {
    // A block committed again at this height replaces its events.
    let prefix = key(RECORD, &height.to_be_bytes(), &[]);
    let mut after: Option<Vec<u8>> = None;
    loop {
        let page = kv.scan(Column::Meta, &prefix, after.as_deref(), SCAN)?;
        for (k, v) in &page {
            let at = EventPosition::read(&k[RECORD.len()..])?;
            let event = Event::decode(v).map_err(|_| corrupt())?;
            remove(batch, &at, &event.contract, &event.topics, event.ttl);
        }
        match page.last() {
            Some((k, _)) if page.len() == SCAN => after = Some(k.clone()),
            _ => break,
        }
    }
    // Expired: every expiry entry up to `height`.
    let mut after: Option<Vec<u8>> = None;
    'sweep: loop {
        let page = kv.scan(Column::Meta, EXPIRY, after.as_deref(), SCAN)?;
        for (k, v) in &page {
            let rest = &k[EXPIRY.len()..];
            if rest.len() != 24 {
                return Err(corrupt());
            }
            let expiry = u64::from_be_bytes(rest[..8].try_into().map_err(|_| corrupt())?);
            if expiry > height {
                break 'sweep;
            }
            let at = EventPosition::read(&rest[8..])?;
            if v.len() < 20 || (v.len() - 20) % 32 != 0 {
                return Err(corrupt());
            }
            let (contract, topics) = v.split_at(20);
            let topics: Vec<[u8; 32]> = topics
                .chunks_exact(32)
                .map(|t| t.try_into().map_err(|_| corrupt()))
                .collect::<Result<_, _>>()?;
            let contract: [u8; 20] = contract.try_into().map_err(|_| corrupt())?;
            let ttl = expiry.checked_sub(at.height).ok_or_else(corrupt)?;
            remove(batch, &at, &contract, &topics, ttl);
        }
        match page.last() {
            Some((k, _)) if page.len() == SCAN => after = Some(k.clone()),
            _ => break,
        }
    }
    for e in events.iter().filter(|e| e.event.ttl > 0) {
        let at = e.position.bytes();
        let event = &e.event;
        batch.put(Column::Meta, &key(RECORD, &at, &[]), &event.encode());
        for t in &event.topics {
            batch.put(Column::Meta, &key(TOPIC, t, &at), &[]);
        }
        batch.put(Column::Meta, &key(CONTRACT, &event.contract, &at), &[]);
        let expiry = event.expiry(e.position.height);
        let mut value = event.contract.to_vec();
        for t in &event.topics {
            value.extend_from_slice(t);
        }
        batch.put(
            Column::Meta,
            &key(EXPIRY, &expiry.to_be_bytes(), &at),
            &value,
        );
    }
    Ok(())
}

/// Removes the entries of the event at `at`.
fn remove(
    batch: &mut WriteBatch,
    at: &EventPosition,
    contract: &[u8; 20],
    topics: &[[u8; 32]],
    ttl: u64,
) {
    let pos = at.bytes();
    batch.delete(Column::Meta, &key(RECORD, &pos, &[]));
    for t in topics {
        batch.delete(Column::Meta, &key(TOPIC, t, &pos));
    }
    batch.delete(Column::Meta, &key(CONTRACT, contract, &pos));
    let expiry = at.height.saturating_add(ttl);
    batch.delete(Column::Meta, &key(EXPIRY, &expiry.to_be_bytes(), &pos));
}

/// The events `query` asks for, in (height, tx, index) order.
pub(crate) fn query(kv: &impl KvStore, q: &EventQuery) -> Result<Vec<IndexedEvent>, StateError> {
    let mut found = Vec::new();
    if q.limit == 0 || q.from > q.to {
        return Ok(found);
    }
    // One index to walk: the topic's, else the contract's, else all.
    let prefix = match (&q.topic, &q.contract) {
        (Some(t), _) => key(TOPIC, t, &[]),
        (None, Some(c)) => key(CONTRACT, c.as_bytes(), &[]),
        (None, None) => RECORD.to_vec(),
    };
    // Strictly before the first key wanted: the height prefix itself, or
    // the position continued from.
    let start = match q.after {
        Some(a) if a.height >= q.from => [prefix.as_slice(), &a.bytes()].concat(),
        _ => [prefix.as_slice(), &q.from.to_be_bytes()].concat(),
    };
    let mut after = Some(start);
    loop {
        let page = kv.scan(Column::Meta, &prefix, after.as_deref(), SCAN)?;
        for (k, v) in &page {
            let at = EventPosition::read(&k[prefix.len()..])?;
            if at.height > q.to {
                return Ok(found);
            }
            let record = if prefix.starts_with(RECORD) {
                v.clone()
            } else {
                kv.get(Column::Meta, &key(RECORD, &at.bytes(), &[]))?
                    .ok_or_else(corrupt)?
            };
            let event = Event::decode(&record).map_err(|_| corrupt())?;
            if q.contract.is_some_and(|c| c.0 != event.contract) {
                continue;
            }
            found.push(IndexedEvent {
                position: at,
                event,
            });
            if found.len() == q.limit {
                return Ok(found);
            }
        }
        match page.last() {
            Some((k, _)) if page.len() == SCAN => after = Some(k.clone()),
            _ => return Ok(found),
        }
    }
}
