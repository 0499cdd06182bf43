//! Typed walks over the forest of tries a state root reaches: the world
//! trie, each contract's storage trie, each structure's trie (and receipts
//! tries, which refer to nothing). A node's *occurrence* is the node at one
//! place: its hash, the kind of trie it is in (which decides what its leaves
//! refer to) and its nibble path in that trie. The reference counts count
//! occurrences (see [`super`]).

use std::sync::Arc;

use primitive_types::H256;
use svm_format::structure::{HANDLE_KEY_PREFIX, Handle, Structure, decode_child_handle};
use svm_trie::{ChildView, NodeView, decode_node};

use crate::layout::Layout;
use crate::{Account, StateError};

/// What the leaves of a trie refer to.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Kind {
    /// The world trie: accounts, each with its storage trie.
    World,
    /// The storage trie of a contract with this code hash: pages, and the
    /// handles of structure variables (at keys `0x01 ‖ variable`).
    Storage(H256),
    /// A structure's trie: elements, which are handles if nested.
    Structure(Structure),
    /// A trie whose leaves refer to nothing (a block's receipts).
    Plain,
}

impl Kind {
    /// Appends the kind's encoding: `0x00` world, `0x01 ‖ code hash`
    /// storage, `0x02 ‖ length (u16 BE) ‖ descriptor` structure, `0x03`
    /// plain.
    pub(crate) fn encode(&self, out: &mut Vec<u8>) {
        match self {
            Kind::World => out.push(0),
            Kind::Storage(code) => {
                out.push(1);
                out.extend_from_slice(code.as_bytes());
            }
            Kind::Structure(s) => {
                out.push(2);
                let mut d = Vec::new();
                s.encode(&mut d);
                out.extend_from_slice(&(d.len() as u16).to_be_bytes());
                out.extend_from_slice(&d);
            }
            Kind::Plain => out.push(3),
        }
    }

    /// Reads a kind written by [`Kind::encode`] from the front of `bytes`.
    pub(crate) fn decode(bytes: &mut &[u8]) -> Option<Kind> {
        let (&tag, rest) = bytes.split_first()?;
        *bytes = rest;
        match tag {
            0 => Some(Kind::World),
            1 => Some(Kind::Storage(H256(take::<32>(bytes)?))),
            2 => {
                let len = u16::from_be_bytes(take::<2>(bytes)?) as usize;
                let mut d = bytes.get(..len)?;
                *bytes = &bytes[len..];
                let s = Structure::decode(&mut d).ok()?;
                d.is_empty().then_some(Kind::Structure(s))
            }
            3 => Some(Kind::Plain),
            _ => None,
        }
    }
}

/// `N` bytes from the front of `bytes`.
pub(crate) fn take<const N: usize>(bytes: &mut &[u8]) -> Option<[u8; N]> {
    let head: [u8; N] = bytes.get(..N)?.try_into().ok()?;
    *bytes = &bytes[N..];
    Some(head)
}

/// The longest nibble path a state trie has: sorted-set members of 64
/// bytes (world and map keys are 32 bytes, list keys 4, storage keys 5).
pub(crate) const MAX_PATH: usize = 128;

/// A nibble path in a trie, held inline (no allocation per occurrence).
#[derive(Clone, Copy)]
pub(crate) struct Path {
    len: u8,
    nibbles: [u8; MAX_PATH],
}

impl Path {
    pub(crate) const EMPTY: Path = Path {
        len: 0,
        nibbles: [0; MAX_PATH],
    };

    pub(crate) fn as_slice(&self) -> &[u8] {
        &self.nibbles[..usize::from(self.len)]
    }

    /// This path followed by `more`; `None` past [`MAX_PATH`].
    fn join(&self, more: impl Iterator<Item = u8>) -> Option<Path> {
        let mut p = *self;
        for n in more {
            *p.nibbles.get_mut(usize::from(p.len))? = n;
            p.len += 1;
        }
        Some(p)
    }

