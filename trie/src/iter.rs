//! Ordered iteration over a trie, from any start key.

use std::cmp::Ordering;

use crate::nibbles::{pack, unpack};
use crate::node::{MemNode, Slot, load};
use crate::{NodeStore, TrieError};

/// A key and its value.
pub type Entry = (Vec<u8>, Vec<u8>);

/// A node on the iteration stack: part of the trie's overlay, or loaded for the walk.
enum Hold<'a> {
    Borrowed(&'a MemNode),
    Owned(Box<MemNode>),
}

impl Hold<'_> {
    fn node(&self) -> &MemNode {
        match self {
            Hold::Borrowed(n) => n,
            Hold::Owned(n) => n,
        }
    }
}

struct Frame<'a> {
    hold: Hold<'a>,
    /// Length of the node's prefix in the path buffer.
    prefix: usize,
    /// Branches: 0 before the value, then 1 + the next nibble to visit.
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
    pub(crate) fn new(store: &'a S, root: Option<&'a Slot>, start: &[u8]) -> Self {
        let mut it = TrieIter {
            store,
            stack: Vec::new(),
            path: Vec::new(),
            start: unpack(start),
            error: None,
        };
        if let Some(root) = root {
            match hold_slot(store, root) {
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

    /// Compares the current path with the start key over their common length.
    fn cmp_start(&self) -> Ordering {
        let n = self.path.len().min(self.start.len());
        self.path[..n].cmp(&self.start[..n])
    }

    fn step(&mut self) -> Result<Option<Entry>, TrieError> {
        while let Some(frame) = self.stack.last_mut() {
            self.path.truncate(frame.prefix);
            match frame.hold.node() {
                MemNode::Leaf(leaf) => {
                    let path = leaf.path();
                    self.path.extend((0..path.len()).map(|i| path.at(i)));
                    let skip = frame.bounded && self.path < self.start;
                    let value = leaf.value().to_vec();
                    self.stack.pop();
                    if !skip {
                        let key = pack(&self.path).ok_or(TrieError::OddKey)?;
                        return Ok(Some((key, value)));
                    }
                }
                MemNode::Extension { path, .. } => {
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
                    let hold = match self.stack.pop().map(|f| f.hold) {
                        Some(Hold::Borrowed(MemNode::Extension { child, .. })) => {
                            hold_slot(self.store, child)?
                        }
                        Some(Hold::Owned(n)) => match *n {
                            MemNode::Extension { mut child, .. } => {
                                take_owned(self.store, &mut child)?
                            }
                            _ => unreachable!("matched above"),
                        },
                        _ => unreachable!("matched above"),
                    };
                    self.stack.push(Frame {
                        hold,
                        prefix: self.path.len(),
                        cursor: 0,
                        bounded,
                    });
                }
                MemNode::Branch { children, value } => {
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
                    let Some(i) = children.next_from(frame.cursor - 1) else {
                        self.stack.pop();
                        continue;
                    };
                    let bounded =
                        frame.bounded && depth < self.start.len() && self.start[depth] == i;
                    frame.cursor = i + 2;
                    let child = match &mut frame.hold {
                        Hold::Borrowed(MemNode::Branch { children, .. }) => match children.get(i) {
                            Some(slot) => Some(hold_slot(self.store, slot)?),
                            None => None,
                        },
                        Hold::Owned(n) => match &mut **n {
                            MemNode::Branch { children, .. } => match children.get_mut(i) {
                                Some(slot) => Some(take_owned(self.store, slot)?),
                                None => None,
                            },
                            _ => unreachable!("matched above"),
                        },
                        _ => unreachable!("matched above"),
                    };
                    let Some(hold) = child else { continue };
                    self.path.push(i);
                    self.stack.push(Frame {
                        hold,
                        prefix: depth + 1,
                        cursor: 0,
                        bounded,
                    });
                }
            }
        }
        Ok(None)
    }
}

/// The node of an overlay slot (borrowed), loading it if needed.
fn hold_slot<'a, S: NodeStore>(store: &S, slot: &'a Slot) -> Result<Hold<'a>, TrieError> {
    match &slot.node {
        Some(n) => Ok(Hold::Borrowed(n)),
        None => load_hold(store, slot),
    }
}

/// The node of a slot of a loaded node, moved out of it.
fn take_owned<'a, S: NodeStore>(store: &S, slot: &mut Slot) -> Result<Hold<'a>, TrieError> {
    match slot.node.take() {
        Some(n) => Ok(Hold::Owned(Box::new(n))),
        None => load_hold(store, slot),
    }
}

fn load_hold<'a, S: NodeStore>(store: &S, slot: &Slot) -> Result<Hold<'a>, TrieError> {
    let Some(h) = slot.r.as_hash() else {
        unreachable!("a slot without its node is stored by hash")
    };
    Ok(Hold::Owned(Box::new(load(store, &h)?.0)))
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
