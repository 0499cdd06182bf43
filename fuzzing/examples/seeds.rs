//! Writes seed inputs for the fuzz targets whose inputs are hard to find
//! from nothing: `module` (the example contracts as binaries) and
//! `snapshot_range` (honest answers to requests of the target's trie).
//! `cargo run --release -p svm-fuzzing --example seeds -- DIR` writes them
//! under `DIR/module` and `DIR/snapshot_range` (e.g. `fuzz/corpus`; then
//! `cargo fuzz cmin` keeps the ones that add coverage).

use std::path::{Path, PathBuf};

fn write(dir: &Path, name: &str, bytes: &[u8]) {
    std::fs::create_dir_all(dir).expect("create the seed directory");
    std::fs::write(dir.join(name), bytes).expect("write a seed");
}

fn main() {
    let Some(out) = std::env::args().nth(1).map(PathBuf::from) else {
        eprintln!("usage: seeds DIR");
        std::process::exit(2);
    };
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    for dir in ["examples/contracts", "vm/tests/contracts"] {
        for entry in std::fs::read_dir(root.join(dir)).expect("contracts") {
            let path = entry.expect("entry").path();
            let text = std::fs::read(&path).expect("read");
            let wasm = svm_vm::wat_to_wasm(&text).expect("the example compiles");
            let name = path.file_stem().expect("name").to_string_lossy();
            write(&out.join("module"), &format!("{name}.wasm"), &wasm);
        }
    }
    let t = svm_fuzzing::range_trie();
    let headers: [[u8; 4]; 8] = [
        [0xff, 0xff, 0xff, 0],
        [0xff, 0xff, 4, 0],
        [10, 0xff, 1, 0],
        [10, 40, 0, 0],
        [10, 40, 0xff, 0],
        [20, 0xff, 2, 1 | (3 << 3)],
        [0, 0, 0, 0],
        [200, 201, 9, 1],
    ];
    for (i, header) in headers.iter().enumerate() {
        let req = svm_fuzzing::range_request(*header).expect("an ordered request");
        let proof = svm_trie::proof::prove_range_capped(
            &t.store,
            t.root,
            &req.from,
            req.to.as_deref(),
            usize::MAX,
            req.max_bytes,
        )
        .expect("prove");
        let answer = svm_sync::wire::encode_range(&proof);
        svm_sync::chunk::verify_chunk(&req, &answer).expect("an honest answer verifies");
        let mut input = header.to_vec();
        input.extend(answer);
        write(&out.join("snapshot_range"), &format!("seed-{i}"), &input);
    }
}