    fn from_slice(nibbles: &[u8]) -> Option<Path> {
        Path::EMPTY.join(nibbles.iter().copied())
    }
}

impl PartialEq for Path {
    fn eq(&self, other: &Self) -> bool {
        self.as_slice() == other.as_slice()
    }
}

impl Eq for Path {}

impl std::fmt::Debug for Path {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?}", self.as_slice())
    }
}

/// The kinds met in one walk, numbered, so an occurrence carries a number.
#[derive(Default)]
pub(crate) struct Kinds {
    list: Vec<Kind>,
    ids: std::collections::HashMap<Kind, u32>,
}

impl Kinds {
    /// The number of `kind`.
    pub(crate) fn id(&mut self, kind: Kind) -> u32 {
        if let Some(id) = self.ids.get(&kind) {
            return *id;
        }
        let id = self.list.len() as u32;
        self.list.push(kind.clone());
        self.ids.insert(kind, id);
        id
    }

    /// The kind numbered `id`.
    pub(crate) fn get(&self, id: u32) -> &Kind {
        &self.list[id as usize]
    }

    /// Appends `occ`'s encoding: hash, kind, path length (u16 BE), nibbles.
    pub(crate) fn encode(&self, occ: &Occ, out: &mut Vec<u8>) {
        out.extend_from_slice(occ.hash.as_bytes());
        self.get(occ.kind).encode(out);
        let path = occ.path.as_slice();
        out.extend_from_slice(&(path.len() as u16).to_be_bytes());
        out.extend_from_slice(path);
    }

    /// Reads an occurrence written by [`Kinds::encode`].
    pub(crate) fn decode(&mut self, bytes: &mut &[u8]) -> Option<Occ> {
        let hash = H256(take::<32>(bytes)?);
        let kind = Kind::decode(bytes)?;
        let len = u16::from_be_bytes(take::<2>(bytes)?) as usize;
        let path = Path::from_slice(bytes.get(..len)?)?;
        *bytes = &bytes[len..];
        Some(Occ {
            hash,
            kind: self.id(kind),
            path,
        })
    }
}

/// One occurrence of a node: its hash, its trie's kind (numbered by a
/// [`Kinds`]), its nibble path in that trie. Two occurrences with equal
/// fields have equal subtrees and refer to the same tries below.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Occ {
    pub(crate) hash: H256,
    pub(crate) kind: u32,
    pub(crate) path: Path,
}

/// Occurrences hash by their node's hash alone (already uniform); equality
/// compares everything.
impl std::hash::Hash for Occ {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        state.write_u64(u64::from_le_bytes(
            self.hash.0[..8].try_into().unwrap_or_default(),
        ));
    }
}

impl Occ {
    /// The root of a trie of kind number `kind`.
    pub(crate) fn root(hash: H256, kind: u32) -> Self {
        Occ {
            hash,
            kind,
            path: Path::EMPTY,
        }
    }
}

/// A node below an occurrence.
pub(crate) enum Child {
    /// A child in the same trie.
    Node(Occ),
    /// The root of another trie, which a leaf at trie key `key` refers to.
    Trie {
        /// The root's occurrence (an empty path, the referred trie's kind).
        occ: Occ,
        /// The key of the leaf referring to it.
        key: Vec<u8>,
    },
}

impl Child {
    /// The occurrence, wherever it is.
    pub(crate) fn occ(self) -> Occ {
        match self {
            Child::Node(o) | Child::Trie { occ: o, .. } => o,
        }
    }
}

/// Finds the layouts of contracts' storage tries.
pub(crate) trait Layouts {
    /// The layout the code with hash `code` declares.
    fn layout(&self, code: &H256) -> Result<Arc<Layout>, StateError>;
}

fn corrupt(hash: &H256, reason: impl ToString) -> StateError {
    StateError::CorruptNode {
        hash: *hash,
        reason: reason.to_string(),
    }
}

