//! The compact binary encoding of proofs (`docs/FORMATS.md`, "Proof
//! encodings"): a 4-byte magic `svmP`, a version byte (1), a kind byte (1: a
//! [`VariableProof`], 2: a [`MultiProof`], 3: a [`ReceiptProof`], 4: an
//! [`ElementProof`], 5: a [`RangeProof`], 6: an [`ElementMultiProof`]),
//! then the fields in order; hashes
//! and addresses as their bytes, numbers and lengths as shortest unsigned
//! LEB128, byte strings length-prefixed, lists count-prefixed, an optional
//! field as 0 (absent) or 1 and the field. Decoding accepts exactly what
//! encoding produces.

use alloc::vec::Vec;

use crate::layout::leb128;
use crate::{
    ContractNodes, ElementMultiProof, ElementProof, ElementRequest, MultiProof, PageProof, PathKey,
    RangeProof, ReceiptProof, Request, VariableProof, VerifyError,
};

const MAGIC: &[u8; 4] = b"svmP";
const VERSION: u8 = 1;
const VARIABLE: u8 = 1;
const MULTI: u8 = 2;
const RECEIPT: u8 = 3;
const ELEMENT: u8 = 4;
const RANGE: u8 = 5;
const ELEMENTS: u8 = 6;

fn bad(why: &'static str) -> VerifyError {
    VerifyError::Decode(why)
}

fn len(out: &mut Vec<u8>, n: usize) {
    // Lengths above u32::MAX cannot occur in a proof this encoder is given
    // (a page is at most 64 KiB, code 512 KiB); saturate rather than wrap.
    leb128(out, u32::try_from(n).unwrap_or(u32::MAX));
}

fn bytes(out: &mut Vec<u8>, b: &[u8]) {
    len(out, b.len());
    out.extend_from_slice(b);
}

fn nodes(out: &mut Vec<u8>, list: &[Vec<u8>]) {
    len(out, list.len());
    for n in list {
        bytes(out, n);
    }
}

fn option(out: &mut Vec<u8>, b: Option<&[u8]>) {
    match b {
        None => out.push(0),
        Some(b) => {
            out.push(1);
            bytes(out, b);
        }
    }
}

fn header(kind: u8) -> Vec<u8> {
    let mut out = MAGIC.to_vec();
    out.extend_from_slice(&[VERSION, kind]);
    out
}

/// Encodes a variable proof.
pub fn encode_variable(p: &VariableProof) -> Vec<u8> {
    let mut out = header(VARIABLE);
    out.extend_from_slice(&p.root);
    out.extend_from_slice(&p.address);
    leb128(&mut out, p.variable);
    nodes(&mut out, &p.account);
    option(&mut out, p.code.as_deref());
    len(&mut out, p.pages.len());
    for page in &p.pages {
        leb128(&mut out, page.index);
        nodes(&mut out, &page.nodes);
    }
    out
}

/// Encodes a multiproof.
pub fn encode_multi(p: &MultiProof) -> Vec<u8> {
    let mut out = header(MULTI);
    out.extend_from_slice(&p.root);
    len(&mut out, p.requests.len());
    for r in &p.requests {
        out.extend_from_slice(&r.address);
        leb128(&mut out, r.variable);
    }
    nodes(&mut out, &p.account_nodes);
    len(&mut out, p.contracts.len());
    for c in &p.contracts {
        out.extend_from_slice(&c.address);
        option(&mut out, c.code.as_deref());
        nodes(&mut out, &c.nodes);
    }
    out
}

/// Encodes a receipt proof (the index as a 64-bit LEB128).
pub fn encode_receipt(p: &ReceiptProof) -> Vec<u8> {
    let mut out = header(RECEIPT);
    out.extend_from_slice(&p.receipts_root);
    let mut n = p.index;
    while n >= 0x80 {
        out.push((n as u8 & 0x7f) | 0x80);
        n >>= 7;
    }
    out.push(n as u8);
    nodes(&mut out, &p.nodes);
    out
}

/// Encodes an element proof: root, address, variable, the path (a count,
/// then per key `0` and the index, or `1` and the key's bytes), the account
/// nodes, the optional code, and the levels (a count, then each node list).
pub fn encode_element(p: &ElementProof) -> Vec<u8> {
    let mut out = header(ELEMENT);
    out.extend_from_slice(&p.root);
    out.extend_from_slice(&p.address);
    leb128(&mut out, p.variable);
    path(&mut out, &p.path);
    nodes(&mut out, &p.account);
    option(&mut out, p.code.as_deref());
    levels(&mut out, &p.levels);
    out
}

fn path(out: &mut Vec<u8>, keys: &[PathKey]) {
    len(out, keys.len());
    for key in keys {
        match key {
            PathKey::Index(i) => {
                out.push(0);
                leb128(out, *i);
            }
            PathKey::Key(k) => {
                out.push(1);
                bytes(out, k);
            }
        }
    }
}

fn levels(out: &mut Vec<u8>, list: &[Vec<Vec<u8>>]) {
    len(out, list.len());
    for level in list {
        nodes(out, level);
    }
}

