//! Finding the `svm-layout` custom section in a contract's code, without a
//! WebAssembly parser: the sections' framing is enough (the code hash
//! already commits to a module svm validated at deploy).

use crate::VerifyError;
use crate::layout::{Layout, SECTION_NAME};

fn bad(why: &'static str) -> VerifyError {
    VerifyError::Code(why)
}

fn leb_u32(bytes: &mut &[u8]) -> Result<u32, VerifyError> {
    let mut v: u64 = 0;
    for i in 0..5 {
        let (&b, rest) = bytes.split_first().ok_or(bad("truncated number"))?;
        *bytes = rest;
        v |= u64::from(b & 0x7f) << (7 * i);
        if b & 0x80 == 0 {
            return u32::try_from(v).map_err(|_| bad("number over 32 bits"));
        }
    }
    Err(bad("number over 32 bits"))
}

fn take<'a>(bytes: &mut &'a [u8], len: u32) -> Result<&'a [u8], VerifyError> {
    let len = usize::try_from(len).map_err(|_| bad("section too long"))?;
    if len > bytes.len() {
        return Err(bad("section longer than the module"));
    }
    let (head, rest) = bytes.split_at(len);
    *bytes = rest;
    Ok(head)
}

/// The payload of the module's one `svm-layout` custom section.
pub fn layout_section(code: &[u8]) -> Result<&[u8], VerifyError> {
    let mut rest = code
        .strip_prefix(b"\0asm\x01\0\0\0")
        .ok_or(bad("not a WebAssembly 1 module"))?;
    let mut found = None;
    while let Some((&id, after)) = rest.split_first() {
        rest = after;
        let len = leb_u32(&mut rest)?;
        let mut payload = take(&mut rest, len)?;
        if id == 0 {
            let name_len = leb_u32(&mut payload)?;
            let name = take(&mut payload, name_len)?;
            if name == SECTION_NAME.as_bytes() {
                if found.is_some() {
                    return Err(bad("two layout sections"));
                }
                found = Some(payload);
            }
        }
    }
    found.ok_or(bad("no layout section"))
}

/// The layout `code` declares.
pub fn layout_of(code: &[u8]) -> Result<Layout, VerifyError> {
    Ok(Layout::decode(layout_section(code)?)?)
}
