//! A session's operations on unbounded structures: read, write, push, pop,
//! insert, remove, clear and ordered queries, each undone exactly by a
//! checkpoint's revert.

use svm_format::structure::{MAX_LIST_LEN, MAX_VALUE_BYTES, PathKey, Structure, StructureError};

use super::{Session, SharedRef, Undo};
use crate::kv::KvStore;
use crate::structures::{
    EntryPage, Open, StructurePath, bytes_leaf, element_of, leaf_bytes, paths_within,
};
use crate::{Address, StateError};

/// A structure's change of element count, and the previous counts of the
/// maps holding it whose counts followed (a structure that became empty,
/// or stopped being so, inside a map; and so on up while each such map did
/// too).
struct LenChange {
    prev_len: u64,
    parent_len: Vec<(StructurePath, u64)>,
}

impl<K: KvStore> Session<K> {
    fn open_structure(
        &mut self,
        address: &Address,
        path: &StructurePath,
    ) -> Result<&mut Open<SharedRef<K>>, StateError> {
        let store = self.shared.clone();
        self.contract(address)?.structure(&store, path)
    }

    /// Sets the count of the structure at `path` to `len`; in a map parent
    /// an empty structure has no entry, so the parent's count follows, and
    /// the grandparent's when the parent became empty or stopped being so,
    /// and so on up.
    fn set_len(
        &mut self,
        address: &Address,
        path: &StructurePath,
        len: u64,
    ) -> Result<LenChange, StateError> {
        let prev_len = self.open_structure(address, path)?.len;
        // Every count that changes, worked out before any changes (a
        // stored count below its entries is a corrupt database, not a
        // reason to panic, and leaves everything as it was).
        let mut planned = Vec::new();
        if (prev_len == 0) != (len == 0) {
            let mut child = path.clone();
            let mut emptied = len == 0;
            while let Some((parent_path, _)) = child.parent() {
                let parent = self.open_structure(address, &parent_path)?;
                if !matches!(parent.kind, Structure::Map(_)) {
                    break;
                }
                let prev = parent.len;
                let next = if emptied {
                    prev.checked_sub(1).ok_or(StateError::CorruptStructure(
                        "a map's count is below its entries",
                    ))?
                } else {
                    prev + 1
                };
                planned.push((parent_path.clone(), prev, next));
                if (prev == 0) == (next == 0) {
                    break;
                }
                emptied = next == 0;
                child = parent_path;
            }
        }
        let mut parent_len = Vec::with_capacity(planned.len());
        for (parent_path, prev, next) in planned {
            let parent = self.open_structure(address, &parent_path)?;
            parent.len = next;
            parent.changed = true;
            parent_len.push((parent_path, prev));
        }
        self.open_structure(address, path)?.len = len;
        Ok(LenChange {
            prev_len,
            parent_len,
        })
    }

    /// Writes (or removes) the leaf of `key` in the structure at `path`,
    /// whose count becomes `len`, and records how to undo it.
    fn write_leaf(
        &mut self,
        address: &Address,
        path: &StructurePath,
        key: &PathKey,
        leaf: Option<&[u8]>,
        len: u64,
    ) -> Result<(), StateError> {
        self.write_leaf_over(address, path, key, None, leaf, len)
    }

    /// [`Self::write_leaf`] for a caller that has read the leaf there
    /// already (`known`).
    fn write_leaf_over(
        &mut self,
        address: &Address,
        path: &StructurePath,
        key: &PathKey,
        known: Option<Option<Vec<u8>>>,
        leaf: Option<&[u8]>,
        len: u64,
    ) -> Result<(), StateError> {
        let open = self.open_structure(address, path)?;
        let trie_key = open.key(key)?;
        let prev = match known {
            Some(prev) => prev,
            None => open.leaf(&trie_key)?,
        };
        open.put(&trie_key, leaf)?;
        let change = self.set_len(address, path, len)?;
        self.unsynced.insert(*address);
        self.record(Undo::Element {
            address: *address,
            path: path.clone(),
            key: trie_key,
            prev,
            prev_len: change.prev_len,
            parent_len: change.parent_len,
        });
        Ok(())
    }

