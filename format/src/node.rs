//! Trie nodes as Ethereum encodes them (Yellow Paper, appendix D): the one
//! strict decoder the trie, the prover, `check` and the verifier share.
//!
//! A node is a canonical RLP list of 2 items (a leaf or an extension: a
//! hex-prefix path and a value or a child) or 17 (a branch: sixteen children
//! and a value). A child is empty (`0x80`), a 32-byte hash, or a node whose
//! encoding is under 32 bytes, inlined. Only canonical RLP is accepted, so
//! every node has exactly one accepted encoding.

use crate::Hash;
use crate::nibbles::HexPrefix;
use crate::rlp::{self, Item, RlpError};

/// Why bytes are not a trie node.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// The bytes are not one canonical RLP item.
    #[error("RLP: {0}")]
    Rlp(#[from] RlpError),
    /// The node is an RLP string, not a list.
    #[error("a node must be an RLP list, found a string")]
    NotAList,
    /// The node is a list of another length (18 stands for "more than 17").
    #[error("a node must be an RLP list of 2 or 17 items, found {0}")]
    Items(usize),
    /// The hex-prefix path is malformed.
    #[error("malformed hex-prefix path")]
    BadPath,
    /// A child reference is neither empty, a 32-byte hash nor an inline node under 32 bytes.
    #[error("malformed child reference")]
    BadChild,
    /// A leaf or branch value is an RLP list, or a leaf value is empty.
    #[error("malformed value")]
    BadValue,
    /// An extension with no nibbles or no child.
    #[error("an empty extension")]
    EmptyExtension,
}

/// A reference from a node to a child, as it appears inside the parent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChildView<'a> {
    /// No child.
    Empty,
    /// A child stored under its keccak256 hash.
    Hash(Hash),
    /// A child whose encoding is under 32 bytes, embedded in the parent.
    Inline(&'a [u8]),
}

impl<'a> ChildView<'a> {
    fn parse(item: Item<'a>) -> Result<Self, DecodeError> {
        if item.list {
            return if item.raw.len() < 32 {
                Ok(ChildView::Inline(item.raw))
            } else {
                Err(DecodeError::BadChild)
            };
        }
        match <[u8; 32]>::try_from(item.payload) {
            Ok(h) => Ok(ChildView::Hash(h)),
            Err(_) if item.payload.is_empty() => Ok(ChildView::Empty),
            Err(_) => Err(DecodeError::BadChild),
        }
    }

    /// Whether this is [`ChildView::Empty`].
    pub fn is_empty(&self) -> bool {
        matches!(self, ChildView::Empty)
    }
}

/// A decoded node borrowing from its encoding.
// Lives on the stack while a node is read: boxing the branch would cost an
// allocation per decoded node.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Copy, Debug)]
pub enum NodeView<'a> {
    /// A leaf: the rest of the key and the value.
    Leaf {
        /// Remaining key nibbles.
        path: HexPrefix<'a>,
        /// The stored value (never empty).
        value: &'a [u8],
    },
    /// An extension: a shared run of nibbles and the child below it.
    Extension {
        /// Shared nibbles (at least one).
        path: HexPrefix<'a>,
        /// The child node (never empty).
        child: ChildView<'a>,
    },
    /// A branch: sixteen children and the value of the key ending here.
    Branch {
        /// Children by next nibble.
        children: [ChildView<'a>; 16],
        /// Value of the key that ends at this node.
        value: Option<&'a [u8]>,
    },
}

