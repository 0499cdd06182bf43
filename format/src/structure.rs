//! Unbounded structures — list, map, set, sorted set — each a
//! Merkle-Patricia trie of its own, nested to any depth the layout declares.
//! This module holds their consensus formats: the kind descriptors a layout
//! carries, the **handle** (root, length) a parent trie holds for a child
//! structure, the keys elements live under, and the leaf values.
//! docs/FORMATS.md, "Structures", is the specification.

use alloc::boxed::Box;
use alloc::vec::Vec;

use crate::rlp::{self, RlpError};
use crate::{EMPTY_ROOT, Hash, keccak256};

/// How deep structures may nest (a list of maps of sets is depth 3).
pub const MAX_DEPTH: usize = 8;
/// The longest map key or set member, in bytes.
pub const MAX_KEY_BYTES: usize = 1024;
/// The longest sorted-set member, in bytes (members are trie keys as they
/// are, so their length bounds the trie's depth).
pub const MAX_MEMBER_BYTES: usize = 64;
/// The longest element value (a list element or a map value), in bytes.
pub const MAX_VALUE_BYTES: usize = 1 << 16;
/// The most elements a list may hold (indices are 4-byte keys).
pub const MAX_LIST_LEN: u64 = u32::MAX as u64;
/// The first byte of a structure variable's handle key in the contract's
/// storage trie. Page keys start with `0x00` (page indices are below
/// 2^20), so the two ranges never meet and neither is a prefix of the other.
pub const HANDLE_KEY_PREFIX: u8 = 0x01;
/// The leaf value of a sorted-set member (the member is the key itself).
pub const MEMBER_MARK: &[u8] = &[0x01];

