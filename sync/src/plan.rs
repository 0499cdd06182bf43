//! Which ranges a trie is fetched in. A task is one range of one trie; a
//! verified chunk of it either finishes the task or leaves the rest. The
//! first time a whole trie turns out larger than one chunk, the rest is
//! split into parts fetched in parallel. Splitting depends only on the
//! chunk's end, so an exporter and an importer plan the same ranges.

use svm_trie::MAX_KEY_LEN;

use crate::kind::TrieRef;

/// One range of one trie still to fetch.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Task {
    /// The trie.
    pub trie: TrieRef,
    /// The first key still to fetch (inclusive).
    pub from: Vec<u8>,
    /// The last key of the range (inclusive); `None`: to the trie's end.
    pub to: Option<Vec<u8>>,
}

impl Task {
    /// The whole of a trie.
    pub fn whole(trie: TrieRef) -> Self {
        Task {
            trie,
            from: Vec::new(),
            to: None,
        }
    }

    /// Whether this is still the whole trie.
    pub fn is_whole(&self) -> bool {
        self.from.is_empty() && self.to.is_none()
    }

    /// A short description for messages: trie root and range.
    pub fn describe(&self) -> String {
        let to = self
            .to
            .as_ref()
            .map_or_else(|| "end".to_string(), |t| format!("0x{}", hex::encode(t)));
        format!(
            "{} {:#x} range [0x{}, {to}]",
            self.trie.kind.describe(),
            self.trie.root,
            hex::encode(&self.from)
        )
    }
}

/// What remains of `task` once a verified chunk of it ended at `end` (the
/// chunk's proven last key; the task's own end when it reached it). A whole
/// trie's rest is split into `parts` ranges.
pub fn next_tasks(task: &Task, end: Option<&[u8]>, parts: usize) -> Vec<Task> {
    let Some(end) = end else {
        return Vec::new();
    };
    if task.to.as_deref() == Some(end) {
        return Vec::new();
    }
    let mut from = end.to_vec();
    from.push(0);
    if !task.is_whole() || parts < 2 {
        return vec![Task {
            trie: task.trie.clone(),
            from,
            to: task.to.clone(),
        }];
    }
    split(&from, None, parts)
        .into_iter()
        .map(|(from, to)| Task {
            trie: task.trie.clone(),
            from,
            to,
        })
        .collect()
}

/// The first eight bytes of `key` as a number (shorter keys padded with
/// zeros).
fn prefix(key: &[u8]) -> u64 {
    let mut b = [0u8; 8];
    let n = key.len().min(8);
    b[..n].copy_from_slice(&key[..n]);
    u64::from_be_bytes(b)
}

/// The greatest key of at most [`MAX_KEY_LEN`] bytes below `key` (not
/// empty): no trie key lies strictly between the two.
fn predecessor(key: &[u8]) -> Vec<u8> {
    let mut out = key.to_vec();
    match out.pop() {
        Some(0) | None => out,
        Some(last) => {
            out.push(last - 1);
            out.resize(MAX_KEY_LEN, 0xff);
            out
        }
    }
}

/// Splits `[lo, hi]` into at most `parts` ranges that together hold every
/// key of at most [`MAX_KEY_LEN`] bytes in it, cutting evenly by the keys'
/// first eight bytes (even for hashed keys; unhashed ones may leave some
/// parts empty).
pub fn split(lo: &[u8], hi: Option<&[u8]>, parts: usize) -> Vec<(Vec<u8>, Option<Vec<u8>>)> {
    let a = prefix(lo);
    let b = hi.map_or(u64::MAX, prefix);
    let step = b.saturating_sub(a) / parts.max(1) as u64;
    let mut out = Vec::new();
    let mut from = lo.to_vec();
    if step > 0 {
        for j in 1..parts as u64 {
            let cut = (a + step * j).to_be_bytes().to_vec();
            if cut <= from || hi.is_some_and(|h| cut.as_slice() > h) {
                continue;
            }
            out.push((from, Some(predecessor(&cut))));
            from = cut;
        }
    }
    out.push((from, hi.map(<[u8]>::to_vec)));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use quickcheck::{Arbitrary, Gen, QuickCheck};

    fn key(g: &mut Gen) -> Vec<u8> {
        let n = usize::arbitrary(g) % 12;
        (0..n)
            .map(|_| *g.choose(&[0u8, 1, 0x7f, 0x80, 0xfe, 0xff]).unwrap())
            .collect()
    }

    /// The parts are in order, each non-empty, and every key of the range
    /// is in exactly one of them.
    #[test]
    fn parts_tile_the_range() {
        fn prop(parts: u8) -> bool {
            let mut g = Gen::new(20);
            let lo = key(&mut g);
            let hi = bool::arbitrary(&mut g)
                .then(|| key(&mut g))
                .filter(|h| *h >= lo);
            let parts = 1 + usize::from(parts % 20);
            let got = split(&lo, hi.as_deref(), parts);
            assert!(got.len() <= parts);
            assert_eq!(got[0].0, lo);
            assert_eq!(got.last().unwrap().1, hi);
            for (f, t) in &got {
                assert!(t.as_ref().is_none_or(|t| f <= t), "{f:?} > {t:?}");
                assert!(f.len() <= MAX_KEY_LEN + 1);
            }
            for w in got.windows(2) {
                let end = w[0].1.as_ref().unwrap();
                assert!(*end < w[1].0);
            }
            for _ in 0..50 {
                let k = key(&mut g);
                let inside = k >= lo && hi.as_ref().is_none_or(|h| k <= *h);
                let n = got
                    .iter()
                    .filter(|(f, t)| k >= *f && t.as_ref().is_none_or(|t| k <= *t))
                    .count();
                assert_eq!(n, usize::from(inside), "key {k:?} in {n} parts of {got:?}");
            }
            true
        }
        QuickCheck::new()
            .tests(500)
            .quickcheck(prop as fn(u8) -> bool);
    }

    #[test]
    fn a_whole_trie_is_split_once() {
        let trie = TrieRef {
            root: primitive_types::H256::repeat_byte(1),
            kind: crate::kind::TrieKind::World,
        };
        let whole = Task::whole(trie);
        let rest = next_tasks(&whole, Some(&[0x10; 32]), 16);
        assert!(rest.len() > 8, "{}", rest.len());
        assert_eq!(rest[0].from, [&[0x10; 32][..], &[0]].concat());
        assert_eq!(rest.last().unwrap().to, None);
        // A part is not split again, and a finished part leaves nothing.
        let part = &rest[1];
        let more = next_tasks(part, Some(&[0x30, 1]), 16);
        assert_eq!(more.len(), 1);
        assert_eq!(more[0].to, part.to);
        assert!(next_tasks(part, part.to.as_deref(), 16).is_empty());
        assert!(next_tasks(&whole, None, 16).is_empty());
    }
}
