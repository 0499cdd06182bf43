//! The verifier for JavaScript, measured: the size of the module `/light`
//! serves (raw and gzip -9), and per vector of `tests/vectors.json` that
//! verifies, the median time of one verification natively (svm-verify-js
//! in Rust) and in WebAssembly under Node.js (V8, Chromium's engine), with
//! their ratio. Needs Node.js and gzip.
//!
//! `cargo run --release --locked -p svm-light --example verify_bench [-- --json]`

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::Instant;

use serde_json::{Value, json};

/// Median over five batches of at least 100 ms of one call's time, in µs.
fn median_micros(mut f: impl FnMut()) -> f64 {
    for _ in 0..200 {
        f();
    }
    let mut per: Vec<f64> = (0..5)
        .map(|_| {
            let start = Instant::now();
            let mut n = 0u32;
            while start.elapsed().as_millis() < 100 {
                f();
                n += 1;
            }
            start.elapsed().as_secs_f64() * 1e6 / f64::from(n)
        })
        .collect();
    per.sort_by(f64::total_cmp);
    per[2]
}

fn gzipped(bytes: &[u8]) -> usize {
    let mut gz = Command::new("gzip")
        .arg("-9c")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("gzip runs");
    gz.stdin.take().unwrap().write_all(bytes).unwrap();
    gz.wait_with_output().unwrap().stdout.len()
}

fn main() {
    let as_json = std::env::args().any(|a| a == "--json");
    let here = env!("CARGO_MANIFEST_DIR");
    let vectors_path = format!("{here}/tests/vectors.json");
    let vectors: Value =
        serde_json::from_str(&std::fs::read_to_string(&vectors_path).unwrap()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    for a in svm_light::ASSETS.iter().filter(|a| !a.name.is_empty()) {
        std::fs::write(dir.path().join(a.name), a.bytes).unwrap();
    }
    let out = Command::new("node")
        .arg(format!("{here}/bench/verify.mjs"))
        .arg(&vectors_path)
        .env("SVM_LIGHT_DIR", dir.path())
        .output()
        .expect("node runs (install Node.js)");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let wasm_rows: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();

    let mut rows = Vec::new();
    for (v, w) in vectors["vectors"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|v| v.get("expect").is_some())
        .zip(&wasm_rows)
    {
        assert_eq!(v["name"], w["name"]);
        let proof = match &v["proof"] {
            Value::String(h) => hex::decode(&h[2..]).unwrap(),
            other => other.to_string().into_bytes(),
        };
        let root = v["root"].as_str().unwrap();
        let options = v.get("options").map(Value::to_string).unwrap_or_default();
        let kind = v["kind"].as_str().unwrap();
        let native = median_micros(|| {
            std::hint::black_box(svm_verify_js::verify(kind, &proof, root, &options).unwrap());
        });
        let wasm = w["micros"].as_f64().unwrap();
        rows.push(json!({
            "name": v["name"], "kind": kind, "form": v["form"], "bytes": proof.len(),
            "nativeMicros": native, "wasmMicros": wasm, "ratio": wasm / native,
        }));
    }
    let module = svm_light::verifier_wasm();
    let glue: usize = ["svm_verify.js", "svm-verify.js"]
        .iter()
        .map(|n| svm_light::asset(n).unwrap().bytes.len())
        .sum();
    let size = json!({
        "wasm": module.len(), "wasmGzip": gzipped(module), "glueJs": glue,
    });
    if as_json {
        println!("{}", json!({"size": size, "rows": rows}));
        return;
    }
    println!(
        "module: {} bytes ({:.1} KiB), gzip -9 {} bytes ({:.1} KiB); JavaScript glue {} bytes",
        module.len(),
        module.len() as f64 / 1024.0,
        size["wasmGzip"],
        size["wasmGzip"].as_f64().unwrap() / 1024.0,
        glue
    );
    println!("| proof | form | bytes | native µs | wasm (V8) µs | wasm / native |");
    println!("|---|---|---:|---:|---:|---:|");
    for r in &rows {
        println!(
            "| {} | {} | {} | {:.1} | {:.1} | {:.2}× |",
            r["name"].as_str().unwrap(),
            r["form"].as_str().unwrap(),
            r["bytes"],
            r["nativeMicros"].as_f64().unwrap(),
            r["wasmMicros"].as_f64().unwrap(),
            r["ratio"].as_f64().unwrap()
        );
    }
}
