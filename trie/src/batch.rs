//! Batches of updates: sorted by key, the last update of each key kept, and
//! laid out in one buffer in key order.

use rayon::prelude::*;

use crate::par::{PAR_OPS, parallel};

/// One update: set `key` to `value`, or delete it when `value` is `None`.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Op<'k> {
    pub(crate) key: &'k [u8],
    pub(crate) value: Option<&'k [u8]>,
}

/// Updates sorted by key with the last update of each key kept, their keys and
/// values copied in that order into one buffer so the build reads memory in order.
pub(crate) struct SortedOps {
    bytes: Vec<u8>,
    /// Key end, value end (0-length value: delete) per op.
    ends: Vec<(usize, usize)>,
}

impl SortedOps {
    pub(crate) fn new<K: AsRef<[u8]>, V: AsRef<[u8]>>(updates: &[(K, V)]) -> Self {
        // Sort by (first 8 key bytes, key, position): the inline prefix decides
        // almost every comparison without touching the keys.
        let keys: Vec<&[u8]> = updates.iter().map(|(k, _)| k.as_ref()).collect();
        let mut order: Vec<(u64, usize)> = keys
            .iter()
            .enumerate()
            .map(|(i, k)| {
                let mut p = [0u8; 8];
                let n = k.len().min(8);
                p[..n].copy_from_slice(&k[..n]);
                (u64::from_be_bytes(p), i)
            })
            .collect();
        let cmp = |a: &(u64, usize), b: &(u64, usize)| {
            a.0.cmp(&b.0)
                .then_with(|| keys[a.1].cmp(keys[b.1]))
                .then(a.1.cmp(&b.1))
        };
        if order.len() >= PAR_OPS && parallel() {
            order.par_sort_unstable_by(cmp);
        } else {
            order.sort_unstable_by(cmp);
        }
        let total: usize = updates
            .iter()
            .map(|(k, v)| k.as_ref().len() + v.as_ref().len())
            .sum();
        let mut bytes = Vec::with_capacity(total);
        let mut ends = Vec::with_capacity(order.len());
        for (n, &(_, i)) in order.iter().enumerate() {
            let (k, v) = (keys[i], updates[i].1.as_ref());
            // A later update of the same key replaces this one.
            if order.get(n + 1).is_some_and(|&(_, j)| keys[j] == k) {
                continue;
            }
            bytes.extend_from_slice(k);
            let key_end = bytes.len();
            bytes.extend_from_slice(v);
            ends.push((key_end, bytes.len()));
        }
        SortedOps { bytes, ends }
    }

    pub(crate) fn ops(&self) -> Vec<Op<'_>> {
        let mut start = 0;
        self.ends
            .iter()
            .map(|&(key_end, end)| {
                let op = Op {
                    key: &self.bytes[start..key_end],
                    value: (end > key_end).then(|| &self.bytes[key_end..end]),
                };
                start = end;
                op
            })
            .collect()
    }
}
