//! Unbounded structures in a session: each open structure is a trie over the
//! node store with its element count. A nested structure is opened through
//! its parent (its handle is the parent's element); a top-level one through
//! the storage trie (its handle at [`handle_key`]). Changes stay in the open
//! tries; [`sync`] writes them bottom-up — each child's new handle into its
//! parent — before a commit or before a structure's own entries are listed.
//! Formats: docs/FORMATS.md, "Structures".

use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet};

use primitive_types::H256;
use svm_format::structure::{
    Element, Handle, MEMBER_MARK, PathKey, Structure, Value, decode_child_handle, decode_list_leaf,
    decode_map_leaf, element_key, encode_list_leaf, encode_map_leaf, encode_set_leaf,
};
use svm_trie::{NodeSet, NodeStore, TrieMut};

use crate::StateError;

/// Where a structure is in a contract: a structure variable, and the keys
/// leading from it down to a nested structure (none for the variable's
/// own).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct StructurePath {
    /// The structure variable's index in the layout.
    pub variable: u32,
    /// The keys from the variable's structure to this one.
    pub keys: Vec<PathKey>,
}

impl StructurePath {
    /// The structure variable `variable` itself.
    pub fn variable(variable: u32) -> Self {
        StructurePath {
            variable,
            keys: Vec::new(),
        }
    }

    /// The nested structure at `key` of this one.
    pub fn child(&self, key: PathKey) -> Self {
        let mut keys = self.keys.clone();
        keys.push(key);
        StructurePath {
            variable: self.variable,
            keys,
        }
    }

    /// The structure holding this one, and this one's key in it.
    pub(crate) fn parent(&self) -> Option<(StructurePath, &PathKey)> {
        let (last, rest) = self.keys.split_last()?;
        Some((
            StructurePath {
                variable: self.variable,
                keys: rest.to_vec(),
            },
            last,
        ))
    }

    /// Whether `other` is this structure or lies inside it.
    pub(crate) fn contains(&self, other: &StructurePath) -> bool {
        self.variable == other.variable && other.keys.starts_with(&self.keys)
    }
}

/// A page of a structure's entries ([`crate::Session::entries`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EntryPage {
    /// Each entry's key (index, map key or member) and, for lists and maps
    /// of bytes, its value.
    pub entries: Vec<(PathKey, Option<Vec<u8>>)>,
    /// The trie key to continue from, if entries remain.
    pub next: Option<Vec<u8>>,
    /// How many nested structures were written into their parents first
    /// (changed since the last listing or commit), so the entries are
    /// current: work the VM prices.
    pub synced: usize,
}

/// An open structure: its trie with this session's changes, and its count.
pub(crate) struct Open<S> {
    pub(crate) kind: Structure,
    pub(crate) trie: TrieMut<S>,
    pub(crate) len: u64,
    /// Changed since opened or last synced.
    pub(crate) changed: bool,
    /// The last key turned into a trie key, and its trie key: an operation
    /// and its gas look-up hash a map key once.
    memo: Option<(PathKey, Vec<u8>)>,
}

impl<S> std::fmt::Debug for Open<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Open")
            .field("kind", &self.kind)
            .field("len", &self.len)
            .field("changed", &self.changed)
            .finish()
    }
}

impl<S: NodeStore + Clone> Open<S> {
    /// The structure of kind `kind` whose handle is `handle`.
    pub(crate) fn new(store: &S, kind: Structure, handle: Handle) -> Result<Self, StateError> {
        Ok(Open {
            kind,
            trie: TrieMut::open(store.clone(), H256(handle.root))?,
            len: handle.len,
            changed: false,
            memo: None,
        })
    }

    /// A fresh empty structure (what clearing leaves).
    pub(crate) fn empty(store: &S, kind: Structure) -> Self {
        Open {
            kind,
            trie: TrieMut::new(store.clone()),
            len: 0,
            changed: true,
            memo: None,
        }
    }

    /// The trie key of `key` here (remembered for the next call).
    pub(crate) fn key(&mut self, key: &PathKey) -> Result<Vec<u8>, StateError> {
        if let Some((k, t)) = &self.memo
            && k == key
        {
            return Ok(t.clone());
        }
        let trie_key = element_key(&self.kind, key)?;
        self.memo = Some((key.clone(), trie_key.clone()));
        Ok(trie_key)
    }

    /// The leaf at `trie_key`.
    pub(crate) fn leaf(&mut self, trie_key: &[u8]) -> Result<Option<Vec<u8>>, StateError> {
        Ok(self.trie.get(trie_key)?)
    }

    /// Sets (or, with `None`, removes) the leaf at `trie_key`.
    pub(crate) fn put(&mut self, trie_key: &[u8], leaf: Option<&[u8]>) -> Result<(), StateError> {
        match leaf {
            Some(l) => self.trie.insert(trie_key, l)?,
            None => self.trie.remove(trie_key)?,
        }
        self.changed = true;
        Ok(())
    }

    /// The handle of the structure as it stands (hashes what changed).
    pub(crate) fn commit(&mut self, nodes: &mut NodeSet) -> Result<Handle, StateError> {
        let commit = self.trie.commit()?;
        nodes.append(commit.nodes);
        self.changed = false;
        Ok(Handle {
            root: commit.root.0,
            len: self.len,
        })
    }
}

/// The element kind of a list or map, or an error for a set.
pub(crate) fn element_of(kind: &Structure) -> Result<&Element, StateError> {
    kind.element().ok_or(StateError::WrongStructure(
        "a set has members, not elements",
    ))
}