/// Encodes a range proof: root, address, variable, the path (as in an
/// element proof), `from`, `to`, the account nodes, the optional code, the
/// levels, and the range's nodes.
pub fn encode_range(p: &RangeProof) -> Vec<u8> {
    let mut out = header(RANGE);
    out.extend_from_slice(&p.root);
    out.extend_from_slice(&p.address);
    leb128(&mut out, p.variable);
    path(&mut out, &p.path);
    bytes(&mut out, &p.from);
    bytes(&mut out, &p.to);
    nodes(&mut out, &p.account);
    option(&mut out, p.code.as_deref());
    levels(&mut out, &p.levels);
    nodes(&mut out, &p.nodes);
    out
}

/// Reads fields off the front of the input.
struct Reader<'a> {
    rest: &'a [u8],
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], VerifyError> {
        if n > self.rest.len() {
            return Err(bad("truncated"));
        }
        let (head, rest) = self.rest.split_at(n);
        self.rest = rest;
        Ok(head)
    }

    fn fixed<const N: usize>(&mut self) -> Result<[u8; N], VerifyError> {
        let b = self.take(N)?;
        b.try_into().map_err(|_| bad("truncated"))
    }

    fn byte(&mut self) -> Result<u8, VerifyError> {
        Ok(self.take(1)?[0])
    }

    fn u32(&mut self) -> Result<u32, VerifyError> {
        u32::try_from(self.uint(5)?).map_err(|_| bad("number over 32 bits"))
    }

    fn u64(&mut self) -> Result<u64, VerifyError> {
        let v = self.uint(10)?;
        u64::try_from(v).map_err(|_| bad("number over 64 bits"))
    }

    /// A shortest-form unsigned LEB128 number of at most `max` bytes.
    fn uint(&mut self, max: usize) -> Result<u128, VerifyError> {
        let mut v: u128 = 0;
        for i in 0..max {
            let b = self.byte()?;
            v |= u128::from(b & 0x7f) << (7 * i);
            if b & 0x80 == 0 {
                if i > 0 && b == 0 {
                    return Err(bad("number not in its shortest form"));
                }
                return Ok(v);
            }
        }
        Err(bad("number too long"))
    }

    /// A count of items each at least `min` bytes long: never more than the
    /// input could hold, so a forged count cannot make us allocate.
    fn count(&mut self, min: usize) -> Result<usize, VerifyError> {
        let n = self.u32()? as usize;
        if n.saturating_mul(min) > self.rest.len() {
            return Err(bad("count larger than the input"));
        }
        Ok(n)
    }

    fn bytes(&mut self) -> Result<Vec<u8>, VerifyError> {
        let n = self.u32()? as usize;
        Ok(self.take(n)?.to_vec())
    }

    fn nodes(&mut self) -> Result<Vec<Vec<u8>>, VerifyError> {
        let n = self.count(1)?;
        (0..n).map(|_| self.bytes()).collect()
    }

    fn path(&mut self) -> Result<Vec<PathKey>, VerifyError> {
        let n = self.count(2)?;
        (0..n)
            .map(|_| match self.byte()? {
                0 => Ok(PathKey::Index(self.u32()?)),
                1 => Ok(PathKey::Key(self.bytes()?)),
                _ => Err(bad("a path key is neither an index nor a key")),
            })
            .collect()
    }

    fn levels(&mut self) -> Result<Vec<Vec<Vec<u8>>>, VerifyError> {
        let n = self.count(1)?;
        (0..n).map(|_| self.nodes()).collect()
    }

    fn option(&mut self) -> Result<Option<Vec<u8>>, VerifyError> {
        match self.byte()? {
            0 => Ok(None),
            1 => Ok(Some(self.bytes()?)),
            _ => Err(bad("optional field flag is neither 0 nor 1")),
        }
    }

    fn header(&mut self, kind: u8) -> Result<(), VerifyError> {
        if self.take(4)? != MAGIC {
            return Err(bad("not an svm proof (magic)"));
        }
        if self.byte()? != VERSION {
            return Err(bad("unknown version"));
        }
        if self.byte()? != kind {
            return Err(bad("another kind of proof"));
        }
        Ok(())
    }

    fn end<T>(self, value: T) -> Result<T, VerifyError> {
        if self.rest.is_empty() {
            Ok(value)
        } else {
            Err(bad("bytes after the proof"))
        }
    }
}

/// Decodes a variable proof.
pub fn decode_variable(input: &[u8]) -> Result<VariableProof, VerifyError> {
    let mut r = Reader { rest: input };
    r.header(VARIABLE)?;
    let root = r.fixed()?;
    let address = r.fixed()?;
    let variable = r.u32()?;
    let account = r.nodes()?;
    let code = r.option()?;
    let n = r.count(2)?;
    let pages = (0..n)
        .map(|_| {
            Ok(PageProof {
                index: r.u32()?,
                nodes: r.nodes()?,
            })
        })
        .collect::<Result<_, VerifyError>>()?;
    r.end(VariableProof {
        root,
        address,
        variable,
        account,
        code,
        pages,
    })
}

