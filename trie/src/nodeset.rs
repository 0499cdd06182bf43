//! The nodes a commit produces, packed in a few large buffers.

use crate::H256;

/// Bytes a chunk is filled to before the next node starts a new chunk.
const CHUNK: usize = 1 << 20;

/// One buffer of encodings and the hash and end offset of each.
#[derive(Default, Clone, PartialEq, Eq)]
struct Chunk {
    data: Vec<u8>,
    index: Vec<(H256, usize)>,
}

/// New trie nodes as (keccak256, encoding) pairs, children before parents,
/// packed in large buffers: no allocation per node, and no copying when the
/// sets of parallel subtrees are joined.
#[derive(Default, Clone, PartialEq, Eq)]
pub struct NodeSet {
    chunks: Vec<Chunk>,
    len: usize,
}

impl std::fmt::Debug for NodeSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "NodeSet({} nodes, {} bytes)",
            self.len(),
            self.byte_size()
        )
    }
}

impl NodeSet {
    /// An empty set.
    pub fn new() -> Self {
        Self::default()
    }

    /// Number of nodes.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether there is no node.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Total bytes of the encodings.
    pub fn byte_size(&self) -> usize {
        self.chunks.iter().map(|c| c.data.len()).sum()
    }

    /// Node `i`: its hash and encoding.
    pub fn get(&self, mut i: usize) -> Option<(&H256, &[u8])> {
        for c in &self.chunks {
            if i < c.index.len() {
                let (h, end) = &c.index[i];
                let start = if i == 0 { 0 } else { c.index[i - 1].1 };
                return Some((h, &c.data[start..*end]));
            }
            i -= c.index.len();
        }
        None
    }

    /// The nodes in order.
    pub fn iter(&self) -> impl Iterator<Item = (&H256, &[u8])> + '_ {
        self.chunks.iter().flat_map(|c| {
            let mut start = 0;
            c.index.iter().map(move |(h, end)| {
                let bytes = &c.data[start..*end];
                start = *end;
                (h, bytes)
            })
        })
    }

    /// Appends a node.
    pub fn push(&mut self, hash: H256, encoding: &[u8]) {
        self.buffer().extend_from_slice(encoding);
        self.seal(hash);
    }

    /// The buffer to encode the next node into; then [`NodeSet::seal`] keeps
    /// the bytes written since, or [`NodeSet::discard`] drops them.
    pub(crate) fn buffer(&mut self) -> &mut Vec<u8> {
        if self.chunks.last().is_none_or(|c| c.data.len() >= CHUNK) {
            // Chunks grow as they fill, so the many small sets of parallel
            // subtrees reserve no more than they hold.
            self.chunks.push(Chunk::default());
        }
        match self.chunks.last_mut() {
            Some(c) => &mut c.data,
            None => unreachable!("pushed above"),
        }
    }

    /// Keeps the bytes written to the buffer since the last node as a node.
    pub(crate) fn seal(&mut self, hash: H256) {
        if let Some(c) = self.chunks.last_mut() {
            c.index.push((hash, c.data.len()));
            self.len += 1;
        }
    }

    /// Drops the bytes written to the buffer from `mark` on.
    pub(crate) fn discard(&mut self, mark: usize) {
        if let Some(c) = self.chunks.last_mut() {
            c.data.truncate(mark);
        }
    }

    /// Moves every node of `other` to the end of this set.
    pub fn append(&mut self, other: NodeSet) {
        self.len += other.len;
        self.chunks
            .extend(other.chunks.into_iter().filter(|c| !c.index.is_empty()));
    }
}

impl<'a> IntoIterator for &'a NodeSet {
    type Item = (&'a H256, &'a [u8]);
    type IntoIter = Box<dyn Iterator<Item = (&'a H256, &'a [u8])> + 'a>;

    fn into_iter(self) -> Self::IntoIter {
        Box::new(self.iter())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_order_across_chunks_and_appends() {
        let mut a = NodeSet::new();
        let mut want = Vec::new();
        for i in 0..3000u32 {
            let node = vec![i as u8; 500 + (i as usize % 700)];
            let h = crate::hash(&node);
            if i % 1000 == 999 {
                let mut b = NodeSet::new();
                b.push(h, &node);
                a.append(b);
            } else {
                a.push(h, &node);
            }
            want.push((h, node));
        }
        assert_eq!(a.len(), want.len());
        assert!(a.chunks.len() > 1);
        for (i, ((h, n), (wh, wn))) in a.iter().zip(&want).enumerate() {
            assert_eq!((h, n), (wh, &wn[..]), "node {i}");
            assert_eq!(a.get(i), Some((wh, &wn[..])));
        }
        assert_eq!(
            a.byte_size(),
            want.iter().map(|(_, n)| n.len()).sum::<usize>()
        );
    }
}