    /// How many elements (entries, members) the structure at `path` holds.
    pub fn structure_len(
        &mut self,
        address: &Address,
        path: &StructurePath,
    ) -> Result<u64, StateError> {
        Ok(self.open_structure(address, path)?.len)
    }

    /// The bytes of element `key` of the list or map at `path` (`None`: no
    /// such element).
    pub fn element(
        &mut self,
        address: &Address,
        path: &StructurePath,
        key: &PathKey,
    ) -> Result<Option<Vec<u8>>, StateError> {
        let open = self.open_structure(address, path)?;
        element_of(&open.kind)?;
        let trie_key = open.key(key)?;
        match open.leaf(&trie_key)? {
            None => Ok(None),
            Some(leaf) => Ok(Some(leaf_bytes(&open.kind, &leaf)?)),
        }
    }

    /// Sets element `key` of the list (an index below its length) or map at
    /// `path` to `value`.
    pub fn set_element(
        &mut self,
        address: &Address,
        path: &StructurePath,
        key: &PathKey,
        value: &[u8],
    ) -> Result<(), StateError> {
        self.writable()?;
        check_value(value)?;
        let open = self.open_structure(address, path)?;
        let element = element_of(&open.kind)?;
        if !matches!(element, svm_format::structure::Element::Bytes) {
            return Err(StateError::WrongStructure("its elements are structures"));
        }
        let len = open.len;
        if let (Structure::List(_), PathKey::Index(i)) = (&open.kind, key)
            && u64::from(*i) >= len
        {
            return Err(StateError::IndexOutOfRange {
                index: u64::from(*i),
                len,
            });
        }
        let trie_key = open.key(key)?;
        let prev = open.leaf(&trie_key)?;
        let new_len = match open.kind {
            Structure::List(_) => len,
            _ => len + u64::from(prev.is_none()),
        };
        let leaf = bytes_leaf(&open.kind, key, value);
        self.write_leaf_over(address, path, key, Some(prev), Some(&leaf), new_len)
    }

    /// Appends `value` to the list of bytes at `path`; returns its index.
    pub fn push(
        &mut self,
        address: &Address,
        path: &StructurePath,
        value: &[u8],
    ) -> Result<u64, StateError> {
        self.writable()?;
        check_value(value)?;
        let open = self.open_structure(address, path)?;
        let (Structure::List(svm_format::structure::Element::Bytes), len) = (&open.kind, open.len)
        else {
            return Err(StateError::WrongStructure("push needs a list of bytes"));
        };
        let index = list_index(len)?;
        let leaf = bytes_leaf(&open.kind, &PathKey::Index(index), value);
        self.write_leaf(address, path, &PathKey::Index(index), Some(&leaf), len + 1)?;
        Ok(len)
    }

    /// Appends an empty structure to the list of structures at `path`;
    /// returns its index.
    pub fn push_structure(
        &mut self,
        address: &Address,
        path: &StructurePath,
    ) -> Result<u64, StateError> {
        self.writable()?;
        let open = self.open_structure(address, path)?;
        let (Structure::List(_), Some(_), len) = (&open.kind, open.kind.nested(), open.len) else {
            return Err(StateError::WrongStructure(
                "push_structure needs a list of structures",
            ));
        };
        let index = list_index(len)?;
        let leaf = crate::structures::child_leaf(
            &open.kind,
            &PathKey::Index(index),
            svm_format::structure::Handle::EMPTY,
        );
        self.write_leaf(
            address,
            path,
            &PathKey::Index(index),
            leaf.as_deref(),
            len + 1,
        )?;
        Ok(len)
    }

    /// Removes the last element of the list at `path` (clearing it first if
    /// it is a structure); `false` if the list is empty.
    pub fn pop(&mut self, address: &Address, path: &StructurePath) -> Result<bool, StateError> {
        self.writable()?;
        let open = self.open_structure(address, path)?;
        if !matches!(open.kind, Structure::List(_)) {
            return Err(StateError::WrongStructure("pop needs a list"));
        }
        let nested = open.kind.nested().is_some();
        let len = open.len;
        if len == 0 {
            return Ok(false);
        }
        let last = PathKey::Index((len - 1) as u32);
        if nested {
            // The element goes: no empty structure is left in its place.
            self.drop_structure(address, &path.child(last.clone()), false)?;
        }
        self.write_leaf(address, path, &last, None, len - 1)?;
        Ok(true)
    }