/// Why bytes are not a structure format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum StructureError {
    /// Not canonical RLP of the expected shape.
    #[error("RLP: {0}")]
    Rlp(#[from] RlpError),
    /// A kind descriptor is malformed or nests deeper than [`MAX_DEPTH`].
    #[error("kind descriptor: {0}")]
    Kind(&'static str),
    /// A handle's root and length disagree (empty ⇔ the empty root, length 0).
    #[error("a handle of length {0} with {1} root")]
    Handle(u64, &'static str),
    /// A path key of the wrong type for its structure (an index into a map
    /// or set, a key into a list).
    #[error("{0}")]
    KeyType(&'static str),
    /// An empty structure is stored where only non-empty ones may be (as a
    /// top-level handle, or as a map's entry).
    #[error("an empty structure is stored {0}")]
    EmptyStored(&'static str),
    /// A key, member or value is longer than its limit.
    #[error("{what} of {len} bytes is longer than the {max} allowed")]
    TooLong {
        /// What was too long.
        what: &'static str,
        /// Its length.
        len: usize,
        /// The limit.
        max: usize,
    },
}

/// An unbounded structure's kind.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Structure {
    /// Elements at indices `0..len`; push and pop at the end.
    List(Element),
    /// Byte-string keys (hashed) to elements.
    Map(Element),
    /// Byte-string members (hashed).
    Set,
    /// Byte-string members in byte order (unhashed), with ordered queries.
    SortedSet,
}

/// What a list element or map value is.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Element {
    /// A byte string of at most [`MAX_VALUE_BYTES`].
    Bytes,
    /// A nested structure.
    Structure(Box<Structure>),
}

impl Structure {
    /// The kind of the elements, for a list or a map.
    pub fn element(&self) -> Option<&Element> {
        match self {
            Structure::List(e) | Structure::Map(e) => Some(e),
            Structure::Set | Structure::SortedSet => None,
        }
    }

    /// The kind of the nested structures, for a list or map of them.
    pub fn nested(&self) -> Option<&Structure> {
        match self.element() {
            Some(Element::Structure(s)) => Some(s),
            _ => None,
        }
    }

    /// How many structure levels this is (a list of bytes: 1).
    pub fn depth(&self) -> usize {
        self.nested().map_or(1, |s| 1 + s.depth())
    }

    /// Appends the descriptor: `0x01` list, `0x02` map (each followed by its
    /// element: `0x00` bytes or a nested descriptor), `0x03` set, `0x04`
    /// sorted set.
    pub fn encode(&self, out: &mut Vec<u8>) {
        match self {
            Structure::List(e) | Structure::Map(e) => {
                out.push(if matches!(self, Structure::List(_)) {
                    1
                } else {
                    2
                });
                match e {
                    Element::Bytes => out.push(0),
                    Element::Structure(s) => s.encode(out),
                }
            }
            Structure::Set => out.push(3),
            Structure::SortedSet => out.push(4),
        }
    }

    /// Reads a descriptor off the front of `bytes` (at most [`MAX_DEPTH`]
    /// levels).
    pub fn decode(bytes: &mut &[u8]) -> Result<Self, StructureError> {
        Self::decode_at(bytes, 1)
    }

    fn decode_at(bytes: &mut &[u8], depth: usize) -> Result<Self, StructureError> {
        if depth > MAX_DEPTH {
            return Err(StructureError::Kind("nested deeper than allowed"));
        }
        let (&tag, rest) = bytes
            .split_first()
            .ok_or(StructureError::Kind("truncated"))?;
        *bytes = rest;
        let element = |bytes: &mut &[u8]| -> Result<Element, StructureError> {
            match bytes.first() {
                Some(0) => {
                    *bytes = &bytes[1..];
                    Ok(Element::Bytes)
                }
                Some(_) => Ok(Element::Structure(Box::new(Self::decode_at(
                    bytes,
                    depth + 1,
                )?))),
                None => Err(StructureError::Kind("truncated")),
            }
        };
        match tag {
            1 => Ok(Structure::List(element(bytes)?)),
            2 => Ok(Structure::Map(element(bytes)?)),
            3 => Ok(Structure::Set),
            4 => Ok(Structure::SortedSet),
            _ => Err(StructureError::Kind("unknown structure tag")),
        }
    }
}

/// A structure as its parent holds it: the root of its trie and how many
/// elements it has. The empty structure is the empty root with length 0.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Handle {
    /// The root of the structure's trie.
    pub root: Hash,
    /// Its elements (a list's length, a map's entries, a set's members).
    pub len: u64,
}

impl Handle {
    /// The empty structure.
    pub const EMPTY: Handle = Handle {
        root: EMPTY_ROOT,
        len: 0,
    };

    /// Whether this is the empty structure.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The RLP list `[root, len]` (root 32 bytes, len a minimal integer).
    pub fn encode(&self) -> Vec<u8> {
        let mut fields = Vec::with_capacity(42);
        rlp::encode_bytes(&mut fields, &self.root);
        rlp::encode_uint(&mut fields, &self.len.to_be_bytes());
        let mut out = Vec::with_capacity(44);
        rlp::encode_list(&mut out, &fields);
        out
    }

    /// Decodes a handle: canonical RLP only, and a length of 0 exactly when
    /// the root is the empty root.
    pub fn decode(bytes: &[u8]) -> Result<Self, StructureError> {
        let fields = rlp::items(rlp::one(bytes)?)?;
        let [root, len] = fields[..] else {
            return Err(RlpError("handle: not two fields").into());
        };
        if root.list {
            return Err(RlpError("handle: root is a list").into());
        }
        let root: Hash = root
            .payload
            .try_into()
            .map_err(|_| RlpError("handle: root is not 32 bytes"))?;
        let len = rlp::uint(len, 8)?
            .iter()
            .fold(0u64, |n, b| (n << 8) | u64::from(*b));
        match (len == 0, root == EMPTY_ROOT) {
            (true, false) => Err(StructureError::Handle(len, "a non-empty")),
            (false, true) => Err(StructureError::Handle(len, "the empty")),
            _ => Ok(Handle { root, len }),
        }
    }

    /// Decodes a handle where only a non-empty structure is ever stored (a
    /// top-level structure's handle key: an empty one has no leaf).
    pub fn decode_stored(bytes: &[u8]) -> Result<Self, StructureError> {
        let h = Self::decode(bytes)?;
        if h.is_empty() {
            return Err(StructureError::EmptyStored("as a handle"));
        }
        Ok(h)
    }
}

/// The storage-trie key of structure variable `variable`'s handle:
/// [`HANDLE_KEY_PREFIX`] then the variable's index, 4 bytes big-endian.
pub fn handle_key(variable: u32) -> [u8; 5] {
    let mut key = [HANDLE_KEY_PREFIX, 0, 0, 0, 0];
    key[1..].copy_from_slice(&variable.to_be_bytes());
    key
}

/// The key of list element `index`: 4 bytes big-endian (so a list's trie
/// iterates in index order).
pub fn list_key(index: u32) -> [u8; 4] {
    index.to_be_bytes()
}

/// The key of a map entry or set member: keccak256 of the key (attacker-
/// chosen keys cannot make the trie deep).
pub fn hashed_key(key: &[u8]) -> Result<Hash, StructureError> {
    check_len("a key", key.len(), MAX_KEY_BYTES)?;
    Ok(keccak256(key))
}

/// The key of a sorted-set member: the member itself (so the trie iterates
/// in member order), at most [`MAX_MEMBER_BYTES`].
pub fn member_key(member: &[u8]) -> Result<&[u8], StructureError> {
    check_len("a sorted-set member", member.len(), MAX_MEMBER_BYTES)?;
    Ok(member)
}

fn check_len(what: &'static str, len: usize, max: usize) -> Result<(), StructureError> {
    if len > max {
        return Err(StructureError::TooLong { what, len, max });
    }
    Ok(())
}

/// One step of an element's path: a list index, or a map key / set member.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PathKey {
    /// An index into a list.
    Index(u32),
    /// A map key, a set member or a sorted-set member.
    Key(Vec<u8>),
}

