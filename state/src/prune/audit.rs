//! An audit of the reference counts: every count recomputed from what the
//! database holds, compared with the stored ones. Memory grows with the
//! number of distinct nodes: a tool for tests and for an operator
//! investigating a database, not for a node's hot path.

use primitive_types::H256;
use std::collections::HashMap;

use super::journal::{self, read_count};
use super::stored;
use super::walk::{Child, Kind, Kinds, Occ, children};
use crate::StateError;
use crate::db::Shared;
use crate::kv::{Column, KvStore};

/// What [`crate::StateDb::audit_refs`] found.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RefAudit {
    /// Distinct nodes the counts should cover.
    pub nodes: u64,
    /// Occurrences counted.
    pub occurrences: u64,
    /// Bytes of those distinct nodes: what the kept roots, pending
    /// journals, sweep and receipts need stored.
    pub node_bytes: u64,
    /// Nodes whose stored count differs from the recomputed one: (hash,
    /// recomputed, stored), the first 16.
    pub mismatched: Vec<(H256, u64, u64)>,
    /// How many nodes' counts differ.
    pub mismatches: u64,
    /// Stored nodes no count covers (kept by nothing).
    pub leaked: u64,
    /// Counted nodes missing from the store.
    pub missing: u64,
}

impl RefAudit {
    /// Whether every count is right, and every node stored exactly when
    /// counted.
    pub fn is_clean(&self) -> bool {
        self.mismatches == 0 && self.leaked == 0 && self.missing == 0
    }
}

/// Recomputes every count: the head's occurrences, those the journals not
/// yet applied still hold (removed nodes, dropped tries), the sweep stack's,
/// and every block's receipts trie.
pub(crate) fn audit<K: KvStore>(shared: &Shared<K>, head: H256) -> Result<RefAudit, StateError> {
    let kv = &shared.store;
    let mut kinds = Kinds::default();
    if journal::read_adopt(kv, &mut kinds)?.is_some() {
        return Err(StateError::CorruptMeta("an adoption is being counted"));
    }
    let mut counts: HashMap<H256, u64> = HashMap::new();
    let mut report = RefAudit::default();
    let mut roots: Vec<Occ> = journal::read_sweep(kv, &mut kinds)?;
    if head != svm_trie::EMPTY_ROOT {
        roots.push(Occ::root(head, kinds.id(Kind::World)));
    }
    for (_, value) in scan_all(kv, Column::Meta, b"prune/j")? {
        let j = journal::decode_journal(&mut kinds, &value)?;
        for h in j.removed {
            let count = counts.entry(h).or_insert(0);
            if *count == 0 {
                report.node_bytes += stored(shared, &h)?.len() as u64;
            }
            *count += 1;
        }
        roots.extend(j.dropped);
    }
    for (key, value) in scan_all(kv, Column::Meta, b"block")? {
        if key.len() != 13 {
            continue;
        }
        let receipts = crate::meta::receipts_root_of(&value)?;
        if receipts != svm_trie::EMPTY_ROOT {
            let plain = kinds.id(Kind::Plain);
            roots.push(Occ::root(receipts, plain));
        }
    }
    let mut kids = Vec::new();
    while let Some(occ) = roots.pop() {
        let bytes = stored(shared, &occ.hash)?;
        let count = counts.entry(occ.hash).or_insert(0);
        if *count == 0 {
            report.node_bytes += bytes.len() as u64;
        }
        *count += 1;
        report.occurrences += 1;
        children(shared, &mut kinds, &occ, &bytes, &mut kids)?;
        roots.extend(kids.drain(..).map(Child::occ));
    }
    report.nodes = counts.len() as u64;
    for (hash, want) in &counts {
        let have = read_count(kv, hash)?;
        if have != *want {
            report.mismatches += 1;
            if report.mismatched.len() < 16 {
                report.mismatched.push((*hash, *want, have));
            }
        }
        if kv.get(Column::Nodes, hash.as_bytes())?.is_none() {
            report.missing += 1;
        }
    }
    for (key, _) in scan_all(kv, Column::Refs, b"")? {
        let hash = H256::from_slice(&key);
        if !counts.contains_key(&hash) {
            report.mismatches += 1;
            if report.mismatched.len() < 16 {
                report.mismatched.push((hash, 0, read_count(kv, &hash)?));
            }
        }
    }
    let mut after: Option<Vec<u8>> = None;
    loop {
        let page = kv.scan(Column::Nodes, b"", after.as_deref(), 4096)?;
        let Some((last, _)) = page.last() else { break };
        after = Some(last.clone());
        for (key, _) in &page {
            if key.len() == 32 && !counts.contains_key(&H256::from_slice(key)) {
                report.leaked += 1;
            }
        }
    }
    Ok(report)
}

/// Every entry under `prefix`, page by page.
fn scan_all(
    kv: &impl KvStore,
    column: Column,
    prefix: &[u8],
) -> Result<crate::kv::Entries, StateError> {
    let mut out = Vec::new();
    let mut after: Option<Vec<u8>> = None;
    loop {
        let page = kv.scan(column, prefix, after.as_deref(), 4096)?;
        let Some((last, _)) = page.last() else { break };
        after = Some(last.clone());
        out.extend(page);
    }
    Ok(out)
}