    /// Removes entry `key` of the map at `path` (clearing it first if it is
    /// a structure); `false` if there was none.
    pub fn remove(
        &mut self,
        address: &Address,
        path: &StructurePath,
        key: &[u8],
    ) -> Result<bool, StateError> {
        self.writable()?;
        let open = self.open_structure(address, path)?;
        if matches!(open.kind, Structure::List(_)) {
            return Err(StateError::WrongStructure("remove needs a map or a set"));
        }
        let nested = open.kind.nested().is_some();
        let key = PathKey::Key(key.to_vec());
        if nested {
            // The entry exists exactly while the nested structure is not empty.
            let child = path.child(key);
            let present = self.open_structure(address, &child)?.len > 0;
            self.drop_structure(address, &child, true)?;
            return Ok(present);
        }
        let open = self.open_structure(address, path)?;
        let trie_key = open.key(&key)?;
        let Some(prev) = open.leaf(&trie_key)? else {
            return Ok(false);
        };
        let len = open.len.checked_sub(1).ok_or(StateError::CorruptStructure(
            "a structure's count is below its entries",
        ))?;
        self.write_leaf_over(address, path, &key, Some(Some(prev)), None, len)?;
        Ok(true)
    }

    /// Adds `member` to the set or sorted set at `path`; `false` if it was
    /// there already.
    pub fn insert(
        &mut self,
        address: &Address,
        path: &StructurePath,
        member: &[u8],
    ) -> Result<bool, StateError> {
        self.writable()?;
        let open = self.open_structure(address, path)?;
        if !matches!(open.kind, Structure::Set | Structure::SortedSet) {
            return Err(StateError::WrongStructure("insert needs a set"));
        }
        let key = PathKey::Key(member.to_vec());
        let trie_key = open.key(&key)?;
        if open.leaf(&trie_key)?.is_some() {
            return Ok(false);
        }
        let len = open.len + 1;
        let leaf = bytes_leaf(&open.kind, &key, &[]);
        self.write_leaf_over(address, path, &key, Some(None), Some(&leaf), len)?;
        Ok(true)
    }

    /// Whether the set or sorted set at `path` holds `member` (or the map
    /// at `path` an entry for it).
    pub fn contains(
        &mut self,
        address: &Address,
        path: &StructurePath,
        member: &[u8],
    ) -> Result<bool, StateError> {
        let open = self.open_structure(address, path)?;
        if matches!(open.kind, Structure::List(_)) {
            return Err(StateError::WrongStructure(
                "a list has indices, not members",
            ));
        }
        if open.kind.nested().is_some() {
            let child = path.child(PathKey::Key(member.to_vec()));
            return Ok(self.open_structure(address, &child)?.len > 0);
        }
        let trie_key = open.key(&PathKey::Key(member.to_vec()))?;
        Ok(open.leaf(&trie_key)?.is_some())
    }

    /// Empties the structure at `path` in O(1): a fresh empty structure
    /// replaces it (its nodes are left to pruning).
    pub fn clear(&mut self, address: &Address, path: &StructurePath) -> Result<(), StateError> {
        self.writable()?;
        self.drop_structure(address, path, true)
    }

