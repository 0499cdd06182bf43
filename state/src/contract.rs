//! One contract's storage during a session: the page cache (pages as loaded
//! from its storage trie, each at most once) and the variable cache (variables
//! read or written, the written ones marked dirty). Dirty variables reach the
//! pages, and the pages the trie, only when the session commits.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use primitive_types::H256;
use svm_format::structure::{Handle, handle_key};
use svm_trie::{Commit, NodeSet, NodeStore, TrieMut};

use crate::layout::{Layout, Placement};
use crate::page::{expand, page_key, trimmed};
use crate::structures::{Open, Scope, StructurePath, child_handle, sync};
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
    /// Structures opened in this session, by path.
    pub(crate) structures: BTreeMap<StructurePath, Open<S>>,
    /// Nodes hashed while syncing structures before the commit.
    pub(crate) pending_nodes: NodeSet,
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
            structures: BTreeMap::new(),
            pending_nodes: NodeSet::new(),
        }
    }

    /// The contract's layout.
    pub(crate) fn layout(&self) -> &Arc<Layout> {
        &self.layout
    }

    /// Whether a variable or a structure was written since the session began.
    pub(crate) fn is_dirty(&self) -> bool {
        self.dirty > 0 || self.structures.values().any(|o| o.changed)
    }

    /// The storage trie, opened at the contract's root on first use.
    fn storage(&mut self, store: &S) -> Result<&mut TrieMut<S>, StateError> {
        if self.trie.is_none() {
            self.trie = Some(TrieMut::open(store.clone(), self.root)?);
        }
        self.trie.as_mut().ok_or(StateError::CorruptStructure(
            "the storage trie went missing",
        ))
    }

    /// Writes the changes of the structures open inside `path` into it
    /// (their new handles, bottom-up), so its own entries are current; the
    /// nodes this hashes are kept for the commit.
    pub(crate) fn sync_within(&mut self, path: &StructurePath) -> Result<usize, StateError> {
        Ok(sync(
            &mut self.structures,
            Scope::Inside(path),
            &mut self.pending_nodes,
        )?
        .1)
    }

    /// Writes every changed nested structure into its parent, bottom-up
    /// (top-level structures stay changed for the commit).
    pub(crate) fn sync_nested(&mut self) -> Result<usize, StateError> {
        Ok(sync(&mut self.structures, Scope::Nested, &mut self.pending_nodes)?.1)
    }

    /// The structure at `path`, opened (with its parents) on first use.
    pub(crate) fn structure(
        &mut self,
        store: &S,
        path: &StructurePath,
    ) -> Result<&mut Open<S>, StateError> {
        if !self.structures.contains_key(path) {
            // No layout nests deeper; this also bounds the recursion below.
            if path.keys.len() >= svm_format::structure::MAX_DEPTH {
                return Err(StateError::WrongStructure(
                    "a path deeper than structures nest",
                ));
            }
            let opened = match path.parent() {
                None => {
                    let kind = self
                        .layout
                        .structure(path.variable as usize)
                        .map_err(|source| StateError::NoSuchVariable {
                            address: self.address,
                            source,
                        })?
                        .clone();
                    let leaf = self.storage(store)?.get(&handle_key(path.variable))?;
                    let handle = match leaf {
                        None => Handle::EMPTY,
                        Some(l) => Handle::decode_stored(&l)?,
                    };
                    Open::new(store, kind, handle)?
                }
                Some((parent_path, key)) => {
                    let parent = self.structure(store, &parent_path)?;
                    if let (
                        svm_format::structure::Structure::List(_),
                        svm_format::structure::PathKey::Index(i),
                    ) = (&parent.kind, key)
                        && u64::from(*i) >= parent.len
                    {
                        return Err(StateError::IndexOutOfRange {
                            index: u64::from(*i),
                            len: parent.len,
                        });
                    }
                    let trie_key = parent.key(key)?;
                    let leaf = parent.leaf(&trie_key)?;
                    let (kind, handle) = child_handle(&parent.kind, leaf.as_deref())?;
                    Open::new(store, kind, handle)?
                }
            };
            self.structures.insert(path.clone(), opened);
        }
        self.structures
            .get_mut(path)
            .ok_or(StateError::CorruptStructure(
                "an open structure went missing",
            ))
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
        let mut structure_nodes = std::mem::take(&mut self.pending_nodes);
        let (handles, _) = sync(&mut self.structures, Scope::All, &mut structure_nodes)?;
        let handles: Vec<([u8; 5], Vec<u8>)> = handles
            .into_iter()
            .map(|(var, h)| {
                // An empty structure has no leaf (the empty value deletes).
                let leaf = if h.is_empty() { Vec::new() } else { h.encode() };
                (handle_key(var), leaf)
            })
            .collect();
        let updates: Vec<(Vec<u8>, &[u8])> = touched
            .iter()
            .map(|p| (page_key(*p).to_vec(), trimmed(&self.pages[p])))
            .chain(handles.iter().map(|(k, v)| (k.to_vec(), v.as_slice())))
            .collect();
        if self.trie.is_none() {
            self.trie = Some(TrieMut::open(store.clone(), self.root)?);
        }
        let trie = self.trie.as_mut().ok_or(StateError::CorruptStructure(
            "the storage trie went missing",
        ))?;
        trie.apply(updates)?;
        let mut commit = trie.commit()?;
        commit.nodes.append(structure_nodes);
        for c in self.variables.values_mut() {
            c.dirty = false;
        }
        self.dirty = 0;
        self.root = commit.root;
        Ok(commit)
    }
}
