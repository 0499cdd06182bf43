//! Pruning: a database in [`History::Recent`] mode keeps the last `n`
//! committed roots readable and deletes the nodes only older roots reach.
//!
//! Nodes are content-addressed and shared — between roots, contracts and
//! structures, and within one trie — so a node is deleted only when its
//! **reference count** reaches zero. The count of a node is the number of
//! its *occurrences* (the node at one place of one trie, see [`walk`]) in
//! the oldest kept state, plus those every later kept commit added. Each
//! commit:
//!
//! 1. walks the new state through its new nodes (everything else it reaches
//!    is the *frontier*, kept from the state before) and counts each new
//!    occurrence (+1);
//! 2. walks the state before from its root, stopping at frontier
//!    occurrences (kept), and records every other occurrence as removed —
//!    except the roots of whole tries the commit dropped (a structure
//!    cleared, an account removed), recorded as dropped instead of walked;
//! 3. writes that **journal** under its sequence number, and applies the
//!    journal of the commit that just left the window: removed occurrences
//!    count −1, dropped tries go on the **sweep** stack, which every commit
//!    walks a bounded number of occurrences further (−1 each);
//! 4. deletes, in the same batch, every node whose count reached zero.
//!
//! Everything is in the commit's one batch, so a crash leaves the counts,
//! the journals and the nodes consistent with the head. Formats:
//! docs/FORMATS.md, "The database".

mod audit;
mod journal;
pub(crate) mod walk;

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;

use foldhash::{HashMap, HashMapExt, HashSet};
use primitive_types::H256;
use svm_trie::{NodeSet, NodeStore};

pub use audit::RefAudit;
pub use journal::History;
use journal::{Journal, put_count};
pub(crate) use journal::{put_mode, read_low, read_mode};
use walk::{Child, Kind, Kinds, Layouts, Occ, children};

use crate::StateError;
use crate::code::layout_of;
use crate::db::Shared;
use crate::kv::{Column, KvStore, WriteBatch, decode_count};
use crate::layout::Layout;
use crate::meta::Head;

/// Occurrences of dropped tries each commit sweeps at least (more when it
/// added more: the sweep keeps pace with the state's growth).
pub const SWEEP_PER_COMMIT: u64 = 20_000;

/// Occurrences an adoption counts per write batch (bounding its memory).
const ADOPT_CHUNK: usize = 200_000;

/// What pruning did in one commit.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PruneStats {
    /// Node occurrences the commit added (its new nodes, counted).
    pub added: u64,
    /// Occurrences of the state before that the commit removed (journaled).
    pub removed: u64,
    /// Whole tries the commit dropped (journaled, swept later).
    pub dropped: u64,
    /// Journals of older commits applied.
    pub journals_applied: u64,
    /// Occurrences of dropped tries swept.
    pub swept: u64,
    /// Occurrences still on the sweep stack.
    pub sweep_pending: u64,
    /// Nodes deleted from the store.
    pub nodes_deleted: u64,
    /// The lowest commit whose root is still kept.
    pub kept_from: u64,
}

/// Layouts of stored code and of the code a commit is adding.
struct PendingLayouts<'a, K> {
    shared: &'a Shared<K>,
    code: &'a HashMap<H256, Vec<u8>>,
    parsed: RefCell<HashMap<H256, Arc<Layout>>>,
}

impl<K: KvStore> Layouts for PendingLayouts<'_, K> {
    fn layout(&self, hash: &H256) -> Result<Arc<Layout>, StateError> {
        let Some(code) = self.code.get(hash) else {
            return self.shared.layout(hash);
        };
        if let Some(l) = self.parsed.borrow().get(hash) {
            return Ok(l.clone());
        }
        let layout = Arc::new(layout_of(code)?);
        self.parsed.borrow_mut().insert(*hash, layout.clone());
        Ok(layout)
    }
}

impl<K: KvStore> Layouts for Shared<K> {
    fn layout(&self, hash: &H256) -> Result<Arc<Layout>, StateError> {
        Shared::layout(self, hash)
    }
}

/// A stored node (it must be: an occurrence still counted reaches it).
fn stored<K: KvStore>(shared: &Shared<K>, hash: &H256) -> Result<Vec<u8>, StateError> {
    shared
        .store
        .node(hash)
        .map_err(|e| StateError::Trie(svm_trie::TrieError::Store(e)))?
        .ok_or(StateError::Trie(svm_trie::TrieError::MissingNode(*hash)))
}

/// Count changes, applied together at the end of a commit.
#[derive(Default)]
struct Deltas(HashMap<H256, i64>);

impl Deltas {
    fn add(&mut self, hash: H256, d: i64) {
        *self.0.entry(hash).or_insert(0) += d;
    }

