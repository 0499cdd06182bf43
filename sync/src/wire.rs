//! The sync protocol's messages: what a client asks for and the bytes a
//! server answers with (docs/FORMATS.md, "Snapshot sync protocol").
//!
//! A range request names a trie by its root and asks for its entries from
//! a key on, up to an optional last key, at most some bytes of them. The
//! answer is a [`RangeProof`] in the binary form below; the client checks it
//! against the root it already trusts ([`svm_trie::proof::verify_range_nodes`]).
//!
//! ```text
//! "svmr" ‖ version (1)
//! start:  u16 length ‖ bytes
//! end:    0x00 (to the trie's end) | 0x01 ‖ u16 length ‖ bytes
//! entries: u32 count ‖ (u16 key length ‖ key ‖ u32 value length ‖ value)*
//! nodes:   u32 count ‖ (u32 length ‖ node)*
//! ```
//!
//! All integers are big-endian; nothing may follow the last node.

use primitive_types::H256;
use svm_trie::MAX_KEY_LEN;
use svm_trie::proof::RangeProof;

/// The protocol version this crate speaks (in the URL path and each range).
pub const VERSION: u8 = 1;

/// The first bytes of a range message.
const MAGIC: &[u8; 4] = b"svmr";

/// Bytes of entries a client asks for per request by default (Ethereum's
/// snap protocol asks for 512 KiB).
pub const DEFAULT_REQUEST_BYTES: usize = 512 << 10;

/// A server's default soft cap on the entry bytes of one answer.
pub const DEFAULT_SERVER_CAP: usize = 2 << 20;

/// The smallest soft cap a server may have. A range that stops before the
/// end asked for carries at least `min(asked, MIN_CHUNK_BYTES)` bytes of
/// entries, so a server cannot drip a state out one entry at a time.
pub const MIN_CHUNK_BYTES: usize = 64 << 10;

/// What an answer may hold beyond the entry bytes asked for: the entry
/// that crosses the cap (at most a 64 KiB value and a 1 KiB key) and the
/// boundary proof (two paths of at most 64 nodes of at most 532 bytes).
pub const RESPONSE_SLACK: usize = 1 << 20;

/// The largest code a client accepts.
pub const MAX_CODE_BYTES: usize = 4 << 20;

/// A request for a chunk of one trie.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct RangeRequest {
    /// The trie's root.
    pub root: H256,
    /// The first key asked for (inclusive).
    pub from: Vec<u8>,
    /// The last key asked for (inclusive); `None` runs to the trie's end.
    pub to: Option<Vec<u8>>,
    /// The entry bytes (keys and values) asked for at most; the server
    /// stops at the entry that reaches this or its own cap.
    pub max_bytes: usize,
}

impl RangeRequest {
    /// The largest answer to this request a client reads.
    pub fn response_limit(&self) -> usize {
        self.max_bytes.saturating_add(RESPONSE_SLACK)
    }
}

/// Why a range message does not decode.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum WireError {
    /// The message does not start with the magic bytes and version.
    #[error("not a version {VERSION} range message")]
    Magic,
    /// The message ends inside a field.
    #[error("the message is truncated ({0})")]
    Truncated(&'static str),
    /// Bytes follow the last node.
    #[error("{0} bytes follow the message")]
    Trailing(usize),
    /// A key is longer than any trie key.
    #[error("a key of {0} bytes is longer than the {MAX_KEY_LEN} allowed")]
    KeyTooLong(usize),
    /// The end flag is neither 0 nor 1.
    #[error("bad end flag {0}")]
    EndFlag(u8),
}

/// Encodes a chunk in the binary range form.
pub fn encode_range(proof: &RangeProof) -> Vec<u8> {
    let size = 16
        + proof.start.len()
        + proof.end.as_ref().map_or(0, Vec::len)
        + proof
            .entries
            .iter()
            .map(|(k, v)| 6 + k.len() + v.len())
            .sum::<usize>()
        + proof.nodes.iter().map(|n| 4 + n.len()).sum::<usize>();
    let mut out = Vec::with_capacity(size);
    out.extend_from_slice(MAGIC);
    out.push(VERSION);
    put_key(&mut out, &proof.start);
    match &proof.end {
        None => out.push(0),
        Some(end) => {
            out.push(1);
            put_key(&mut out, end);
        }
    }
    out.extend_from_slice(&(proof.entries.len() as u32).to_be_bytes());
    for (k, v) in &proof.entries {
        put_key(&mut out, k);
        out.extend_from_slice(&(v.len() as u32).to_be_bytes());
        out.extend_from_slice(v);
    }
    out.extend_from_slice(&(proof.nodes.len() as u32).to_be_bytes());
    for n in &proof.nodes {
        out.extend_from_slice(&(n.len() as u32).to_be_bytes());
        out.extend_from_slice(n);
    }
    out
}

fn put_key(out: &mut Vec<u8>, key: &[u8]) {
    // Keys are at most MAX_KEY_LEN + 1 bytes: a u16 holds every length.
    out.extend_from_slice(&(key.len() as u16).to_be_bytes());
    out.extend_from_slice(key);
}