/// The trie key of `key` in a structure of kind `kind`: [`list_key`],
/// [`hashed_key`] or [`member_key`].
pub fn element_key(kind: &Structure, key: &PathKey) -> Result<Vec<u8>, StructureError> {
    match (kind, key) {
        (Structure::List(_), PathKey::Index(i)) => Ok(list_key(*i).to_vec()),
        (Structure::Map(_) | Structure::Set, PathKey::Key(k)) => Ok(hashed_key(k)?.to_vec()),
        (Structure::SortedSet, PathKey::Key(k)) => Ok(member_key(k)?.to_vec()),
        (Structure::List(_), PathKey::Key(_)) => Err(StructureError::KeyType("a key into a list")),
        (_, PathKey::Index(_)) => Err(StructureError::KeyType("an index into a map or set")),
    }
}

/// Checks that `path` fits a structure of kind `kind`: each key of the
/// right type and length, and every key but the last selecting a nested
/// structure.
pub fn check_path(kind: &Structure, path: &[PathKey]) -> Result<(), StructureError> {
    let mut kind = kind;
    for (depth, key) in path.iter().enumerate() {
        element_key(kind, key)?;
        if depth + 1 < path.len() {
            kind = kind
                .nested()
                .ok_or(StructureError::KeyType("a path deeper than the structures"))?;
        }
    }
    Ok(())
}

/// An element as a leaf holds it: the RLP string of a byte value, or a
/// nested structure's handle.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Value {
    /// A byte string.
    Bytes(Vec<u8>),
    /// A nested structure.
    Handle(Handle),
}

impl Value {
    /// Appends the value's encoding: RLP string, or the handle's RLP list.
    fn encode_into(&self, out: &mut Vec<u8>) {
        match self {
            Value::Bytes(b) => rlp::encode_bytes(out, b),
            Value::Handle(h) => out.extend_from_slice(&h.encode()),
        }
    }

    /// Reads a value of kind `element` from one RLP item.
    fn decode_item(item: rlp::Item<'_>, element: &Element) -> Result<Self, StructureError> {
        match element {
            Element::Bytes => {
                if item.list {
                    return Err(RlpError("element: expected bytes").into());
                }
                check_len("a value", item.payload.len(), MAX_VALUE_BYTES)?;
                Ok(Value::Bytes(item.payload.to_vec()))
            }
            Element::Structure(_) => Ok(Value::Handle(Handle::decode(item.raw)?)),
        }
    }
}

/// The leaf value of list element: the element's encoding.
pub fn encode_list_leaf(value: &Value) -> Vec<u8> {
    let mut out = Vec::new();
    value.encode_into(&mut out);
    out
}

/// Reads a list leaf of kind `element`.
pub fn decode_list_leaf(bytes: &[u8], element: &Element) -> Result<Value, StructureError> {
    Value::decode_item(rlp::one(bytes)?, element)
}

/// The leaf value of a map entry: RLP `[key, value]` (the key kept beside
/// the value, so iteration returns keys).
pub fn encode_map_leaf(key: &[u8], value: &Value) -> Vec<u8> {
    let mut fields = Vec::new();
    rlp::encode_bytes(&mut fields, key);
    value.encode_into(&mut fields);
    let mut out = Vec::new();
    rlp::encode_list(&mut out, &fields);
    out
}

/// Reads a map leaf of kind `element`: the entry's key and value.
pub fn decode_map_leaf(
    bytes: &[u8],
    element: &Element,
) -> Result<(Vec<u8>, Value), StructureError> {
    let fields = rlp::items(rlp::one(bytes)?)?;
    let [key, value] = fields[..] else {
        return Err(RlpError("map entry: not two fields").into());
    };
    if key.list {
        return Err(RlpError("map entry: key is a list").into());
    }
    check_len("a key", key.payload.len(), MAX_KEY_BYTES)?;
    let value = Value::decode_item(value, element)?;
    if matches!(&value, Value::Handle(h) if h.is_empty()) {
        return Err(StructureError::EmptyStored("in a map"));
    }
    Ok((key.payload.to_vec(), value))
}

