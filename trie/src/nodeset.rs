//! The nodes a commit produces, packed in one buffer.

use crate::H256;

/// New trie nodes as (keccak256, encoding) pairs, children before parents,
/// packed in one buffer (one allocation for any number of nodes).
#[derive(Default, Clone, PartialEq, Eq)]
pub struct NodeSet {
    data: Vec<u8>,
    /// Hash and end offset in `data` of each node.
    index: Vec<(H256, usize)>,
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
        self.index.len()
    }

    /// Whether there is no node.
    pub fn is_empty(&self) -> bool {
        self.index.is_empty()
    }

    /// Total bytes of the encodings.
    pub fn byte_size(&self) -> usize {
        self.data.len()
    }

    /// Node `i`: its hash and encoding.
    pub fn get(&self, i: usize) -> Option<(&H256, &[u8])> {
        let (h, end) = self.index.get(i)?;
        let start = if i == 0 { 0 } else { self.index[i - 1].1 };
        Some((h, &self.data[start..*end]))
    }

    /// The nodes in order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = (&H256, &[u8])> + '_ {
        let mut start = 0;
        self.index.iter().map(move |(h, end)| {
            let bytes = &self.data[start..*end];
            start = *end;
            (h, bytes)
        })
    }

    /// Appends a node.
    pub fn push(&mut self, hash: H256, encoding: &[u8]) {
        self.data.extend_from_slice(encoding);
        self.index.push((hash, self.data.len()));
    }

    /// The buffer to encode a node into, before [`NodeSet::seal`] or
    /// [`NodeSet::discard`] decides what to do with the bytes after `mark`.
    pub(crate) fn buffer(&mut self) -> &mut Vec<u8> {
        &mut self.data
    }

    /// Keeps the bytes written since `mark` as a node with hash `hash`.
    pub(crate) fn seal(&mut self, hash: H256) {
        self.index.push((hash, self.data.len()));
    }

    /// Drops the bytes written since `mark`.
    pub(crate) fn discard(&mut self, mark: usize) {
        self.data.truncate(mark);
    }

    /// Moves every node of `other` to the end of this set.
    pub fn append(&mut self, other: NodeSet) {
        let base = self.data.len();
        if self.data.is_empty() {
            self.data = other.data;
        } else {
            self.data.extend_from_slice(&other.data);
        }
        self.index
            .extend(other.index.into_iter().map(|(h, end)| (h, end + base)));
    }
}

impl<'a> IntoIterator for &'a NodeSet {
    type Item = (&'a H256, &'a [u8]);
    type IntoIter = Box<dyn ExactSizeIterator<Item = (&'a H256, &'a [u8])> + 'a>;

    fn into_iter(self) -> Self::IntoIter {
        Box::new(self.iter())
    }
}