/// Decodes a multiproof.
pub fn decode_multi(input: &[u8]) -> Result<MultiProof, VerifyError> {
    let mut r = Reader { rest: input };
    r.header(MULTI)?;
    let root = r.fixed()?;
    let n = r.count(21)?;
    let requests = (0..n)
        .map(|_| {
            Ok(Request {
                address: r.fixed()?,
                variable: r.u32()?,
            })
        })
        .collect::<Result<_, VerifyError>>()?;
    let account_nodes = r.nodes()?;
    let n = r.count(22)?;
    let contracts = (0..n)
        .map(|_| {
            Ok(ContractNodes {
                address: r.fixed()?,
                code: r.option()?,
                nodes: r.nodes()?,
            })
        })
        .collect::<Result<_, VerifyError>>()?;
    r.end(MultiProof {
        root,
        requests,
        account_nodes,
        contracts,
    })
}

/// Decodes a receipt proof.
pub fn decode_receipt(input: &[u8]) -> Result<ReceiptProof, VerifyError> {
    let mut r = Reader { rest: input };
    r.header(RECEIPT)?;
    let receipts_root = r.fixed()?;
    let index = r.u64()?;
    let nodes = r.nodes()?;
    r.end(ReceiptProof {
        receipts_root,
        index,
        nodes,
    })
}

/// Decodes an element proof.
pub fn decode_element(input: &[u8]) -> Result<ElementProof, VerifyError> {
    let mut r = Reader { rest: input };
    r.header(ELEMENT)?;
    let root = r.fixed()?;
    let address = r.fixed()?;
    let variable = r.u32()?;
    let path = r.path()?;
    let account = r.nodes()?;
    let code = r.option()?;
    let levels = r.levels()?;
    r.end(ElementProof {
        root,
        address,
        variable,
        path,
        account,
        code,
        levels,
    })
}

/// Encodes an element multiproof: root, the requests (a count, then per
/// request address, variable and path), the codes (a count, then per code
/// address and bytes), and the nodes.
pub fn encode_elements(p: &ElementMultiProof) -> Vec<u8> {
    let mut out = header(ELEMENTS);
    out.extend_from_slice(&p.root);
    len(&mut out, p.requests.len());
    for r in &p.requests {
        out.extend_from_slice(&r.address);
        leb128(&mut out, r.variable);
        path(&mut out, &r.path);
    }
    len(&mut out, p.codes.len());
    for (address, code) in &p.codes {
        out.extend_from_slice(address);
        bytes(&mut out, code);
    }
    nodes(&mut out, &p.nodes);
    out
}

/// Decodes an element multiproof.
pub fn decode_elements(input: &[u8]) -> Result<ElementMultiProof, VerifyError> {
    let mut r = Reader { rest: input };
    r.header(ELEMENTS)?;
    let root = r.fixed()?;
    let n = r.count(21)?;
    let requests = (0..n)
        .map(|_| {
            Ok(ElementRequest {
                address: r.fixed()?,
                variable: r.u32()?,
                path: r.path()?,
            })
        })
        .collect::<Result<_, VerifyError>>()?;
    let n = r.count(21)?;
    let codes = (0..n)
        .map(|_| Ok((r.fixed()?, r.bytes()?)))
        .collect::<Result<_, VerifyError>>()?;
    let nodes = r.nodes()?;
    r.end(ElementMultiProof {
        root,
        requests,
        codes,
        nodes,
    })
}

/// Decodes a range proof.
pub fn decode_range(input: &[u8]) -> Result<RangeProof, VerifyError> {
    let mut r = Reader { rest: input };
    r.header(RANGE)?;
    let root = r.fixed()?;
    let address = r.fixed()?;
    let variable = r.u32()?;
    let path = r.path()?;
    let from = r.bytes()?;
    let to = r.bytes()?;
    let account = r.nodes()?;
    let code = r.option()?;
    let levels = r.levels()?;
    let nodes = r.nodes()?;
    r.end(RangeProof {
        root,
        address,
        variable,
        path,
        from,
        to,
        account,
        code,
        levels,
        nodes,
    })
}

/// The kind of binary proof `input` holds, if it starts like one.
pub fn kind(input: &[u8]) -> Option<Kind> {
    match input.strip_prefix(MAGIC)? {
        [VERSION, VARIABLE, ..] => Some(Kind::Variable),
        [VERSION, MULTI, ..] => Some(Kind::Multi),
        [VERSION, RECEIPT, ..] => Some(Kind::Receipt),
        [VERSION, ELEMENT, ..] => Some(Kind::Element),
        [VERSION, RANGE, ..] => Some(Kind::Range),
        [VERSION, ELEMENTS, ..] => Some(Kind::Elements),
        _ => None,
    }
}

/// The kinds of binary proof.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A [`VariableProof`].
    Variable,
    /// A [`MultiProof`].
    Multi,
    /// A [`ReceiptProof`].
    Receipt,
    /// An [`ElementProof`].
    Element,
    /// A [`RangeProof`].
    Range,
    /// An [`ElementMultiProof`].
    Elements,
}

/// Whether `input` starts like a binary proof (for tools that accept both
/// encodings).
pub fn is_binary(input: &[u8]) -> bool {
    input.starts_with(MAGIC)
}
