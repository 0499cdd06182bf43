//! The layer picture (docs/DESIGN: format → trie → state → vm, with the
//! prover beside the state and the verifier on the formats alone): each
//! crate's normal dependencies, transitively, as `cargo tree` resolves
//! them, hold none of the layers above it.

use std::collections::BTreeSet;
use std::process::Command;

/// The crates `package` depends on (normal dependencies, transitively),
/// built for the host or for `target`.
fn dependencies_for(package: &str, target: Option<&str>) -> BTreeSet<String> {
    let mut args = vec![
        "tree",
        "--offline",
        "--locked",
        "-p",
        package,
        "-e",
        "normal",
        "--prefix",
        "none",
        "--format",
        "{p}",
    ];
    if let Some(t) = target {
        args.extend(["--target", t]);
    }
    let out = Command::new(env!("CARGO"))
        .args(&args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cargo runs");
    assert!(
        out.status.success(),
        "cargo tree -p {package}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .expect("cargo prints UTF-8")
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .filter(|name| *name != package)
        .map(str::to_string)
        .collect()
}

/// The crates `package` depends on, built for the host.
fn dependencies(package: &str) -> BTreeSet<String> {
    dependencies_for(package, None)
}

/// The svm crates among them.
fn svm_dependencies(package: &str) -> BTreeSet<String> {
    let mut deps = dependencies(package);
    deps.retain(|d| d.starts_with("svm-"));
    deps
}

/// A light client's verifier brings keccak and nothing else that runs: its
/// other dependencies are `thiserror`'s derive (compile time only). In
/// WebAssembly, where light clients run it, keccak is `tiny-keccak`; on
/// native targets `keccak-asm` with its `digest` plumbing.
#[test]
fn the_verifier_depends_on_keccak_alone() {
    let derive = [
        "svm-format",
        "thiserror",
        "thiserror-impl",
        "proc-macro2",
        "quote",
        "syn",
        "unicode-ident",
    ];
    let wasm: &[&str] = &["tiny-keccak", "crunchy"];
    let native: &[&str] = &[
        "keccak-asm",
        "sha3-asm",
        "digest",
        "block-buffer",
        "crypto-common",
        "generic-array",
        "typenum",
        "cfg-if",
    ];
    for (target, keccak, name) in [
        (Some("wasm32-unknown-unknown"), wasm, "tiny-keccak"),
        (None, native, "keccak-asm"),
    ] {
        let deps = dependencies_for("svm-verify", target);
        assert!(deps.contains(name), "{target:?}: {deps:?}");
        let other: Vec<&String> = deps
            .iter()
            .filter(|d| !derive.contains(&d.as_str()) && !keccak.contains(&d.as_str()))
            .collect();
        assert!(
            other.is_empty(),
            "svm-verify ({target:?}) depends on {other:?}"
        );
    }
}

#[test]
fn no_import_runs_up_a_layer() {
    let allowed: [(&str, &[&str]); 8] = [
        ("svm-format", &[]),
        ("svm-verify", &["svm-format"]),
        ("svm-trie", &["svm-format"]),
        ("svm-state", &["svm-format", "svm-trie"]),
        (
            "svm-proofs",
            &["svm-format", "svm-trie", "svm-state", "svm-verify"],
        ),
        ("svm-vm", &["svm-format", "svm-trie", "svm-state"]),
        // The verifier for JavaScript wraps the verifier alone; the page's
        // crate serves bytes (the verifier reaches it as a build artifact).
        ("svm-verify-js", &["svm-format", "svm-verify"]),
        ("svm-light", &[]),
    ];
    for (package, below) in allowed {
        let found = svm_dependencies(package);
        let above: Vec<&String> = found
            .iter()
            .filter(|d| !below.contains(&d.as_str()))
            .collect();
        assert!(
            above.is_empty(),
            "{package} depends on {above:?}, which are not below it"
        );
    }
}