    /// Adds the new counts to `batch`, deleting the nodes (and counts) that
    /// reach zero; returns the deleted hashes.
    fn write(self, kv: &impl KvStore, batch: &mut WriteBatch) -> Result<Vec<H256>, StateError> {
        let mut falling = Vec::new();
        for (hash, d) in self.0 {
            if d > 0 {
                // Counts only grow: nothing to decide, nothing to read.
                batch.add_count(Column::Refs, hash.as_bytes(), d as u64);
            } else if d < 0 {
                falling.push((hash, d));
            }
        }
        // The falling ones are read in one batched lookup.
        let keys: Vec<&[u8]> = falling.iter().map(|(h, _)| h.as_bytes()).collect();
        let counts = kv.get_many(Column::Refs, &keys)?;
        let mut deleted = Vec::new();
        for ((hash, d), stored) in falling.iter().zip(counts) {
            let count = match stored {
                None => 0,
                Some(b) => decode_count(&b)
                    .filter(|_| !b.is_empty())
                    .ok_or(StateError::CorruptMeta("reference count"))?,
            };
            let count = i128::from(count) + i128::from(*d);
            if count < 0 {
                return Err(StateError::CorruptMeta("a reference count fell below zero"));
            }
            if count == 0 {
                batch.delete(Column::Refs, hash.as_bytes());
                batch.delete(Column::Nodes, hash.as_bytes());
                deleted.push(*hash);
            } else {
                put_count(batch, hash, count as u64);
            }
        }
        Ok(deleted)
    }
}

/// What a commit writes for pruning besides its batch entries.
pub(crate) struct Plan {
    /// The new nodes to store (those the new state or receipts reach), if
    /// not all of the commit's.
    pub(crate) nodes: Option<NodeSet>,
    /// Nodes the batch deletes (to drop from the cache once written).
    pub(crate) deleted: Vec<H256>,
    /// What was done.
    pub(crate) stats: PruneStats,
}

/// A trie's place: the keys of the leaves leading to it from the world
/// root, each length-prefixed.
fn position(parent: &[u8], key: &[u8]) -> Rc<[u8]> {
    let mut p = Vec::with_capacity(parent.len() + 2 + key.len());
    p.extend_from_slice(parent);
    p.extend_from_slice(&(key.len() as u16).to_be_bytes());
    p.extend_from_slice(key);
    p.into()
}

