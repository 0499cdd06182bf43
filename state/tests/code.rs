//! Code by hash and the storage layout in its custom section.

use svm_format::code::CodeError as Why;
use svm_state::code::{CodeError, get_code, layout_of, put_code};
use svm_state::kv::{Column, KvStore, MemoryKv, WriteBatch};
use svm_state::layout::{Layout, SECTION_NAME, leb128};

/// An empty wasm module with the given custom sections.
fn module(sections: &[(&str, Vec<u8>)]) -> Vec<u8> {
    let mut m = b"\0asm\x01\0\0\0".to_vec();
    for (name, payload) in sections {
        let mut body = Vec::new();
        leb128(&mut body, name.len() as u32);
        body.extend_from_slice(name.as_bytes());
        body.extend_from_slice(payload);
        m.push(0);
        leb128(&mut m, body.len() as u32);
        m.extend(body);
    }
    m
}

#[test]
fn layout_comes_from_the_custom_section() {
    let layout = Layout::new(4096, &[32, 8, 5000]).unwrap();
    let code = module(&[("name", vec![0]), (SECTION_NAME, layout.encode())]);
    assert_eq!(layout_of(&code).unwrap(), layout);
}

#[test]
fn bad_modules_are_refused_with_the_reason() {
    let layout = Layout::new(64, &[1]).unwrap().encode();
    assert!(matches!(
        layout_of(&module(&[])),
        Err(CodeError::Layout(Why::NoLayout))
    ));
    assert!(matches!(
        layout_of(&module(&[
            (SECTION_NAME, layout.clone()),
            (SECTION_NAME, layout)
        ])),
        Err(CodeError::Layout(Why::DuplicateLayout))
    ));
    assert!(matches!(
        layout_of(b"not wasm at all"),
        Err(CodeError::Layout(Why::NotWasm(_)))
    ));
    assert!(matches!(
        layout_of(&module(&[(SECTION_NAME, vec![0x10])])),
        Err(CodeError::Layout(Why::Layout(_)))
    ));
    let mut truncated = module(&[(SECTION_NAME, Layout::new(64, &[1]).unwrap().encode())]);
    truncated.pop();
    assert!(layout_of(&truncated).is_err());
}

#[test]
fn code_is_stored_by_hash_and_checked_on_read() {
    let kv = MemoryKv::new();
    let code = module(&[(SECTION_NAME, Layout::new(64, &[1]).unwrap().encode())]);
    let mut batch = WriteBatch::new();
    let hash = put_code(&mut batch, &code);
    kv.write(batch).unwrap();
    assert_eq!(get_code(&kv, &hash).unwrap(), Some(code.clone()));
    assert_eq!(get_code(&kv, &svm_trie::H256::zero()).unwrap(), None);
    // A flipped byte in storage is detected.
    let mut bad = code;
    bad[9] ^= 1;
    let mut batch = WriteBatch::new();
    batch.put(Column::Code, hash.as_bytes(), &bad);
    kv.write(batch).unwrap();
    assert!(matches!(get_code(&kv, &hash), Err(CodeError::Corrupt(h)) if h == hash));
}

#[test]
fn module_declaring_carries_the_layout() {
    // 300 variables: the section's length needs two LEB128 bytes.
    let sizes: Vec<u32> = (1..=300).collect();
    let layout = Layout::new(4096, &sizes).unwrap();
    let code = svm_state::code::module_declaring(&layout);
    assert!(code.len() > 300);
    assert_eq!(layout_of(&code).unwrap(), layout);
}
