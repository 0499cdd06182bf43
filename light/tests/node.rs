//! The JavaScript bindings in Node.js, with no svm node running: the files
//! `/light` serves (the wasm-bindgen glue, the module and `svm-verify.js`)
//! are written to a directory and `node --test` runs `node/verify.test.mjs`
//! over `vectors.json` (every answer and refusal as the Rust side gives
//! it, every byte of every binary proof spoiled, the input forms and the
//! argument errors). Node.js must be installed (`apt-get install nodejs`).

use std::process::Command;

#[test]
fn the_bindings_pass_their_node_tests() {
    let dir = tempfile::tempdir().unwrap();
    for name in ["svm_verify.js", "svm_verify_bg.wasm", "svm-verify.js"] {
        let a = svm_light::asset(name).unwrap_or_else(|| panic!("asset {name}"));
        std::fs::write(dir.path().join(name), a.bytes).unwrap();
    }
    let here = env!("CARGO_MANIFEST_DIR");
    let out = Command::new("node")
        .arg("--test")
        .arg("--test-reporter=spec")
        .arg(format!("{here}/tests/node/verify.test.mjs"))
        .env("SVM_LIGHT_DIR", dir.path())
        .env("SVM_VECTORS", format!("{here}/tests/vectors.json"))
        .output()
        .unwrap_or_else(|e| {
            panic!("running node (install Node.js: `apt-get install nodejs`): {e}")
        });
    let text = String::from_utf8_lossy(&out.stdout);
    println!("{text}{}", String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "node --test failed: {}", out.status);
    // The run really tested something: every vector passed by name.
    let vectors: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(format!("{here}/tests/vectors.json")).unwrap(),
    )
    .unwrap();
    for v in vectors["vectors"].as_array().unwrap() {
        let name = v["name"].as_str().unwrap();
        assert!(text.contains(name), "node did not report vector {name:?}");
    }
    assert!(text.contains("fail 0"), "node reported failures");
}