/// Plans a commit's pruning in a database keeping `keep` roots: the state
/// at `old_root` becomes `new` (its new nodes, with the receipts trie's, in
/// `nodes`; `code` the code the commit adds); `receipts` is the block's
/// receipts root and the receipts root of the block it replaces, if any.
#[allow(clippy::too_many_arguments)]
pub(crate) fn plan_commit<K: KvStore>(
    shared: &Shared<K>,
    keep: u64,
    code: &HashMap<H256, Vec<u8>>,
    old_root: H256,
    new: Head,
    nodes: &NodeSet,
    receipts: Option<(H256, Option<H256>)>,
    batch: &mut WriteBatch,
) -> Result<Plan, StateError> {
    let layouts = PendingLayouts {
        shared,
        code,
        parsed: RefCell::new(HashMap::new()),
    };
    let index: HashMap<H256, &[u8]> = nodes.iter().map(|(h, b)| (*h, b)).collect();
    let mut kinds = Kinds::default();
    let mut deltas = Deltas::default();
    let mut stats = PruneStats::default();
    let mut writes = Writes::default();
    let mut kids = Vec::new();

    // 1. The new state through its new nodes.
    let world = kinds.id(Kind::World);
    let top: Rc<[u8]> = Rc::from(&[][..]);
    let mut frontier: HashMap<Occ, u64> = HashMap::new();
    let mut changed_tries: HashMap<Rc<[u8]>, Occ> = HashMap::new();
    let mut stack: Vec<(Occ, Rc<[u8]>)> = Vec::new();
    if new.root != svm_trie::EMPTY_ROOT {
        stack.push((Occ::root(new.root, world), top.clone()));
    }
    while let Some((occ, pos)) = stack.pop() {
        let Some(bytes) = index.get(&occ.hash) else {
            *frontier.entry(occ).or_insert(0) += 1;
            continue;
        };
        deltas.add(occ.hash, 1);
        stats.added += 1;
        writes.add(occ.hash, bytes);
        children(&layouts, &mut kinds, &occ, bytes, &mut kids)?;
        for kid in kids.drain(..) {
            match kid {
                Child::Node(o) => stack.push((o, pos.clone())),
                Child::Trie { occ: o, key } => {
                    let p = position(&pos, &key);
                    if index.contains_key(&o.hash) {
                        changed_tries.insert(p.clone(), o);
                    }
                    stack.push((o, p));
                }
            }
        }
    }

    // 2. The state before, down to what the new one kept.
    let mut journal = Journal::default();
    if old_root != svm_trie::EMPTY_ROOT {
        stack.push((Occ::root(old_root, world), top));
    }
    while let Some((occ, pos)) = stack.pop() {
        if let Some(n) = frontier.get_mut(&occ)
            && *n > 0
        {
            *n -= 1;
            continue;
        }
        journal.removed.push(occ.hash);
        let bytes = stored(shared, &occ.hash)?;
        children(shared, &mut kinds, &occ, &bytes, &mut kids)?;
        for kid in kids.drain(..) {
            match kid {
                Child::Node(o) => stack.push((o, pos.clone())),
                Child::Trie { occ: o, key } => {
                    let p = position(&pos, &key);
                    let kept = frontier.get(&o).is_some_and(|n| *n > 0);
                    let changed = changed_tries.get(&p).is_some_and(|c| c.kind == o.kind);
                    if kept || changed {
                        stack.push((o, p));
                    } else {
                        journal.dropped.push(o);
                    }
                }
            }
        }
    }
    // Kept occurrences the walk did not meet (an identical subtree met
    // elsewhere first): counted as new, whole.
    for (occ, n) in frontier {
        for _ in 0..n {
            stats.added += expand(
                shared,
                &layouts,
                &mut kinds,
                &index,
                occ,
                &mut deltas,
                &mut writes,
            )?;
        }
    }

    // The block's receipts: kept for good (a block committed again at the
    // same height drops the receipts it replaces).
    if let Some((root, replaced)) = receipts {
        let plain = kinds.id(Kind::Plain);
        if root != svm_trie::EMPTY_ROOT {
            let occ = Occ::root(root, plain);
            stats.added += expand(
                shared,
                &layouts,
                &mut kinds,
                &index,
                occ,
                &mut deltas,
                &mut writes,
            )?;
        }
        if let Some(r) = replaced.filter(|r| *r != svm_trie::EMPTY_ROOT) {
            journal.dropped.push(Occ::root(r, plain));
        }
    }
    stats.removed = journal.removed.len() as u64;
    stats.dropped = journal.dropped.len() as u64;

    let deleted = advance(
        shared, &mut kinds, keep, new.seq, journal, deltas, &mut stats, batch,
    )?;
    Ok(Plan {
        nodes: writes.select(nodes, index.len()),
        deleted,
        stats,
    })
}

/// The new nodes a state or receipts trie reaches (those to store).
#[derive(Default)]
struct Writes {
    seen: HashSet<H256>,
}

impl Writes {
    fn add(&mut self, hash: H256, _bytes: &[u8]) {
        self.seen.insert(hash);
    }

    /// The nodes of `nodes` to store: `None` when every one is reached (the
    /// set is stored as it is).
    fn select(self, nodes: &NodeSet, distinct: usize) -> Option<NodeSet> {
        if self.seen.len() == distinct {
            return None;
        }
        let mut kept = NodeSet::new();
        let mut seen = self.seen;
        for (h, b) in nodes {
            if seen.remove(h) {
                kept.push(*h, b);
            }
        }
        Some(kept)
    }
}

/// Counts every occurrence of the subtree at `occ` (+1), reading new nodes
/// from `index` (and storing them) and the others from the store; returns
/// how many.
fn expand<K: KvStore>(
    shared: &Shared<K>,
    layouts: &impl Layouts,
    kinds: &mut Kinds,
    index: &HashMap<H256, &[u8]>,
    occ: Occ,
    deltas: &mut Deltas,
    writes: &mut Writes,
) -> Result<u64, StateError> {
    let mut stack = vec![occ];
    let mut kids = Vec::new();
    let mut n = 0;
    while let Some(occ) = stack.pop() {
        let owned;
        let bytes = match index.get(&occ.hash) {
            Some(b) => {
                writes.add(occ.hash, b);
                *b
            }
            None => {
                owned = stored(shared, &occ.hash)?;
                &owned[..]
            }
        };
        deltas.add(occ.hash, 1);
        n += 1;
        children(layouts, kinds, &occ, bytes, &mut kids)?;
        stack.extend(kids.drain(..).map(Child::occ));
    }
    Ok(n)
}