/// The hashed children of node `bytes` at `occ`, in its trie and (through
/// its leaves) in other tries. Inline children are skipped: an encoding
/// under 32 bytes holds no hash and no handle, so nothing below it is
/// stored.
pub(crate) fn children(
    layouts: &impl Layouts,
    kinds: &mut Kinds,
    occ: &Occ,
    bytes: &[u8],
    out: &mut Vec<Child>,
) -> Result<(), StateError> {
    let node = decode_node(bytes).map_err(|e| corrupt(&occ.hash, e))?;
    let too_deep = || corrupt(&occ.hash, "a key longer than any in the state");
    match node {
        NodeView::Leaf { path, value } => {
            let full = occ
                .path
                .join((0..path.len()).map(|i| path.at(i)))
                .ok_or_else(too_deep)?;
            leaf(layouts, kinds, occ, full.as_slice(), value, out)?;
        }
        NodeView::Extension { path, child } => {
            if let ChildView::Hash(h) = child {
                let full = occ
                    .path
                    .join((0..path.len()).map(|i| path.at(i)))
                    .ok_or_else(too_deep)?;
                out.push(Child::Node(Occ {
                    hash: H256(h),
                    kind: occ.kind,
                    path: full,
                }));
            }
        }
        NodeView::Branch { children, value } => {
            if let Some(v) = value {
                leaf(layouts, kinds, occ, occ.path.as_slice(), v, out)?;
            }
            for (i, child) in children.iter().enumerate() {
                if let ChildView::Hash(h) = child {
                    out.push(Child::Node(Occ {
                        hash: H256(*h),
                        kind: occ.kind,
                        path: occ
                            .path
                            .join(std::iter::once(i as u8))
                            .ok_or_else(too_deep)?,
                    }));
                }
            }
        }
    }
    Ok(())
}

/// The trie a leaf (key `nibbles`, `value`) of `occ`'s trie refers to, if
/// any.
fn leaf(
    layouts: &impl Layouts,
    kinds: &mut Kinds,
    occ: &Occ,
    nibbles: &[u8],
    value: &[u8],
    out: &mut Vec<Child>,
) -> Result<(), StateError> {
    let referred = match kinds.get(occ.kind) {
        Kind::Plain => None,
        Kind::World => {
            let account = Account::decode(value).map_err(|e| corrupt(&occ.hash, e))?;
            (account.storage_root != svm_trie::EMPTY_ROOT)
                .then_some((account.storage_root, Kind::Storage(account.code_hash)))
        }
        Kind::Storage(code) => {
            let key = match nibbles.len() {
                10 => key_bytes(&occ.hash, nibbles)?,
                _ => Vec::new(),
            };
            match key[..] {
                [HANDLE_KEY_PREFIX, a, b, c, d] => {
                    let variable = u32::from_be_bytes([a, b, c, d]);
                    let layout = layouts.layout(code)?;
                    let kind = layout
                        .structure(variable as usize)
                        .map_err(|e| corrupt(&occ.hash, e))?
                        .clone();
                    let handle = Handle::decode_stored(value).map_err(|e| corrupt(&occ.hash, e))?;
                    (!handle.is_empty()).then_some((H256(handle.root), Kind::Structure(kind)))
                }
                _ => None,
            }
        }
        Kind::Structure(s) => match s.nested() {
            None => None,
            Some(inner) => {
                let handle = decode_child_handle(s, value).map_err(|e| corrupt(&occ.hash, e))?;
                (!handle.is_empty()).then(|| (H256(handle.root), Kind::Structure(inner.clone())))
            }
        },
    };
    if let Some((root, kind)) = referred {
        out.push(Child::Trie {
            occ: Occ::root(root, kinds.id(kind)),
            key: key_bytes(&occ.hash, nibbles)?,
        });
    }
    Ok(())
}

fn key_bytes(hash: &H256, nibbles: &[u8]) -> Result<Vec<u8>, StateError> {
    if !nibbles.len().is_multiple_of(2) {
        return Err(corrupt(hash, "a leaf's key has an odd number of nibbles"));
    }
    Ok(nibbles.chunks(2).map(|p| (p[0] << 4) | p[1]).collect())
}
