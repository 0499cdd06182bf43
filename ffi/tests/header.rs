//! The committed header is what cbindgen makes of the sources now: CI fails
//! when a change to the C API forgets to regenerate it. `SVM_BLESS=1 cargo
//! test -p svm-ffi --test header` rewrites it.

use std::path::Path;

#[test]
fn the_committed_header_is_current() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let config = cbindgen::Config::from_file(dir.join("cbindgen.toml")).expect("cbindgen.toml");
    let bindings = cbindgen::Builder::new()
        .with_src(dir.join("src/lib.rs"))
        .with_config(config)
        .generate()
        .expect("cbindgen reads the sources");
    let mut generated = Vec::new();
    bindings.write(&mut generated);
    let path = dir.join("include/svm.h");
    if std::env::var_os("SVM_BLESS").is_some() {
        std::fs::write(&path, &generated).expect("write the header");
    }
    let committed = std::fs::read(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "ffi/include/svm.h differs from what cbindgen generates from ffi/src: \
         run `SVM_BLESS=1 cargo test --release -p svm-ffi --test header` and commit it"
    );
    let text = String::from_utf8(generated).expect("UTF-8");
    for name in [
        "svm_db_open",
        "svm_vm_call",
        "svm_vm_execute_block",
        "svm_buffer_free",
        "svm_verify_proof",
        "svm_serve_range",
        "SVM_STATUS_BAD_HANDLE",
    ] {
        assert!(text.contains(name), "the header lacks {name}");
    }
}