/// Moves the window to commit `seq`: writes its `journal` (or applies it
/// at once when only the head is kept), applies the journals of commits
/// that left the window, sweeps dropped tries, and writes every count
/// change (`deltas` holds the commit's own). Returns the deleted nodes.
#[allow(clippy::too_many_arguments)]
fn advance<K: KvStore>(
    shared: &Shared<K>,
    kinds: &mut Kinds,
    keep: u64,
    seq: u64,
    journal: Journal,
    mut deltas: Deltas,
    stats: &mut PruneStats,
    batch: &mut WriteBatch,
) -> Result<Vec<H256>, StateError> {
    let kv = &shared.store;
    let mut sweep = journal::read_sweep(kv, kinds)?;
    let swept_before = !sweep.is_empty();
    let apply = |j: Journal, deltas: &mut Deltas, sweep: &mut Vec<Occ>| {
        for h in j.removed {
            deltas.add(h, -1);
        }
        sweep.extend(j.dropped);
    };
    // Journal s holds what commit s removed from root s − 1: it applies
    // once root s − 1 leaves the window [seq − keep + 1, seq].
    let due = (seq + 1).saturating_sub(keep);
    let low = shared.kept_from.load(std::sync::atomic::Ordering::Acquire);
    if due >= seq {
        apply(journal, &mut deltas, &mut sweep);
    } else if !journal.is_empty() {
        journal::put_journal(batch, kinds, seq, &journal);
    }
    for s in low + 1..=due.min(seq - 1) {
        let j = journal::take_journal(kv, kinds, batch, s)?;
        apply(j, &mut deltas, &mut sweep);
        stats.journals_applied += 1;
    }
    let kept_from = low.max(due);
    if kept_from != low {
        journal::put_low(batch, kept_from);
    }
    stats.kept_from = kept_from;

    let budget = SWEEP_PER_COMMIT.max(2 * stats.added);
    let mut kids = Vec::new();
    while stats.swept < budget {
        let Some(occ) = sweep.pop() else { break };
        let bytes = stored(shared, &occ.hash)?;
        children(shared, kinds, &occ, &bytes, &mut kids)?;
        sweep.extend(kids.drain(..).map(Child::occ));
        deltas.add(occ.hash, -1);
        stats.swept += 1;
    }
    if swept_before || !sweep.is_empty() {
        journal::put_sweep(batch, kinds, &sweep);
    }
    stats.sweep_pending = sweep.len() as u64;
    let deleted = deltas.write(kv, batch)?;
    stats.nodes_deleted = deleted.len() as u64;
    Ok(deleted)
}

/// Recomputes every reference count (see [`RefAudit`]).
pub(crate) fn audit_refs<K: KvStore>(
    shared: &Shared<K>,
    head: H256,
) -> Result<RefAudit, StateError> {
    audit::audit(shared, head)
}

/// Counts the occurrences of a state arriving whole (snapshot sync) before
/// it becomes the head: in batches of bounded size, each with a cursor
/// (`prune/adopt`) from which a restarted adoption of the same root goes
/// on. The last part — the head's move, the previous head's state dropped,
/// the window advanced — goes into `batch`.
pub(crate) fn plan_adopt<K: KvStore>(
    shared: &Shared<K>,
    keep: u64,
    old_root: H256,
    new: Head,
    batch: &mut WriteBatch,
) -> Result<PruneStats, StateError> {
    let mut kinds = Kinds::default();
    let world = kinds.id(Kind::World);
    let mut stack = match journal::read_adopt(&shared.store, &mut kinds)? {
        Some((root, stack)) if root == new.root => stack,
        Some((root, _)) => return Err(StateError::AdoptionPending(root)),
        None if new.root == svm_trie::EMPTY_ROOT => Vec::new(),
        None => vec![Occ::root(new.root, world)],
    };
    let mut stats = PruneStats::default();
    let mut kids = Vec::new();
    loop {
        let mut deltas = Deltas::default();
        let mut n = 0;
        while n < ADOPT_CHUNK {
            let Some(occ) = stack.pop() else { break };
            let bytes = stored(shared, &occ.hash)?;
            children(shared, &mut kinds, &occ, &bytes, &mut kids)?;
            stack.extend(kids.drain(..).map(Child::occ));
            deltas.add(occ.hash, 1);
            n += 1;
        }
        stats.added += n as u64;
        if stack.is_empty() {
            journal::clear_adopt(batch);
            let mut journal = Journal::default();
            if old_root != svm_trie::EMPTY_ROOT {
                journal.dropped.push(Occ::root(old_root, world));
            }
            stats.dropped = journal.dropped.len() as u64;
            advance(
                shared, &mut kinds, keep, new.seq, journal, deltas, &mut stats, batch,
            )?;
            return Ok(stats);
        }
        let mut part = WriteBatch::new();
        deltas.write(&shared.store, &mut part)?;
        journal::put_adopt(&mut part, &kinds, &new.root, &stack);
        shared.store.write(part, &NodeSet::new())?;
    }
}
