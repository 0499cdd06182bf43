//! Builds the Rust example contracts (contracts/rust) for
//! wasm32-unknown-unknown with svm-sdk-build, into OUT_DIR.

use std::path::PathBuf;

/// The example packages; `src/lib.rs` names the same list.
const PACKAGES: &[&str] = &[
    "counter",
    "token",
    "map-token",
    "registry",
    "exchange",
    "inbox",
];

fn main() {
    let manifest = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets it"));
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets it"));
    let workspace = manifest.join("rust");
    for watched in [workspace.clone(), manifest.join("../sdk")] {
        println!("cargo:rerun-if-changed={}", watched.display());
    }
    let built = match svm_sdk_build::build(&workspace, &out.join("target"), PACKAGES) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("error: building the Rust example contracts: {e}");
            std::process::exit(1);
        }
    };
    for b in built {
        let path = out.join(format!("{}.wasm", b.package));
        if let Err(e) = std::fs::write(&path, &b.wasm) {
            eprintln!("error: writing {}: {e}", path.display());
            std::process::exit(1);
        }
    }
}
