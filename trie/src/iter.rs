//! Ordered iteration over a trie, forwards from any start key or backwards
//! from any end key.

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
    /// Branches: whether the value and the first child have been decided.
    started: bool,
    /// Branches: the next nibble to look at (forwards up from it, backwards
    /// down from it); `None` once the children are done.
    next: Option<u8>,
    /// Branches going backwards: whether the value is still to come (after
    /// the children, its key being smaller).
    value_pending: bool,
    /// Whether the prefix equals the bound's first nibbles.
    bounded: bool,
}

impl<'a> Frame<'a> {
    fn new(hold: Hold<'a>, prefix: usize, bounded: bool) -> Self {
        Frame {
            hold,
            prefix,
            started: false,
            next: None,
            value_pending: false,
            bounded,
        }
    }
}

/// Iterator over `(key, value)` entries in key order (or reverse key order).
/// Yields `Err` once and stops if a node cannot be read.
pub struct TrieIter<'a, S> {
    store: &'a S,
    stack: Vec<Frame<'a>>,
    path: Vec<u8>,
    /// The start key (forwards) or the end key (backwards), in nibbles.
    bound: Vec<u8>,
    backwards: bool,
    error: Option<TrieError>,
}

impl<'a, S: NodeStore> TrieIter<'a, S> {
    /// Entries with key `>= start` ascending, or (backwards) entries with key
    /// `<= start` descending, or all descending when `start` is `None`.
    pub(crate) fn new(
        store: &'a S,
        root: Option<&'a Slot>,
        start: Option<&[u8]>,
        backwards: bool,
    ) -> Self {
        let mut it = TrieIter {
            store,
            stack: Vec::new(),
            path: Vec::new(),
            bound: start.map(unpack).unwrap_or_default(),
            backwards,
            error: None,
        };
        if let Some(root) = root {
            match hold_slot(store, root) {
                Ok(hold) => it.stack.push(Frame::new(hold, 0, start.is_some())),
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
            bound: Vec::new(),
            backwards: false,
            error: Some(error),
        }
    }

    /// Compares the current path with the bound over their common length.
    fn cmp_bound(&self) -> Ordering {
        let n = self.path.len().min(self.bound.len());
        self.path[..n].cmp(&self.bound[..n])
    }

    /// Whether a key (the current path) lies beyond the bound.
    fn beyond(&self) -> bool {
        if self.backwards {
            self.path > self.bound
        } else {
            self.path < self.bound
        }
    }

    fn step(&mut self) -> Result<Option<Entry>, TrieError> {
        let backwards = self.backwards;
        while let Some(frame) = self.stack.last_mut() {
            self.path.truncate(frame.prefix);
            match frame.hold.node() {
                MemNode::Leaf(leaf) => {
                    let path = leaf.path();
                    self.path.extend((0..path.len()).map(|i| path.at(i)));
                    let value = leaf.value().to_vec();
                    let skip = frame.bounded && self.beyond();
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
                        let longer = self.path.len() > self.bound.len();
                        match (self.cmp_bound(), backwards) {
                            (Ordering::Less, false) | (Ordering::Greater, true) => {
                                self.stack.pop();
                                continue;
                            }
                            // Below a key longer than the end: all beyond it.
                            (Ordering::Equal, true) if longer => {
                                self.stack.pop();
                                continue;
                            }
                            (Ordering::Greater, false) | (Ordering::Less, true) => bounded = false,
                            (Ordering::Equal, false) => {
                                bounded = self.path.len() < self.bound.len()
                            }
                            (Ordering::Equal, true) => {}
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
                    self.stack.push(Frame::new(hold, self.path.len(), bounded));
                }
                MemNode::Branch { children, value } => {
                    let depth = frame.prefix;
                    let inside = frame.bounded && depth < self.bound.len();
                    if !frame.started {
                        frame.started = true;
                        if backwards {
                            // Children first (larger keys), then the value.
                            frame.value_pending = true;
                            frame.next = if inside {
                                Some(self.bound[depth])
                            } else if frame.bounded {
                                None // the value is the end key: children are beyond it
                            } else {
                                Some(15)
                            };
                        } else if inside {
                            frame.next = Some(self.bound[depth]);
                        } else {
                            frame.bounded = false;
                            frame.next = Some(0);
                            if let Some(v) = value {
                                let key = pack(&self.path).ok_or(TrieError::OddKey)?;
                                return Ok(Some((key, v.to_vec())));
                            }
                        }
                        continue;
                    }
                    let found = frame.next.and_then(|n| {
                        if backwards {
                            children.prev_from(n)
                        } else {
                            children.next_from(n)
                        }
                    });
                    let Some(i) = found else {
                        let value = (backwards && frame.value_pending)
                            .then_some(value.as_deref())
                            .flatten();
                        let value = value.map(<[u8]>::to_vec);
                        self.stack.pop();
                        if let Some(v) = value {
                            let key = pack(&self.path).ok_or(TrieError::OddKey)?;
                            return Ok(Some((key, v)));
                        }
                        continue;
                    };
                    let bounded = inside && self.bound[depth] == i;
                    frame.next = if backwards {
                        i.checked_sub(1)
                    } else {
                        Some(i + 1)
                    };
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
                    self.stack.push(Frame::new(hold, depth + 1, bounded));
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