/// A cursor over a message that never reads past its end.
struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize, what: &'static str) -> Result<&'a [u8], WireError> {
        if self.0.len() < n {
            return Err(WireError::Truncated(what));
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Ok(head)
    }

    fn u8(&mut self, what: &'static str) -> Result<u8, WireError> {
        Ok(self.take(1, what)?[0])
    }

    fn u16(&mut self, what: &'static str) -> Result<usize, WireError> {
        let b = self.take(2, what)?;
        Ok(usize::from(u16::from_be_bytes([b[0], b[1]])))
    }

    fn u32(&mut self, what: &'static str) -> Result<usize, WireError> {
        let b = self.take(4, what)?;
        Ok(u32::from_be_bytes([b[0], b[1], b[2], b[3]]) as usize)
    }

    fn key(&mut self, what: &'static str) -> Result<Vec<u8>, WireError> {
        let n = self.u16(what)?;
        // A bound may be one byte longer than a key (a key and 0x00).
        if n > MAX_KEY_LEN + 1 {
            return Err(WireError::KeyTooLong(n));
        }
        Ok(self.take(n, what)?.to_vec())
    }
}

/// Decodes a chunk from the binary range form. Counts are checked against
/// the bytes that remain before anything is allocated for them.
pub fn decode_range(bytes: &[u8]) -> Result<RangeProof, WireError> {
    let mut r = Reader(bytes);
    if r.take(4, "magic").map_err(|_| WireError::Magic)? != MAGIC
        || r.u8("version").map_err(|_| WireError::Magic)? != VERSION
    {
        return Err(WireError::Magic);
    }
    let start = r.key("start")?;
    let end = match r.u8("end")? {
        0 => None,
        1 => Some(r.key("end")?),
        f => return Err(WireError::EndFlag(f)),
    };
    let count = r.u32("entry count")?;
    // Each entry takes at least 6 bytes.
    if count > r.0.len() / 6 {
        return Err(WireError::Truncated("entries"));
    }
    let mut entries = Vec::with_capacity(count);
    for _ in 0..count {
        let k = r.key("entry key")?;
        let n = r.u32("value length")?;
        let v = r.take(n, "value")?.to_vec();
        entries.push((k, v));
    }
    let count = r.u32("node count")?;
    if count > r.0.len() / 4 {
        return Err(WireError::Truncated("nodes"));
    }
    let mut nodes = Vec::with_capacity(count);
    for _ in 0..count {
        let n = r.u32("node length")?;
        nodes.push(r.take(n, "node")?.to_vec());
    }
    if !r.0.is_empty() {
        return Err(WireError::Trailing(r.0.len()));
    }
    Ok(RangeProof {
        start,
        end,
        entries,
        nodes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use quickcheck::{Arbitrary, Gen, QuickCheck};

    fn arb_key(g: &mut Gen) -> Vec<u8> {
        let n = usize::arbitrary(g) % 40;
        (0..n).map(|_| u8::arbitrary(g)).collect()
    }

    fn arb_proof(g: &mut Gen) -> RangeProof {
        RangeProof {
            start: arb_key(g),
            end: bool::arbitrary(g).then(|| arb_key(g)),
            entries: (0..usize::arbitrary(g) % 8)
                .map(|_| (arb_key(g), Vec::<u8>::arbitrary(g)))
                .collect(),
            nodes: (0..usize::arbitrary(g) % 5)
                .map(|_| Vec::<u8>::arbitrary(g))
                .collect(),
        }
    }

    #[test]
    fn round_trips_and_rejects_every_cut() {
        fn prop(size: u8) -> bool {
            let mut g = Gen::new(1 + usize::from(size % 40));
            let p = arb_proof(&mut g);
            let bytes = encode_range(&p);
            assert_eq!(decode_range(&bytes).unwrap(), p);
            for cut in 0..bytes.len() {
                assert!(decode_range(&bytes[..cut]).is_err(), "cut at {cut}");
            }
            let mut longer = bytes.clone();
            longer.push(0);
            assert_eq!(decode_range(&longer), Err(WireError::Trailing(1)));
            true
        }
        QuickCheck::new()
            .tests(200)
            .quickcheck(prop as fn(u8) -> bool);
    }

    #[test]
    fn garbage_never_panics_and_huge_counts_allocate_nothing() {
        fn prop(bytes: Vec<u8>) -> bool {
            let _ = decode_range(&bytes);
            let mut m = b"svmr\x01\x00\x00\x00".to_vec();
            m.extend_from_slice(&bytes);
            let _ = decode_range(&m);
            true
        }
        QuickCheck::new()
            .tests(2000)
            .quickcheck(prop as fn(Vec<u8>) -> bool);
        let mut huge = b"svmr\x01\x00\x00\x00".to_vec();
        huge.extend_from_slice(&u32::MAX.to_be_bytes());
        assert_eq!(decode_range(&huge), Err(WireError::Truncated("entries")));
        assert_eq!(decode_range(b"HTTP/1.1"), Err(WireError::Magic));
    }
}
