//! The node codec: the strict, zero-copy decoder (svm-format's, the one every
//! layer uses) and the encoders that produce Ethereum's exact node bytes.
//!
//! The decoder accepts only canonical RLP (shortest length forms, single bytes
//! below `0x80` never wrapped), so every node has exactly one accepted encoding.

pub use svm_format::node::{ChildView, DecodeError, NodeView, decode_node};

use crate::nibbles::encode_hex_prefix;
use crate::{H256, hash};

/// A child reference ready to splice into a parent's encoding: `0xa0 ‖ hash`
/// for a hashed node, the raw bytes for an inline node, `0x80` for none.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) struct ChildRef {
    len: u8,
    buf: [u8; 33],
}

impl std::fmt::Debug for ChildRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ChildRef({:02x?})", self.as_bytes())
    }
}

impl ChildRef {
    /// The reference of an absent child.
    pub(crate) const EMPTY: ChildRef = {
        let mut buf = [0u8; 33];
        buf[0] = 0x80;
        ChildRef { len: 1, buf }
    };

    /// The mark of a node changed since it was last hashed (no valid reference).
    pub(crate) const DIRTY: ChildRef = ChildRef {
        len: 0,
        buf: [0u8; 33],
    };

    /// A reference by hash.
    pub(crate) fn hash(h: &H256) -> Self {
        let mut buf = [0u8; 33];
        buf[0] = 0xa0;
        buf[1..].copy_from_slice(h.as_bytes());
        ChildRef { len: 33, buf }
    }

    /// The reference to a node with this encoding: inline under 32 bytes, else by hash.
    pub(crate) fn of_encoding(enc: &[u8]) -> Self {
        if enc.len() < 32 {
            let mut buf = [0u8; 33];
            buf[..enc.len()].copy_from_slice(enc);
            ChildRef {
                len: enc.len() as u8,
                buf,
            }
        } else {
            ChildRef::hash(&hash(enc))
        }
    }

    /// The reference for a decoded child view.
    pub(crate) fn of_view(view: &ChildView<'_>) -> Self {
        match view {
            ChildView::Empty => ChildRef::EMPTY,
            ChildView::Hash(h) => ChildRef::hash(&H256(*h)),
            ChildView::Inline(raw) => ChildRef::of_encoding(raw),
        }
    }

    /// The bytes to splice into the parent.
    pub(crate) fn as_bytes(&self) -> &[u8] {
        &self.buf[..usize::from(self.len)]
    }

    /// The hash, for a reference by hash.
    pub(crate) fn as_hash(&self) -> Option<H256> {
        (self.len == 33).then(|| H256::from_slice(&self.buf[1..]))
    }

    /// Whether this is the empty reference.
    pub(crate) fn is_empty(&self) -> bool {
        self.len == 1 && self.buf[0] == 0x80
    }
}

/// Length of the RLP string encoding of `data`.
#[inline]
fn string_len(data: &[u8]) -> usize {
    match data.len() {
        1 if data[0] < 0x80 => 1,
        n if n <= 55 => 1 + n,
        n => 1 + be_len(n) + n,
    }
}

#[inline]
fn be_len(n: usize) -> usize {
    (usize::BITS as usize / 8) - (n.leading_zeros() as usize / 8)
}

#[inline]
fn push_header(out: &mut Vec<u8>, short: u8, len: usize) {
    if len <= 55 {
        out.push(short + len as u8);
    } else {
        let ll = be_len(len);
        out.push(short + 55 + ll as u8);
        out.extend_from_slice(&len.to_be_bytes()[8 - ll..]);
    }
}

#[inline]
fn push_string(out: &mut Vec<u8>, data: &[u8]) {
    if data.len() == 1 && data[0] < 0x80 {
        out.push(data[0]);
    } else {
        push_header(out, 0x80, data.len());
        out.extend_from_slice(data);
    }
}

/// Length of the RLP string holding the hex-prefix encoding of `n` nibbles.
#[inline]
fn path_string_len(n: usize) -> usize {
    let hp = n / 2 + 1;
    if hp == 1 {
        1
    } else if hp <= 55 {
        1 + hp
    } else {
        1 + be_len(hp) + hp
    }
}

#[inline]
fn push_path(out: &mut Vec<u8>, nibbles: &[u8], leaf: bool) {
    let hp = nibbles.len() / 2 + 1;
    if hp > 1 {
        push_header(out, 0x80, hp);
    }
    encode_hex_prefix(nibbles, leaf, out);
}

