//! Contract code and the storage layout it carries: finding the one
//! `svm-layout` custom section by the sections' framing alone (no
//! WebAssembly parser; the VM validates the whole module at deploy, and the
//! code hash commits to it), and building the smallest module that declares
//! a layout.

use alloc::vec::Vec;

use crate::layout::{Layout, LayoutError, SECTION_NAME, leb128};

/// Why code carries no usable layout.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CodeError {
    /// The bytes are not framed as a WebAssembly 1 module.
    #[error("not a WebAssembly module: {0}")]
    NotWasm(&'static str),
    /// The module has no `svm-layout` custom section.
    #[error("the module has no `{SECTION_NAME}` custom section")]
    NoLayout,
    /// The module has more than one `svm-layout` custom section.
    #[error("the module has more than one `{SECTION_NAME}` custom section")]
    DuplicateLayout,
    /// The layout section is invalid.
    #[error("invalid storage layout: {0}")]
    Layout(#[from] LayoutError),
}

fn bad(why: &'static str) -> CodeError {
    CodeError::NotWasm(why)
}

fn leb_u32(bytes: &mut &[u8]) -> Result<u32, CodeError> {
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

fn take<'a>(bytes: &mut &'a [u8], len: u32) -> Result<&'a [u8], CodeError> {
    let len = usize::try_from(len).map_err(|_| bad("section too long"))?;
    if len > bytes.len() {
        return Err(bad("section longer than the module"));
    }
    let (head, rest) = bytes.split_at(len);
    *bytes = rest;
    Ok(head)
}

/// The payload of the module's one `svm-layout` custom section.
pub fn layout_section(code: &[u8]) -> Result<&[u8], CodeError> {
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
                    return Err(CodeError::DuplicateLayout);
                }
                found = Some(payload);
            }
        }
    }
    found.ok_or(CodeError::NoLayout)
}

/// The layout `code` declares.
pub fn layout_of(code: &[u8]) -> Result<Layout, CodeError> {
    Ok(Layout::decode(layout_section(code)?)?)
}

/// The smallest module declaring `layout`: the wasm header and one
/// `svm-layout` custom section, nothing else. For tests, tools and
/// benchmarks that need contract code without behaviour.
pub fn module_declaring(layout: &Layout) -> Vec<u8> {
    let payload = layout.encode();
    let mut section = Vec::new();
    leb128(&mut section, SECTION_NAME.len() as u32);
    section.extend_from_slice(SECTION_NAME.as_bytes());
    section.extend_from_slice(&payload);
    let mut module = b"\0asm\x01\0\0\0".to_vec();
    module.push(0); // custom section id
    leb128(&mut module, section.len() as u32);
    module.extend_from_slice(&section);
    module
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_one_layout_section() {
        let layout = Layout::new(4096, &[8, 32]).unwrap();
        let module = module_declaring(&layout);
        assert_eq!(layout_of(&module), Ok(layout.clone()));
        let mut two = module.clone();
        two.extend_from_slice(&module[8..]);
        assert_eq!(layout_of(&two), Err(CodeError::DuplicateLayout));
        assert_eq!(layout_of(b"\0asm\x01\0\0\0"), Err(CodeError::NoLayout));
        assert!(matches!(layout_of(b"not wasm"), Err(CodeError::NotWasm(_))));
        // A section claiming more bytes than the module has.
        let mut cut = module.clone();
        cut.truncate(cut.len() - 1);
        assert!(layout_of(&cut).is_err());
    }
}
