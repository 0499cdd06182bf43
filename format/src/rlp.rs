//! The part of RLP that trie nodes, accounts and receipts use: decoded with
//! every length checked and only canonical forms accepted, and encoded.

use alloc::vec::Vec;

/// Why bytes are not canonical RLP (or not the expected item).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct RlpError(pub &'static str);

/// One RLP item.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Item<'a> {
    /// Whether the item is a list.
    pub list: bool,
    /// The string's bytes, or the list's payload.
    pub payload: &'a [u8],
    /// The whole encoding, header included.
    pub raw: &'a [u8],
}

fn bad(why: &'static str) -> RlpError {
    RlpError(why)
}

/// A big-endian length of `n` bytes from the front of `input`.
#[inline]
fn length(input: &[u8], n: usize) -> Result<(usize, &[u8]), RlpError> {
    if n > input.len() {
        return Err(bad("truncated length"));
    }
    let (bytes, rest) = input.split_at(n);
    if bytes.first() == Some(&0) {
        return Err(bad("length with leading zeros"));
    }
    let mut len: u64 = 0;
    for &b in bytes {
        len = (len << 8) | u64::from(b);
    }
    if len < 56 {
        return Err(bad("long form for a short length"));
    }
    let len = usize::try_from(len).map_err(|_| bad("length too large"))?;
    Ok((len, rest))
}

/// Splits the first item off `input`; returns it and what follows.
#[inline]
pub fn split(input: &[u8]) -> Result<(Item<'_>, &[u8]), RlpError> {
    let (&first, after) = input.split_first().ok_or(bad("empty input"))?;
    let (list, header, len) = match first {
        0x00..=0x7f => {
            let (raw, rest) = input.split_at(1);
            let item = Item {
                list: false,
                payload: raw,
                raw,
            };
            return Ok((item, rest));
        }
        0x80..=0xb7 => (false, 1, usize::from(first - 0x80)),
        0xb8..=0xbf => {
            let n = usize::from(first - 0xb7);
            let (len, _) = length(after, n)?;
            (false, 1 + n, len)
        }
        0xc0..=0xf7 => (true, 1, usize::from(first - 0xc0)),
        0xf8..=0xff => {
            let n = usize::from(first - 0xf7);
            let (len, _) = length(after, n)?;
            (true, 1 + n, len)
        }
    };
    let total = header
        .checked_add(len)
        .filter(|t| *t <= input.len())
        .ok_or(bad("item longer than its input"))?;
    let (raw, rest) = input.split_at(total);
    let payload = &raw[header..];
    if !list && len == 1 && payload[0] < 0x80 {
        return Err(bad("single byte not encoded as itself"));
    }
    Ok((Item { list, payload, raw }, rest))
}

/// Decodes `input` as exactly one item.
#[inline]
pub fn one(input: &[u8]) -> Result<Item<'_>, RlpError> {
    let (item, rest) = split(input)?;
    if !rest.is_empty() {
        return Err(bad("bytes after the item"));
    }
    Ok(item)
}

