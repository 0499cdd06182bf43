//! One contract's storage during a session: the page cache (pages as loaded
//! from its storage trie, each at most once) and the variable cache (variables
//! read or written, the written ones marked dirty). Dirty variables reach the
//! pages, and the pages the trie, only when the session commits.

use std::collections::HashMap;
use std::sync::Arc;

use primitive_types::H256;
use svm_trie::{Commit, NodeStore, TrieMut};

use crate::layout::{Layout, Placement};
use crate::page::{expand, page_key, trimmed};
use crate::{Address, StateError};

/// A variable's bytes in the variable cache.
#[derive(Clone, Debug)]
pub(crate) struct Cached {
    bytes: Box<[u8]>,
    dirty: bool,
}

/// A contract's caches over its storage trie.
#[derive(Debug)]
pub(crate) struct Contract<S> {
    address: Address,
    layout: Arc<Layout>,
    root: H256,
    trie: Option<TrieMut<S>>,
    pages: HashMap<u32, Box<[u8]>>,
    variables: HashMap<u32, Cached>,
    dirty: usize,
    page_loads: u64,
}

impl<S: NodeStore + Clone> Contract<S> {
    /// The caches of a contract whose storage trie has root `root`.
    pub(crate) fn new(address: Address, layout: Arc<Layout>, root: H256) -> Self {
        Contract {
            address,
            layout,
            root,
            trie: None,
            pages: HashMap::new(),
            variables: HashMap::new(),
            dirty: 0,
            page_loads: 0,
        }
    }

    /// The contract's layout.
    pub(crate) fn layout(&self) -> &Arc<Layout> {
        &self.layout
    }

    /// Whether a variable was written since the session began.
    pub(crate) fn is_dirty(&self) -> bool {
        self.dirty > 0
    }

    /// Pages read from the storage trie so far.
    pub(crate) fn page_loads(&self) -> u64 {
        self.page_loads
    }

    fn where_is(&self, index: u32) -> Result<Placement, StateError> {
        self.layout
            .placement(index as usize)
            .map_err(|source| StateError::NoSuchVariable {
                address: self.address,
                source,
            })
    }

    /// Loads page `index` into the page cache (once).
    fn load_page(&mut self, store: &S, index: u32) -> Result<(), StateError> {
        if self.pages.contains_key(&index) {
            return Ok(());
        }
        let trie = match &mut self.trie {
            Some(t) => t,
            None => self.trie.insert(TrieMut::open(store.clone(), self.root)?),
        };
        let stored = trie.get(&page_key(index))?;
        let page =
            expand(stored.as_deref(), self.layout.page_size() as usize).map_err(|source| {
                StateError::CorruptPage {
                    address: self.address,
                    index,
                    source,
                }
            })?;
        self.page_loads += 1;
        self.pages.insert(index, page.into_boxed_slice());
        Ok(())
    }

    /// The current bytes of variable `index`.
    pub(crate) fn variable(&mut self, store: &S, index: u32) -> Result<&[u8], StateError> {
        if !self.variables.contains_key(&index) {
            let s = self.where_is(index)?;
            let mut bytes = vec![0u8; s.len as usize];
            for (page, at, range) in s.pieces(self.layout.page_size()) {
                self.load_page(store, page)?;
                let p = &self.pages[&page];
                bytes[range.clone()].copy_from_slice(&p[at..at + range.len()]);
            }
            let cached = Cached {
                bytes: bytes.into_boxed_slice(),
                dirty: false,
            };
            self.variables.insert(index, cached);
        }
        Ok(&self.variables[&index].bytes)
    }

    /// Sets variable `index` to `bytes` (exactly its length) and returns the
    /// variable cache's previous entry, for undo.
    pub(crate) fn write(&mut self, index: u32, bytes: &[u8]) -> Result<Option<Cached>, StateError> {
        let s = self.where_is(index)?;
        if bytes.len() != s.len as usize {
            return Err(StateError::VariableLength {
                address: self.address,
                index,
                expected: s.len,
                got: bytes.len(),
            });
        }
        let new = Cached {
            bytes: bytes.into(),
            dirty: true,
        };
        self.dirty += 1;
        let prev = self.variables.insert(index, new);
        if prev.as_ref().is_some_and(|c| c.dirty) {
            self.dirty -= 1;
        }
        Ok(prev)
    }

    /// Puts back a variable cache entry that [`Contract::write`] replaced.
    pub(crate) fn restore(&mut self, index: u32, prev: Option<Cached>) {
        let now_dirty = prev.as_ref().is_some_and(|c| c.dirty);
        let replaced = match prev {
            Some(c) => self.variables.insert(index, c),
            None => self.variables.remove(&index),
        };
        if replaced.is_some_and(|c| c.dirty) {
            self.dirty -= 1;
        }
        if now_dirty {
            self.dirty += 1;
        }
    }

    /// Page `index` as it stands, with the dirty variables written into it.
    pub(crate) fn page(&mut self, store: &S, index: u32) -> Result<Vec<u8>, StateError> {
        if u64::from(index) >= self.layout.pages() {
            return Err(StateError::NoSuchPage {
                address: self.address,
                index,
                pages: self.layout.pages(),
            });
        }
        self.load_page(store, index)?;
        let mut page = self.pages[&index].to_vec();
        for (&var, c) in self.variables.iter().filter(|(_, c)| c.dirty) {
            let s = self.where_is(var)?;
            for (p, at, range) in s.pieces(self.layout.page_size()) {
                if p == index {
                    page[at..at + range.len()].copy_from_slice(&c.bytes[range]);
                }
            }
        }
        Ok(page)
    }

    /// Writes the dirty variables into their pages and the changed pages into the
    /// storage trie, and commits it: the new storage root and nodes.
    pub(crate) fn flush(&mut self, store: &S) -> Result<Commit, StateError> {
        let page_size = self.layout.page_size();
        let mut dirty = Vec::new();
        let mut touched = Vec::new();
        for (&var, c) in &self.variables {
            if c.dirty {
                let s = self.where_is(var)?;
                touched.extend(s.pieces(page_size).map(|(p, ..)| p));
                dirty.push((var, s));
            }
        }
        touched.sort_unstable();
        touched.dedup();
        for &p in &touched {
            self.load_page(store, p)?;
        }
        for (var, s) in dirty {
            let bytes = &self.variables[&var].bytes;
            for (p, at, range) in s.pieces(page_size) {
                if let Some(page) = self.pages.get_mut(&p) {
                    page[at..at + range.len()].copy_from_slice(&bytes[range]);
                }
            }
        }
        let updates: Vec<([u8; 4], &[u8])> = touched
            .iter()
            .map(|p| (page_key(*p), trimmed(&self.pages[p])))
            .collect();
        let trie = match &mut self.trie {
            Some(t) => t,
            None => self.trie.insert(TrieMut::open(store.clone(), self.root)?),
        };
        trie.apply(updates)?;
        let commit = trie.commit()?;
        for c in self.variables.values_mut() {
            c.dirty = false;
        }
        self.dirty = 0;
        self.root = commit.root;
        Ok(commit)
    }
}