/// Appends the encoding of a leaf node with nibble path `path`.
#[cfg(test)]
pub(crate) fn encode_leaf(path: &[u8], value: &[u8], out: &mut Vec<u8>) {
    let payload = path_string_len(path.len()) + string_len(value);
    push_header(out, 0xc0, payload);
    push_path(out, path, true);
    push_string(out, value);
}

/// Appends the encoding of a leaf node whose path is already hex-prefix encoded.
pub(crate) fn encode_leaf_hp(hex_prefix: &[u8], value: &[u8], out: &mut Vec<u8>) {
    push_header(out, 0xc0, string_len(hex_prefix) + string_len(value));
    push_string(out, hex_prefix);
    push_string(out, value);
}

/// Appends the encoding of an extension node.
pub(crate) fn encode_extension(path: &[u8], child: &ChildRef, out: &mut Vec<u8>) {
    let child = child.as_bytes();
    push_header(out, 0xc0, path_string_len(path.len()) + child.len());
    push_path(out, path, false);
    out.extend_from_slice(child);
}

/// Appends the encoding of a branch node.
pub(crate) fn encode_branch(children: &[ChildRef; 16], value: Option<&[u8]>, out: &mut Vec<u8>) {
    let payload: usize =
        children.iter().map(|c| usize::from(c.len)).sum::<usize>() + value.map_or(1, string_len);
    push_header(out, 0xc0, payload);
    for c in children {
        out.extend_from_slice(c.as_bytes());
    }
    match value {
        Some(v) => push_string(out, v),
        None => out.push(0x80),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn leaf(path: &[u8], value: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        encode_leaf(path, value, &mut out);
        out
    }

    #[test]
    fn leaf_matches_rlp_crate() {
        for n in [0usize, 1, 2, 63, 64, 120] {
            for vlen in [1usize, 2, 55, 56, 300] {
                let path: Vec<u8> = (0..n).map(|i| (i % 16) as u8).collect();
                let value = vec![0x42u8; vlen];
                let mut hp = Vec::new();
                encode_hex_prefix(&path, true, &mut hp);
                let mut s = rlp::RlpStream::new_list(2);
                s.append(&hp).append(&value);
                assert_eq!(leaf(&path, &value), s.out().to_vec(), "n={n} vlen={vlen}");
            }
        }
    }

    #[test]
    fn branch_and_extension_round_trip() {
        let child = ChildRef::hash(&H256::repeat_byte(7));
        let inline = ChildRef::of_encoding(&leaf(&[1, 2], b"x"));
        let mut children = [ChildRef::EMPTY; 16];
        children[3] = child;
        children[9] = inline;
        let mut enc = Vec::new();
        encode_branch(&children, Some(b"value"), &mut enc);
        match decode_node(&enc).unwrap() {
            NodeView::Branch { children: c, value } => {
                assert_eq!(value, Some(&b"value"[..]));
                assert_eq!(c[3], ChildView::Hash([7; 32]));
                assert!(matches!(c[9], ChildView::Inline(_)));
                assert!(c[0].is_empty());
            }
            other => panic!("decoded {other:?}"),
        }
        let mut ext = Vec::new();
        encode_extension(&[1, 2, 3], &child, &mut ext);
        match decode_node(&ext).unwrap() {
            NodeView::Extension { path, child: c } => {
                assert_eq!(&*path.to_nibbles(), &[1, 2, 3]);
                assert_eq!(c, ChildView::Hash([7; 32]));
            }
            other => panic!("decoded {other:?}"),
        }
    }

    #[test]
    fn rejects_non_canonical_and_trailing() {
        let good = leaf(&[1], b"ab");
        assert!(decode_node(&good).is_ok());
        let mut trailing = good.clone();
        trailing.push(0);
        assert!(matches!(decode_node(&trailing), Err(DecodeError::Rlp(_))));
        // 0x81 0x05 wraps a single byte below 0x80.
        assert!(matches!(
            decode_node(&[0xc3, 0x11, 0x81, 0x05]),
            Err(DecodeError::Rlp(_))
        ));
        // Long-form length for a short list.
        assert!(matches!(
            decode_node(&[0xf8, 0x02, 0x11, 0x05]),
            Err(DecodeError::Rlp(_))
        ));
        assert_eq!(
            decode_node(&[0xc1, 0x20]).unwrap_err(),
            DecodeError::Items(1)
        );
    }
}
