//! Ordered iteration over a trie, from any start key.

use std::cmp::Ordering;

use crate::nibbles::{pack, unpack};
use crate::node::{Kind, MemNode, load};
use crate::{NodeStore, TrieError};

/// A key and its value.
pub type Entry = (Vec<u8>, Vec<u8>);

/// A node on the iteration stack: part of the trie's overlay, or loaded for the walk.
enum Hold<'a> {
    Borrowed(&'a MemNode),
    Owned(Box<MemNode>),
}

struct Frame<'a> {
    hold: Hold<'a>,
    /// Length of the node's prefix in the path buffer.
    prefix: usize,
    /// Branches: 0 before the value, then 1 + the next child to visit.
    cursor: u8,
    /// Whether the prefix equals the start key's first nibbles.
    bounded: bool,
}

/// Iterator over `(key, value)` entries in key order. Yields `Err` once and
/// stops if a node cannot be read.
pub struct TrieIter<'a, S> {
    store: &'a S,
    stack: Vec<Frame<'a>>,
    path: Vec<u8>,
    start: Vec<u8>,
    error: Option<TrieError>,
}

impl<'a, S: NodeStore> TrieIter<'a, S> {
    pub(crate) fn new(store: &'a S, root: Option<&'a MemNode>, start: &[u8]) -> Self {
        let mut it = TrieIter {
            store,
            stack: Vec::new(),
            path: Vec::new(),
            start: unpack(start),
            error: None,
        };
        if let Some(root) = root {
            match it.hold(Hold::Borrowed(root)) {
                Ok(hold) => it.stack.push(Frame {
                    hold,
                    prefix: 0,
                    cursor: 0,
                    bounded: true,
                }),
                Err(e) => it.error = Some(e),
            }
        }
        it
    }

    pub(crate) fn failed(store: &'a S, error: TrieError) -> Self {
        TrieIter {
            store,
            stack: Vec::new(),
            path: Vec::new(),
            start: Vec::new(),
            error: Some(error),
        }
    }

    /// Loads a stub so that every held node is decoded.
    fn hold(&self, hold: Hold<'a>) -> Result<Hold<'a>, TrieError> {
        let node = match &hold {
            Hold::Borrowed(n) => *n,
            Hold::Owned(n) => n,
        };
        match node.kind {
            Kind::Stored(h) => Ok(Hold::Owned(Box::new(load(self.store, &h)?))),
            _ => Ok(hold),
        }
    }

    /// Compares the current path with the start key over their common length.
    fn cmp_start(&self) -> Ordering {
        let n = self.path.len().min(self.start.len());
        self.path[..n].cmp(&self.start[..n])
    }

    fn step(&mut self) -> Result<Option<Entry>, TrieError> {
        while let Some(frame) = self.stack.last_mut() {
            self.path.truncate(frame.prefix);
            let node: &MemNode = match &frame.hold {
                Hold::Borrowed(n) => n,
                Hold::Owned(n) => n,
            };
            match &node.kind {
                Kind::Leaf { path, value } => {
                    self.path.extend_from_slice(path);
                    let skip = frame.bounded && self.path < self.start;
                    let value = value.to_vec();
                    self.stack.pop();
                    if !skip {
                        let key = pack(&self.path).ok_or(TrieError::OddKey)?;
                        return Ok(Some((key, value)));
                    }
                }
                Kind::Extension { path, .. } => {
                    self.path.extend_from_slice(path);
                    let mut bounded = frame.bounded;
                    if bounded {
                        match self.cmp_start() {
                            Ordering::Less => {
                                self.stack.pop();
                                continue;
                            }
                            Ordering::Greater => bounded = false,
                            Ordering::Equal => bounded = self.path.len() < self.start.len(),
                        }
                    }
                    let child = match self.stack.pop().map(|f| f.hold) {
                        Some(Hold::Borrowed(n)) => match &n.kind {
                            Kind::Extension { child, .. } => Hold::Borrowed(child),
                            _ => unreachable!("matched above"),
                        },
                        Some(Hold::Owned(n)) => match n.kind {
                            Kind::Extension { child, .. } => Hold::Owned(child),
                            _ => unreachable!("matched above"),
                        },
                        None => unreachable!("frame is on the stack"),
                    };
                    let hold = self.hold(child)?;
                    self.stack.push(Frame {
                        hold,
                        prefix: self.path.len(),
                        cursor: 0,
                        bounded,
                    });
                }
                Kind::Branch { children, value } => {
                    let depth = frame.prefix;
                    if frame.cursor == 0 {
                        frame.cursor = 1;
                        if frame.bounded && depth < self.start.len() {
                            frame.cursor = self.start[depth] + 1;
                        } else {
                            frame.bounded = false;
                            if let Some(v) = value {
                                let key = pack(&self.path).ok_or(TrieError::OddKey)?;
                                return Ok(Some((key, v.to_vec())));
                            }
                        }
                        continue;
                    }
                    let from = usize::from(frame.cursor - 1);
                    let Some(i) = (from..16).find(|&i| children[i].is_some()) else {
                        self.stack.pop();
                        continue;
                    };
                    let bounded = frame.bounded
                        && depth < self.start.len()
                        && usize::from(self.start[depth]) == i;
                    frame.cursor = i as u8 + 2;
                    let child = match &mut frame.hold {
                        Hold::Borrowed(n) => match &n.kind {
                            Kind::Branch { children, .. } => {
                                children[i].as_deref().map(Hold::Borrowed)
                            }
                            _ => unreachable!("matched above"),
                        },
                        Hold::Owned(n) => match &mut n.kind {
                            Kind::Branch { children, .. } => children[i].take().map(Hold::Owned),
                            _ => unreachable!("matched above"),
                        },
                    };
                    let Some(child) = child else { continue };
                    let hold = self.hold(child)?;
                    self.path.push(i as u8);
                    self.stack.push(Frame {
                        hold,
                        prefix: depth + 1,
                        cursor: 0,
                        bounded,
                    });
                }
                Kind::Stored(_) => unreachable!("held nodes are loaded"),
            }
        }
        Ok(None)
    }
}

impl<S: NodeStore> Iterator for TrieIter<'_, S> {
    type Item = Result<Entry, TrieError>;

    fn next(&mut self) -> Option<Self::Item> {
        if let Some(e) = self.error.take() {
            self.stack.clear();
            return Some(Err(e));
        }
        match self.step() {
            Ok(item) => item.map(Ok),
            Err(e) => {
                self.stack.clear();
                Some(Err(e))
            }
        }
    }
}