/// A nested structure's handle as its parent's leaf holds it.
pub(crate) fn child_handle(
    parent: &Structure,
    leaf: Option<&[u8]>,
) -> Result<(Structure, Handle), StateError> {
    let inner = parent.nested().ok_or(StateError::WrongStructure(
        "its elements are not structures",
    ))?;
    let handle = match leaf {
        None => Handle::EMPTY,
        Some(l) => decode_child_handle(parent, l)?,
    };
    Ok((inner.clone(), handle))
}

/// The leaf a parent of kind `parent` holds for a child with handle
/// `handle` at `key` (`None`: no leaf — a map holds no empty structure).
pub(crate) fn child_leaf(parent: &Structure, key: &PathKey, handle: Handle) -> Option<Vec<u8>> {
    match (parent, key) {
        (Structure::Map(_), PathKey::Key(k)) => {
            (!handle.is_empty()).then(|| encode_map_leaf(k, &Value::Handle(handle)))
        }
        _ => Some(encode_list_leaf(&Value::Handle(handle))),
    }
}

/// The leaf of a bytes element `value` at `key` of a list or map, or a set
/// member's leaf.
pub(crate) fn bytes_leaf(kind: &Structure, key: &PathKey, value: &[u8]) -> Vec<u8> {
    match (kind, key) {
        (Structure::Map(_), PathKey::Key(k)) => encode_map_leaf(k, &Value::Bytes(value.to_vec())),
        (Structure::Set, PathKey::Key(k)) => encode_set_leaf(k),
        (Structure::SortedSet, _) => MEMBER_MARK.to_vec(),
        _ => encode_list_leaf(&Value::Bytes(value.to_vec())),
    }
}

/// The bytes a leaf holds for a list or map of bytes.
pub(crate) fn leaf_bytes(kind: &Structure, leaf: &[u8]) -> Result<Vec<u8>, StateError> {
    let value = match kind {
        Structure::Map(e) => decode_map_leaf(leaf, e)?.1,
        Structure::List(e) => decode_list_leaf(leaf, e)?,
        _ => return Err(StateError::WrongStructure("a set has members, not values")),
    };
    match value {
        Value::Bytes(b) => Ok(b),
        Value::Handle(_) => Err(StateError::WrongStructure("its elements are structures")),
    }
}

/// `path` and the open structures inside it (they follow it in path
/// order, so this reads only them).
pub(crate) fn paths_within<S>(
    open: &BTreeMap<StructurePath, Open<S>>,
    path: &StructurePath,
) -> Vec<StructurePath> {
    open.range(path.clone()..)
        .take_while(|(p, _)| path.contains(p))
        .map(|(p, _)| p.clone())
        .collect()
}

/// Which open structures [`sync`] writes into their parents.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Scope<'a> {
    /// Every one, top-level handles returned for the storage trie.
    All,
    /// Those strictly inside a structure, which is left changed.
    Inside(&'a StructurePath),
    /// Every nested one; top-level structures are left changed.
    Nested,
}

/// Commits open structures bottom-up: the deepest first, each new handle
/// written into its parent (which must be open too); returns the
/// top-level handles that changed, by variable (for [`Scope::All`]), and
/// how many structures were written into their parents.
pub(crate) fn sync<S: NodeStore + Clone>(
    open: &mut BTreeMap<StructurePath, Open<S>>,
    scope: Scope<'_>,
    nodes: &mut NodeSet,
) -> Result<(Vec<(u32, Handle)>, usize), StateError> {
    // Deepest first, so a parent is synced after all its children; a set,
    // so a parent queued by many children is synced once.
    let inside = |p: &StructurePath| match scope {
        Scope::All => true,
        Scope::Inside(w) => w.contains(p) && p != w,
        Scope::Nested => !p.keys.is_empty(),
    };
    let changed: Vec<StructurePath> = match scope {
        // The structures inside `w` follow it in path order.
        Scope::Inside(w) => paths_within(open, w)
            .into_iter()
            .filter(|p| inside(p) && open.get(p).is_some_and(|o| o.changed))
            .collect(),
        Scope::All | Scope::Nested => open
            .iter()
            .filter(|(p, o)| o.changed && inside(p))
            .map(|(p, _)| p.clone())
            .collect(),
    };
    let mut queue: BTreeSet<(Reverse<usize>, StructurePath)> = changed
        .into_iter()
        .map(|p| (Reverse(p.keys.len()), p))
        .collect();
    let mut top = Vec::new();
    let mut written = 0;
    while let Some((_, path)) = queue.pop_first() {
        if !open.get(&path).is_some_and(|o| o.changed) {
            continue;
        }
        // A list element past the list's end (its push was reverted) is
        // gone: nothing of it is written.
        if let Some((parent_path, PathKey::Index(i))) = path.parent()
            && open
                .get(&parent_path)
                .is_some_and(|p| u64::from(*i) >= p.len)
        {
            for p in paths_within(open, &path) {
                open.remove(&p);
            }
            continue;
        }
        let Some(o) = open.get_mut(&path) else {
            continue;
        };
        let handle = o.commit(nodes)?;
        match path.parent() {
            None => top.push((path.variable, handle)),
            Some((parent_path, key)) => {
                let parent = open
                    .get_mut(&parent_path)
                    .ok_or(StateError::WrongStructure(
                        "a nested structure without its parent",
                    ))?;
                let trie_key = parent.key(key)?;
                let leaf = child_leaf(&parent.kind, key, handle);
                parent.put(&trie_key, leaf.as_deref())?;
                written += 1;
                // The parent changed: sync it in its turn.
                if inside(&parent_path) {
                    queue.insert((Reverse(parent_path.keys.len()), parent_path));
                }
            }
        }
    }
    Ok((top, written))
}
