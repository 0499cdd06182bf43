//! The root of a trie whose entries arrive sorted by key, in one pass and
//! without building it: each node is encoded into a scratch buffer once its
//! children's references are known, hashed, and forgotten (the job of
//! alloy-trie's `HashBuilder` and geth's `StackTrie`). Nothing is kept but the
//! references of the nodes on the current path, so memory stays at the
//! scratch buffers whatever the number of entries.

use rayon::prelude::*;

use crate::batch::Op;
use crate::codec::{ChildRef, encode_branch, encode_extension, encode_leaf_hp};
use crate::leaf::push_key_hex_prefix;
use crate::nibbles::{key_len, key_nibble};
use crate::par::{PAR_OPS, par_depth};
use crate::{EMPTY_ROOT, H256, TrieError, hash};

/// A key and its (non-empty) value, as the one-pass builder reads them.
pub(crate) trait SortedEntry: Sync {
    /// The key.
    fn key(&self) -> &[u8];
    /// The value.
    fn value(&self) -> &[u8];
}

impl<K: AsRef<[u8]> + Sync, V: AsRef<[u8]> + Sync> SortedEntry for (K, V) {
    #[inline]
    fn key(&self) -> &[u8] {
        self.0.as_ref()
    }

    #[inline]
    fn value(&self) -> &[u8] {
        self.1.as_ref()
    }
}

impl SortedEntry for Op<'_> {
    #[inline]
    fn key(&self) -> &[u8] {
        self.key
    }

    #[inline]
    fn value(&self) -> &[u8] {
        self.value.unwrap_or_default()
    }
}

impl<E: SortedEntry> SortedEntry for &E {
    #[inline]
    fn key(&self) -> &[u8] {
        (*self).key()
    }

    #[inline]
    fn value(&self) -> &[u8] {
        (*self).value()
    }
}

/// Computes the root of the trie holding `entries`, given in strictly
/// increasing key order (bytewise, as a trie iterates), without a store and
/// without keeping any node: the same root as [`crate::root_of`] on the same
/// entries, for far less memory and time. An empty value means no entry, as
/// everywhere in a trie. Large inputs are hashed on rayon's threads.
///
/// Fails with [`TrieError::Unsorted`] if a key is not greater than the one
/// before it (a duplicate included), and [`TrieError::KeyTooLong`] for a key
/// over [`crate::MAX_KEY_LEN`].
pub fn root_of_sorted<K, V>(entries: &[(K, V)]) -> Result<H256, TrieError>
where
    K: AsRef<[u8]> + Sync,
    V: AsRef<[u8]> + Sync,
{
    let mut empty = false;
    for (i, (k, v)) in entries.iter().enumerate() {
        let k = k.as_ref();
        if k.len() > crate::MAX_KEY_LEN {
            return Err(TrieError::KeyTooLong(k.len()));
        }
        if i > 0 && entries[i - 1].0.as_ref() >= k {
            return Err(TrieError::Unsorted(i));
        }
        empty |= v.as_ref().is_empty();
    }
    if empty {
        let kept: Vec<&(K, V)> = entries
            .iter()
            .filter(|(_, v)| !v.as_ref().is_empty())
            .collect();
        Ok(sorted_root(&kept))
    } else {
        Ok(sorted_root(entries))
    }
}

/// The root of sorted, distinct entries with non-empty values.
pub(crate) fn sorted_root<E: SortedEntry>(entries: &[E]) -> H256 {
    if entries.is_empty() {
        return EMPTY_ROOT;
    }
    let r = node_ref(
        entries,
        0,
        par_depth(entries.len()),
        &mut Scratch::default(),
    );
    // The root is always referred to by hash, even when small.
    r.as_hash().unwrap_or_else(|| hash(r.as_bytes()))
}

/// Buffers reused from node to node: a node is encoded only after all the
/// nodes below it, so one of each serves a whole thread.
#[derive(Default)]
struct Scratch {
    /// The node being encoded.
    enc: Vec<u8>,
    /// A leaf's hex-prefix path or an extension's nibbles.
    path: Vec<u8>,
}

/// The reference to the node holding `entries` (at least one, all sharing the
/// key's first `depth` nibbles), `par` levels of branches fanned out over
/// threads.
fn node_ref<E: SortedEntry>(entries: &[E], depth: usize, par: u8, s: &mut Scratch) -> ChildRef {
    let (first, last) = match entries {
        [] => return ChildRef::EMPTY,
        [e] => return leaf_ref(e.key(), depth, e.value(), s),
        [first, .., last] => (first.key(), last.key()),
    };
    // Sorted: what the first and the last key share, all share.
    let max = key_len(first).min(key_len(last));
    let mut lcp = depth;
    while lcp < max && key_nibble(first, lcp) == key_nibble(last, lcp) {
        lcp += 1;
    }
    if lcp > depth {
        let child = node_ref(entries, lcp, par, s);
        s.path.clear();
        s.path.extend((depth..lcp).map(|i| key_nibble(first, i)));
        s.enc.clear();
        encode_extension(&s.path, &child, &mut s.enc);
        return ChildRef::of_encoding(&s.enc);
    }
    // A key ending here is the first (a prefix sorts before its extensions).
    let (value, rest) = if key_len(first) == depth {
        (Some(entries[0].value()), &entries[1..])
    } else {
        (None, entries)
    };
    let bounds = nibble_bounds(rest, depth);
    let part = |i: usize| &rest[bounds[i]..bounds[i + 1]];
    let mut refs = [ChildRef::EMPTY; 16];
    if par > 0 && rest.len() >= PAR_OPS {
        let parts: Vec<ChildRef> = (0..16usize)
            .into_par_iter()
            .map(|i| node_ref(part(i), depth + 1, par - 1, &mut Scratch::default()))
            .collect();
        refs.copy_from_slice(&parts);
    } else {
        for (i, r) in refs.iter_mut().enumerate() {
            *r = node_ref(part(i), depth + 1, 0, s);
        }
    }
    s.enc.clear();
    encode_branch(&refs, value, &mut s.enc);
    ChildRef::of_encoding(&s.enc)
}

/// The reference to the leaf holding the rest of `key` below nibble `depth`.
fn leaf_ref(key: &[u8], depth: usize, value: &[u8], s: &mut Scratch) -> ChildRef {
    s.path.clear();
    push_key_hex_prefix(key, depth, &mut s.path);
    s.enc.clear();
    encode_leaf_hp(&s.path, value, &mut s.enc);
    ChildRef::of_encoding(&s.enc)
}

/// Where each nibble's run starts among sorted entries (all longer than
/// `depth` nibbles), and where the last ends: the split of a branch's
/// entries among its children, for the one-pass root and the trie's build.
pub(crate) fn nibble_bounds<E: SortedEntry>(entries: &[E], depth: usize) -> [usize; 17] {
    let mut bounds = [0usize; 17];
    if entries.len() <= 32 {
        for e in entries {
            bounds[usize::from(key_nibble(e.key(), depth)) + 1] += 1;
        }
        for i in 1..17 {
            bounds[i] += bounds[i - 1];
        }
        return bounds;
    }
    let mut start = 0;
    for (n, b) in bounds.iter_mut().enumerate().skip(1) {
        start += entries[start..].partition_point(|e| usize::from(key_nibble(e.key(), depth)) < n);
        *b = start;
    }
    bounds
}
