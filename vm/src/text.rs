//! WebAssembly text for tools and tests. The VM deploys binaries only: the
//! code hash (and so the address) must not depend on a text parser. The
//! conversion here drops the `name` section (labels and function names the
//! text gives), so renaming a label does not change the code.

use wasm_encoder::{Module, RawSection};
use wasmparser::{Parser, Payload};

/// The module binary of WebAssembly text, without a `name` section.
pub fn wat_to_wasm(text: &[u8]) -> Result<Vec<u8>, String> {
    let binary = wat::parse_bytes(text).map_err(|e| format!("invalid WebAssembly text: {e}"))?;
    strip_names(&binary)
}

/// `binary` without its `name` custom section(s).
pub fn strip_names(binary: &[u8]) -> Result<Vec<u8>, String> {
    let mut module = Module::new();
    for payload in Parser::new(0).parse_all(binary) {
        let payload = payload.map_err(|e| format!("invalid module: {e}"))?;
        if let Payload::CustomSection(c) = &payload
            && c.name() == "name"
        {
            continue;
        }
        if let Some((id, range)) = payload.as_section() {
            let data = usize::try_from(range.start)
                .ok()
                .zip(usize::try_from(range.end).ok())
                .and_then(|(a, b)| binary.get(a..b))
                .ok_or("a section outside the module")?;
            module.section(&RawSection { id, data });
        }
    }
    Ok(module.finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_not_code() {
        let a =
            br#"(module (func $first (export "f") (local $x i32) (local.set $x (i32.const 1))))"#;
        let b =
            br#"(module (func $second (export "f") (local $y i32) (local.set $y (i32.const 1))))"#;
        let (a, b) = (wat_to_wasm(a).unwrap(), wat_to_wasm(b).unwrap());
        assert_eq!(a, b);
        // With names, the two binaries differ.
        assert_ne!(
            wat::parse_bytes(br#"(module (func $first))"#).unwrap(),
            wat::parse_bytes(br#"(module (func $second))"#).unwrap()
        );
        // Other custom sections stay.
        let c =
            wat_to_wasm(br#"(module (@custom "svm-layout" "\80\20\01\08") (func $g))"#).unwrap();
        assert!(c.windows(10).any(|w| w == b"svm-layout"));
        assert!(!c.windows(4).any(|w| w == b"name"));
        assert!(wat_to_wasm(b"(module").is_err());
    }
}