/// The handle a list or map leaf holds for its nested structure (the
/// parent's elements must be structures).
pub fn decode_child_handle(parent: &Structure, leaf: &[u8]) -> Result<Handle, StructureError> {
    let value = match parent {
        Structure::List(e @ Element::Structure(_)) => decode_list_leaf(leaf, e)?,
        Structure::Map(e @ Element::Structure(_)) => decode_map_leaf(leaf, e)?.1,
        _ => return Err(StructureError::KeyType("its elements are not structures")),
    };
    match value {
        Value::Handle(h) => Ok(h),
        Value::Bytes(_) => Err(StructureError::KeyType("its elements are not structures")),
    }
}

/// The leaf value of a set member: the member's RLP string.
pub fn encode_set_leaf(member: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    rlp::encode_bytes(&mut out, member);
    out
}

/// Reads a set leaf: the member.
pub fn decode_set_leaf(bytes: &[u8]) -> Result<Vec<u8>, StructureError> {
    let item = rlp::one(bytes)?;
    if item.list {
        return Err(RlpError("set member: a list").into());
    }
    check_len("a key", item.payload.len(), MAX_KEY_BYTES)?;
    Ok(item.payload.to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

    fn map_of_lists() -> Structure {
        Structure::Map(Element::Structure(Box::new(Structure::List(
            Element::Bytes,
        ))))
    }

    #[test]
    fn descriptors_round_trip_and_are_pinned() {
        let kinds = [
            (Structure::List(Element::Bytes), vec![1, 0]),
            (Structure::Map(Element::Bytes), vec![2, 0]),
            (Structure::Set, vec![3]),
            (Structure::SortedSet, vec![4]),
            (map_of_lists(), vec![2, 1, 0]),
            (
                Structure::List(Element::Structure(Box::new(Structure::Map(
                    Element::Structure(Box::new(Structure::Set)),
                )))),
                vec![1, 2, 3],
            ),
        ];
        for (kind, bytes) in kinds {
            let mut out = Vec::new();
            kind.encode(&mut out);
            assert_eq!(out, bytes, "{kind:?}");
            let mut rest = &bytes[..];
            assert_eq!(Structure::decode(&mut rest).unwrap(), kind);
            assert!(rest.is_empty());
        }
        assert_eq!(map_of_lists().depth(), 2);
        // Unknown tags, truncation, and nesting past the limit.
        for bad in [&[5u8][..], &[1], &[2], &[]] {
            assert!(Structure::decode(&mut &bad[..]).is_err(), "{bad:?}");
        }
        // MAX_DEPTH levels: MAX_DEPTH - 1 lists around a set.
        let mut deep = vec![1u8; MAX_DEPTH - 1];
        deep.push(3);
        let kind = Structure::decode(&mut &deep[..]).unwrap();
        assert_eq!(kind.depth(), MAX_DEPTH);
        let mut deeper = vec![1u8; MAX_DEPTH];
        deeper.push(3);
        assert!(Structure::decode(&mut &deeper[..]).is_err());
    }

    #[test]
    fn handles_are_canonical_and_pinned() {
        assert_eq!(
            Handle::EMPTY.encode(),
            [&[0xe2, 0xa0][..], &EMPTY_ROOT[..], &[0x80]].concat()
        );
        let h = Handle {
            root: [7; 32],
            len: 300,
        };
        assert_eq!(
            h.encode(),
            [&[0xe4, 0xa0][..], &[7; 32][..], &[0x82, 0x01, 0x2c]].concat()
        );
        assert_eq!(Handle::decode(&h.encode()), Ok(h));
        assert_eq!(Handle::decode(&Handle::EMPTY.encode()), Ok(Handle::EMPTY));
        // Root and length must agree; the length is minimal.
        let bad = Handle {
            root: [7; 32],
            len: 0,
        };
        assert!(Handle::decode(&bad.encode()).is_err());
        let bad = Handle {
            root: EMPTY_ROOT,
            len: 1,
        };
        assert!(Handle::decode(&bad.encode()).is_err());
        let mut padded = h.encode();
        padded[0] += 1;
        padded.splice(34..35, [0x83, 0x00]);
        assert!(Handle::decode(&padded).is_err());
    }

    #[test]
    fn keys_and_leaves() {
        assert_eq!(handle_key(0x0102_0304), [0x01, 1, 2, 3, 4]);
        let list = Structure::List(Element::Bytes);
        assert_eq!(
            element_key(&list, &PathKey::Index(258)),
            Ok(vec![0, 0, 1, 2])
        );
        assert!(element_key(&list, &PathKey::Key(vec![1])).is_err());
        assert_eq!(
            element_key(&Structure::Set, &PathKey::Key(b"m".to_vec())),
            Ok(keccak256(b"m").to_vec())
        );
        assert_eq!(
            element_key(&Structure::SortedSet, &PathKey::Key(b"m".to_vec())),
            Ok(b"m".to_vec())
        );
        assert!(element_key(&Structure::SortedSet, &PathKey::Index(0)).is_err());
        assert_eq!(list_key(258), [0, 0, 1, 2]);
        assert_eq!(hashed_key(b"").unwrap(), keccak256(b""));
        assert!(hashed_key(&[0; MAX_KEY_BYTES]).is_ok());
        assert!(hashed_key(&[0; MAX_KEY_BYTES + 1]).is_err());
        assert!(member_key(&[0; MAX_MEMBER_BYTES]).is_ok());
        assert!(member_key(&[0; MAX_MEMBER_BYTES + 1]).is_err());

        let bytes = Value::Bytes(b"dog".to_vec());
        assert_eq!(encode_list_leaf(&bytes), [0x83, b'd', b'o', b'g']);
        assert_eq!(encode_list_leaf(&Value::Bytes(vec![])), [0x80]);
        assert_eq!(
            decode_list_leaf(&[0x83, b'd', b'o', b'g'], &Element::Bytes),
            Ok(bytes.clone())
        );
        let nested = Element::Structure(Box::new(Structure::Set));
        let h = Value::Handle(Handle {
            root: [9; 32],
            len: 2,
        });
        assert_eq!(
            decode_list_leaf(&encode_list_leaf(&h), &nested),
            Ok(h.clone())
        );
        assert!(decode_list_leaf(&encode_list_leaf(&h), &Element::Bytes).is_err());

        let leaf = encode_map_leaf(b"k", &bytes);
        assert_eq!(leaf, [0xc5, b'k', 0x83, b'd', b'o', b'g']);
        assert_eq!(
            decode_map_leaf(&leaf, &Element::Bytes),
            Ok((b"k".to_vec(), bytes))
        );
        assert_eq!(
            decode_map_leaf(&encode_map_leaf(b"", &h), &nested),
            Ok((vec![], h))
        );
        let empty = encode_map_leaf(b"", &Value::Handle(Handle::EMPTY));
        assert!(decode_map_leaf(&empty, &nested).is_err());
        assert!(Handle::decode_stored(&Handle::EMPTY.encode()).is_err());
        assert_eq!(encode_set_leaf(b"m"), [b'm']);
        assert_eq!(
            decode_set_leaf(&encode_set_leaf(b"member")),
            Ok(b"member".to_vec())
        );
        assert!(decode_set_leaf(&[0xc0]).is_err());
    }

    /// Whatever decodes re-encodes to the same bytes: one encoding each.
    #[test]
    fn one_encoding_per_handle_and_leaf() {
        fn prop(bytes: Vec<u8>) -> bool {
            let handle_ok = Handle::decode(&bytes).is_ok_and(|h| h.encode() == bytes)
                || Handle::decode(&bytes).is_err();
            let list_ok = match decode_list_leaf(&bytes, &Element::Bytes) {
                Ok(v) => encode_list_leaf(&v) == bytes,
                Err(_) => true,
            };
            let map_ok = match decode_map_leaf(&bytes, &Element::Bytes) {
                Ok((k, v)) => encode_map_leaf(&k, &v) == bytes,
                Err(_) => true,
            };
            let set_ok = match decode_set_leaf(&bytes) {
                Ok(m) => encode_set_leaf(&m) == bytes,
                Err(_) => true,
            };
            let mut rest = &bytes[..];
            let kind_ok = match Structure::decode(&mut rest) {
                Ok(k) => {
                    let mut out = Vec::new();
                    k.encode(&mut out);
                    bytes.starts_with(&out) && out.len() + rest.len() == bytes.len()
                }
                Err(_) => true,
            };
            handle_ok && list_ok && map_ok && set_ok && kind_ok
        }
        quickcheck::QuickCheck::new()
            .tests(3000)
            .quickcheck(prop as fn(Vec<u8>) -> bool);
    }
}