/// Decodes a node, refusing anything that is not a canonical leaf,
/// extension or branch.
pub fn decode_node(bytes: &[u8]) -> Result<NodeView<'_>, DecodeError> {
    let outer = rlp::one(bytes)?;
    if !outer.list {
        return Err(DecodeError::NotAList);
    }
    let mut items = [Item {
        list: false,
        payload: &[],
        raw: &[],
    }; 17];
    let mut count = 0;
    let mut buf = outer.payload;
    while !buf.is_empty() {
        if count == 17 {
            return Err(DecodeError::Items(18));
        }
        let (item, rest) = rlp::split(buf)?;
        items[count] = item;
        count += 1;
        buf = rest;
    }
    match count {
        2 => {
            if items[0].list {
                return Err(DecodeError::BadPath);
            }
            let (path, leaf) = HexPrefix::parse(items[0].payload).ok_or(DecodeError::BadPath)?;
            if leaf {
                if items[1].list || items[1].payload.is_empty() {
                    return Err(DecodeError::BadValue);
                }
                Ok(NodeView::Leaf {
                    path,
                    value: items[1].payload,
                })
            } else {
                let child = ChildView::parse(items[1])?;
                if path.is_empty() || child.is_empty() {
                    return Err(DecodeError::EmptyExtension);
                }
                Ok(NodeView::Extension { path, child })
            }
        }
        17 => {
            let mut children = [ChildView::Empty; 16];
            for (slot, item) in children.iter_mut().zip(&items[..16]) {
                *slot = ChildView::parse(*item)?;
            }
            if items[16].list {
                return Err(DecodeError::BadValue);
            }
            let value = (!items[16].payload.is_empty()).then_some(items[16].payload);
            Ok(NodeView::Branch { children, value })
        }
        n => Err(DecodeError::Items(n)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;
    use alloc::vec::Vec;

    fn list(items: &[&[u8]]) -> Vec<u8> {
        let payload: Vec<u8> = items.concat();
        let mut out = Vec::new();
        rlp::encode_list(&mut out, &payload);
        out
    }

    #[test]
    fn decodes_the_three_kinds() {
        // Leaf: path 0x20 (even leaf, no nibbles), value "v".
        let leaf = list(&[&[0x20], b"v"]);
        assert!(matches!(
            decode_node(&leaf).unwrap(),
            NodeView::Leaf { value: b"v", .. }
        ));
        // Extension over a hash.
        let mut hash = alloc::vec![0xa0];
        hash.extend([7u8; 32]);
        let ext = list(&[&[0x11], &hash]);
        match decode_node(&ext).unwrap() {
            NodeView::Extension { path, child } => {
                assert_eq!(&*path.to_nibbles(), &[1]);
                assert_eq!(child, ChildView::Hash([7; 32]));
            }
            other => panic!("{other:?}"),
        }
        // Branch with an inline child and a value.
        let mut items: Vec<&[u8]> = alloc::vec![&[0x80]; 16];
        items[3] = &leaf;
        items.push(&[0x83, b'a', b'b', b'c']);
        let branch = list(&items);
        match decode_node(&branch).unwrap() {
            NodeView::Branch { children, value } => {
                assert_eq!(children[3], ChildView::Inline(&leaf));
                assert!(children[0].is_empty());
                assert_eq!(value, Some(&b"abc"[..]));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn refuses_what_is_not_a_node() {
        assert!(matches!(
            decode_node(&[0xc3, 0x11, 0x81, 0x05]),
            Err(DecodeError::Rlp(_))
        ));
        assert!(matches!(
            decode_node(&[0xc2, 0x11, 0x05, 0x00]),
            Err(DecodeError::Rlp(_))
        ));
        assert_eq!(decode_node(&[0x80]).unwrap_err(), DecodeError::NotAList);
        assert_eq!(
            decode_node(&[0xc1, 0x20]).unwrap_err().to_string(),
            "a node must be an RLP list of 2 or 17 items, found 1"
        );
        assert_eq!(
            decode_node(&[0xc2, 0x40, 0x05]).unwrap_err(),
            DecodeError::BadPath
        );
        assert_eq!(
            decode_node(&[0xc2, 0x20, 0x80]).unwrap_err(),
            DecodeError::BadValue
        );
        assert_eq!(
            decode_node(&[0xc2, 0x00, 0x05]).unwrap_err(),
            DecodeError::BadChild
        );
        assert_eq!(
            decode_node(&[0xc2, 0x00, 0x80]).unwrap_err(),
            DecodeError::EmptyExtension
        );
        assert!(matches!(decode_node(&[]), Err(DecodeError::Rlp(_))));
    }

    #[test]
    fn arbitrary_bytes_never_panic() {
        fn prop(bytes: Vec<u8>) -> bool {
            let _ = decode_node(&bytes);
            true
        }
        quickcheck::QuickCheck::new()
            .tests(2000)
            .quickcheck(prop as fn(Vec<u8>) -> bool);
    }
}