    /// Empties the structure at `path` and forgets what is open inside it;
    /// with `keep`, a fresh empty structure stands in its place.
    fn drop_structure(
        &mut self,
        address: &Address,
        path: &StructurePath,
        keep: bool,
    ) -> Result<(), StateError> {
        let store = self.shared.clone();
        let kind = self.open_structure(address, path)?.kind.clone();
        let change = self.set_len(address, path, 0)?;
        let contract = self.contract(address)?;
        let inside = paths_within(&contract.structures, path);
        let mut removed = Vec::with_capacity(inside.len());
        for p in inside {
            if let Some(mut o) = contract.structures.remove(&p) {
                if p == *path {
                    o.len = change.prev_len;
                }
                removed.push((p, o));
            }
        }
        if keep {
            contract
                .structures
                .insert(path.clone(), Open::empty(&store, kind));
        }
        self.unsynced.insert(*address);
        self.record(Undo::Replaced {
            address: *address,
            path: path.clone(),
            removed,
            parent_len: change.parent_len,
        });
        Ok(())
    }

    /// Up to `limit` entries of the structure at `path`, in its trie's
    /// order (lists by index, maps and sets by key hash, sorted sets by
    /// member), from trie key `from` on, and the trie key to continue from.
    /// Structures open
    /// inside `path` are written into it first, so their entries are
    /// current.
    pub fn entries(
        &mut self,
        address: &Address,
        path: &StructurePath,
        from: &[u8],
        limit: usize,
    ) -> Result<EntryPage, StateError> {
        let store = self.shared.clone();
        let contract = self.contract(address)?;
        contract.structure(&store, path)?;
        let synced = contract.sync_within(path)?;
        let open = contract.structure(&store, path)?;
        let mut out = Vec::new();
        let mut next = None;
        for entry in open.trie.iter_from(from) {
            let (key, leaf) = entry?;
            if out.len() == limit {
                next = Some(key);
                break;
            }
            out.push(decode_entry(&open.kind, &key, &leaf)?);
        }
        Ok(EntryPage {
            entries: out,
            next,
            synced,
        })
    }

    /// [`Self::structure_path_nodes`] for element `key` (a map key, member
    /// or index) of the structure at `path`.
    pub fn element_path_nodes(
        &mut self,
        address: &Address,
        path: &StructurePath,
        key: &PathKey,
    ) -> Result<u32, StateError> {
        let open = self.open_structure(address, path)?;
        let trie_key = open.key(key)?;
        Ok(open.trie.path_nodes(&trie_key)?)
    }

    /// Writes every nested structure changed since the last call into its
    /// parent, bottom-up, in every contract; returns how many were written.
    /// The VM calls it after every transaction, so what a transaction's
    /// look-ups pass through (and so its gas) depends only on the state
    /// and on the transaction, never on how many transactions a session
    /// held before it.
    pub fn sync_structures(&mut self) -> Result<usize, StateError> {
        let mut written = 0;
        while let Some(address) = self.unsynced.pop_first() {
            if let Some(c) = self.contracts.get_mut(&address) {
                written += c.sync_nested()?;
            }
        }
        Ok(written)
    }

    /// How many trie nodes a look-up of trie key `trie_key` passes through
    /// in the structure at `path` (see `TrieMut::path_nodes`): it depends
    /// only on the structure's entries, never on what is cached, so gas can
    /// price it.
    pub fn structure_path_nodes(
        &mut self,
        address: &Address,
        path: &StructurePath,
        trie_key: &[u8],
    ) -> Result<u32, StateError> {
        Ok(self
            .open_structure(address, path)?
            .trie
            .path_nodes(trie_key)?)
    }

    /// The first member `>= from` of the sorted set at `path`.
    pub fn next_member(
        &mut self,
        address: &Address,
        path: &StructurePath,
        from: &[u8],
    ) -> Result<Option<Vec<u8>>, StateError> {
        let open = self.sorted(address, path)?;
        Ok(open
            .trie
            .iter_from(from)
            .next()
            .transpose()?
            .map(|(k, _)| k))
    }

    /// The last member `<= to` of the sorted set at `path` (the last of all
    /// for `None`).
    pub fn prev_member(
        &mut self,
        address: &Address,
        path: &StructurePath,
        to: Option<&[u8]>,
    ) -> Result<Option<Vec<u8>>, StateError> {
        let open = self.sorted(address, path)?;
        Ok(open
            .trie
            .iter_back_from(to)
            .next()
            .transpose()?
            .map(|(k, _)| k))
    }

