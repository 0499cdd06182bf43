//! Builds the verifier for JavaScript: svm-verify-js for
//! wasm32-unknown-unknown (a nested cargo, sized for a web page), then its
//! JavaScript glue with wasm-bindgen (`--target web`), into OUT_DIR/light.

use std::path::{Path, PathBuf};

/// The release profile of the nested build: sized for a web page (`s`:
/// 105 KiB gzipped, against 96 KiB at `z`, which verifies a third slower),
/// one unit, no unwinding, no debug info.
const PROFILE: &[(&str, &str)] = &[
    ("CARGO_PROFILE_RELEASE_OPT_LEVEL", "s"),
    ("CARGO_PROFILE_RELEASE_LTO", "fat"),
    ("CARGO_PROFILE_RELEASE_CODEGEN_UNITS", "1"),
    ("CARGO_PROFILE_RELEASE_PANIC", "abort"),
    ("CARGO_PROFILE_RELEASE_DEBUG", "false"),
    ("CARGO_PROFILE_RELEASE_STRIP", "debuginfo"),
];

fn fail(what: &str, e: impl std::fmt::Display) -> ! {
    eprintln!("error: {what}: {e}");
    std::process::exit(1);
}

fn main() {
    let manifest = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets it"));
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets it"));
    let workspace = manifest.join("..");
    for watched in [
        "proofs/verify/src",
        "proofs/verify/Cargo.toml",
        "proofs/verify/js/src",
        "proofs/verify/js/Cargo.toml",
        "format/src",
        "Cargo.lock",
    ] {
        println!(
            "cargo:rerun-if-changed={}",
            workspace.join(watched).display()
        );
    }
    let wasm = build_wasm(&workspace, &out.join("target"));
    let mut bindgen = wasm_bindgen_cli_support::Bindgen::new();
    bindgen
        .input_path(&wasm)
        .typescript(false)
        .out_name("svm_verify")
        .remove_name_section(true)
        .remove_producers_section(true)
        .omit_default_module_path(false);
    if let Err(e) = bindgen.web(true) {
        fail("wasm-bindgen --target web", e);
    }
    if let Err(e) = bindgen.generate(out.join("light")) {
        fail("wasm-bindgen on the verifier", e);
    }
}

/// Builds svm-verify-js for wasm32; returns the module's path.
fn build_wasm(workspace: &Path, target_dir: &Path) -> PathBuf {
    let mut cmd = svm_sdk_build::nested_cargo();
    cmd.args(["build", "--release", "--locked", "-p", "svm-verify-js"])
        .args(["--target", "wasm32-unknown-unknown", "--manifest-path"])
        .arg(workspace.join("Cargo.toml"))
        .arg("--target-dir")
        .arg(target_dir);
    for (k, v) in PROFILE {
        cmd.env(k, v);
    }
    match cmd.status() {
        Ok(s) if s.success() => {}
        Ok(s) => fail(
            "building svm-verify-js for wasm32-unknown-unknown (is the target installed? \
             `rustup target add wasm32-unknown-unknown`)",
            s,
        ),
        Err(e) => fail("running cargo", e),
    }
    target_dir.join("wasm32-unknown-unknown/release/svm_verify_js.wasm")
}