/// The items of a list.
pub fn items(list: Item<'_>) -> Result<Vec<Item<'_>>, RlpError> {
    if !list.list {
        return Err(bad("expected a list"));
    }
    let mut out = Vec::new();
    let mut rest = list.payload;
    while !rest.is_empty() {
        let (item, after) = split(rest)?;
        out.push(item);
        rest = after;
    }
    Ok(out)
}

/// An unsigned integer of at most `max` bytes, canonical (no leading zero).
pub fn uint(item: Item<'_>, max: usize) -> Result<&[u8], RlpError> {
    if item.list {
        return Err(bad("expected an integer"));
    }
    if item.payload.len() > max {
        return Err(bad("integer too large"));
    }
    if item.payload.first() == Some(&0) {
        return Err(bad("integer with leading zeros"));
    }
    Ok(item.payload)
}

/// Appends the header of an item of `len` payload bytes (`0x80`/`0xc0`
/// based: string or list).
fn header(out: &mut Vec<u8>, len: usize, base: u8) {
    if len < 56 {
        out.push(base + len as u8);
    } else {
        let bytes = (len as u64).to_be_bytes();
        let skip = bytes.iter().take_while(|b| **b == 0).count();
        out.push(base + 55 + (8 - skip) as u8);
        out.extend_from_slice(&bytes[skip..]);
    }
}

/// Appends `bytes` encoded as an RLP string.
pub fn encode_bytes(out: &mut Vec<u8>, bytes: &[u8]) {
    if let [b] = bytes
        && *b < 0x80
    {
        out.push(*b);
        return;
    }
    header(out, bytes.len(), 0x80);
    out.extend_from_slice(bytes);
}

/// Appends a big-endian unsigned integer (leading zeros dropped; zero is
/// the empty string).
pub fn encode_uint(out: &mut Vec<u8>, be: &[u8]) {
    let skip = be.iter().take_while(|b| **b == 0).count();
    encode_bytes(out, &be[skip..]);
}

/// Appends a list whose items are already encoded in `payload`.
pub fn encode_list(out: &mut Vec<u8>, payload: &[u8]) {
    header(out, payload.len(), 0xc0);
    out.extend_from_slice(payload);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_what_rlp_encodes() {
        let mut s = ::rlp::RlpStream::new_list(3);
        s.append(&"cat").append(&0u64).append(&alloc::vec![7u8; 60]);
        let bytes = s.out();
        let list = one(&bytes).unwrap();
        let v = items(list).unwrap();
        assert_eq!(v.len(), 3);
        assert_eq!(v[0].payload, b"cat");
        assert_eq!(v[1].payload, b"");
        assert_eq!(v[2].payload, &[7u8; 60][..]);
        assert_eq!(v[2].raw.len(), 62);
    }

    #[test]
    fn refuses_non_canonical_and_truncated() {
        assert!(one(&[0x81, 0x05]).is_err()); // single byte not as itself
        assert!(one(&[0xb8, 0x05, 1, 2, 3, 4, 5]).is_err()); // long form, short length
        assert!(one(&[0xb9, 0x00, 0x40]).is_err()); // leading zero in length
        assert!(one(&[0x83, 1, 2]).is_err()); // truncated
        assert!(one(&[0x01, 0x02]).is_err()); // trailing byte
        assert!(one(&[0xbf, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]).is_err());
        assert!(one(&[]).is_err());
        assert!(uint(one(&[0x82, 0, 1]).unwrap(), 8).is_err());
    }

    #[test]
    fn encodes_what_rlp_encodes() {
        let mut payload = Vec::new();
        encode_bytes(&mut payload, b"cat");
        encode_uint(&mut payload, &0u64.to_be_bytes());
        encode_uint(&mut payload, &1024u64.to_be_bytes());
        encode_bytes(&mut payload, &[7u8; 60]);
        encode_bytes(&mut payload, &[0x05]);
        encode_bytes(&mut payload, &[0x85]);
        let mut ours = Vec::new();
        encode_list(&mut ours, &payload);
        let mut s = ::rlp::RlpStream::new_list(6);
        s.append(&"cat")
            .append(&0u64)
            .append(&1024u64)
            .append(&alloc::vec![7u8; 60])
            .append(&alloc::vec![0x05u8])
            .append(&alloc::vec![0x85u8]);
        assert_eq!(ours, s.out().to_vec());
        let long = alloc::vec![1u8; 70_000];
        let mut ours = Vec::new();
        encode_bytes(&mut ours, &long);
        assert_eq!(ours, ::rlp::encode(&long).to_vec());
        assert_eq!(one(&ours).unwrap().payload, &long[..]);
    }

    #[test]
    fn arbitrary_bytes_never_panic() {
        fn prop(bytes: Vec<u8>) -> bool {
            if let Ok(item) = one(&bytes) {
                let _ = items(item);
            }
            true
        }
        quickcheck::QuickCheck::new()
            .tests(2000)
            .quickcheck(prop as fn(Vec<u8>) -> bool);
    }
}