    fn sorted(
        &mut self,
        address: &Address,
        path: &StructurePath,
    ) -> Result<&mut Open<SharedRef<K>>, StateError> {
        let open = self.open_structure(address, path)?;
        if !matches!(open.kind, Structure::SortedSet) {
            return Err(StateError::WrongStructure(
                "ordered queries need a sorted set",
            ));
        }
        Ok(open)
    }

    /// Undoes a structure change (for [`Session::revert_checkpoint`]).
    pub(super) fn undo_structure(&mut self, undo: Undo<SharedRef<K>>) {
        if let Undo::Element { address, .. } | Undo::Replaced { address, .. } = &undo {
            self.unsynced.insert(*address);
        }
        match undo {
            Undo::Element {
                address,
                path,
                key,
                prev,
                prev_len,
                parent_len,
            } => {
                let Some(c) = self.contracts.get_mut(&address) else {
                    return;
                };
                if let Some(o) = c.structures.get_mut(&path) {
                    // The trie held `prev` before: restoring it cannot miss a node.
                    let _ = o.put(&key, prev.as_deref());
                    o.len = prev_len;
                    if matches!(o.kind, Structure::List(_)) {
                        // Elements opened past the restored end are gone.
                        let depth = path.keys.len();
                        for p in paths_within(&c.structures, &path) {
                            if matches!(p.keys.get(depth),
                                Some(PathKey::Index(i)) if u64::from(*i) >= prev_len)
                            {
                                c.structures.remove(&p);
                            }
                        }
                    }
                }
                for (p, len) in parent_len {
                    if let Some(o) = c.structures.get_mut(&p) {
                        o.len = len;
                    }
                }
            }
            Undo::Replaced {
                address,
                path,
                removed,
                parent_len,
            } => {
                let Some(c) = self.contracts.get_mut(&address) else {
                    return;
                };
                for p in paths_within(&c.structures, &path) {
                    c.structures.remove(&p);
                }
                for (p, mut o) in removed {
                    // Restored as it was, but marked so the commit writes its
                    // handle again over what a sync may have left.
                    o.changed = true;
                    c.structures.insert(p, o);
                }
                for (p, len) in parent_len {
                    if let Some(o) = c.structures.get_mut(&p) {
                        o.len = len;
                    }
                }
            }
            _ => {}
        }
    }
}

/// An entry's key and (for bytes elements) value, from its trie key and leaf.
fn decode_entry(
    kind: &Structure,
    key: &[u8],
    leaf: &[u8],
) -> Result<(PathKey, Option<Vec<u8>>), StateError> {
    use svm_format::structure::{
        Element, Value, decode_list_leaf, decode_map_leaf, decode_set_leaf,
    };
    let bytes = |v: Value| match v {
        Value::Bytes(b) => Some(b),
        Value::Handle(_) => None,
    };
    Ok(match kind {
        Structure::List(e) => {
            let index: [u8; 4] = key
                .try_into()
                .map_err(|_| StateError::CorruptStructure("a list key is not 4 bytes"))?;
            (
                PathKey::Index(u32::from_be_bytes(index)),
                bytes(decode_list_leaf(leaf, e)?),
            )
        }
        Structure::Map(e) => {
            let (k, v) = decode_map_leaf(leaf, e)?;
            let v = match e {
                Element::Bytes => bytes(v),
                Element::Structure(_) => None,
            };
            (PathKey::Key(k), v)
        }
        Structure::Set => (PathKey::Key(decode_set_leaf(leaf)?), None),
        Structure::SortedSet => (PathKey::Key(key.to_vec()), None),
    })
}

fn check_value(value: &[u8]) -> Result<(), StateError> {
    if value.len() > MAX_VALUE_BYTES {
        return Err(StructureError::TooLong {
            what: "a value",
            len: value.len(),
            max: MAX_VALUE_BYTES,
        }
        .into());
    }
    Ok(())
}

fn list_index(len: u64) -> Result<u32, StateError> {
    if len >= MAX_LIST_LEN {
        return Err(StateError::WrongStructure(
            "a list holds at most 2^32 - 1 elements",
        ));
    }
    Ok(len as u32)
}
