//! Building Rust contracts for svm.
//!
//! [`build`] runs cargo for `wasm32-unknown-unknown` with the flags svm's
//! validation needs — WebAssembly 1.0 plus sign extension and multi-value
//! (`-C target-cpu=mvp`), a declared memory maximum of 256 pages, a 64 KiB
//! stack — and passes every module through [`lower`], which replaces what
//! the precompiled standard library still brings (bulk memory) and drops
//! custom sections other than `svm-layout`.

mod lower;

pub use lower::{LAYOUT_SECTION, LowerError, lower};

use std::path::{Path, PathBuf};
use std::process::Command;

/// Why building contracts failed.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    /// cargo could not be started.
    #[error("running cargo: {0}")]
    Spawn(std::io::Error),
    /// cargo failed (its output went to stderr).
    #[error(
        "cargo build for wasm32-unknown-unknown failed ({0}); is the target installed? `rustup target add wasm32-unknown-unknown`"
    )]
    Cargo(std::process::ExitStatus),
    /// A built module is missing or unreadable.
    #[error("reading {0}: {1}")]
    Read(PathBuf, std::io::Error),
    /// A built module could not be lowered.
    #[error("lowering {0}: {1}")]
    Lower(String, LowerError),
}

/// The most memory a contract module declares: 256 pages (svm's limit).
pub const MAX_MEMORY_BYTES: u32 = 256 * 65536;

/// The stack Rust code gets inside the module's memory.
pub const STACK_BYTES: u32 = 64 * 1024;

/// Environment a build script's cargo sets that must not reach a nested
/// cargo (it would build for the wrong target, with the wrong flags or
/// wrapper, or into the outer target directory).
const SCRUB: &[&str] = &[
    "CARGO_TARGET_DIR",
    "CARGO_BUILD_TARGET",
    "RUSTFLAGS",
    "CARGO_ENCODED_RUSTFLAGS",
    "CARGO_BUILD_RUSTFLAGS",
    "RUSTC_WRAPPER",
    "RUSTC_WORKSPACE_WRAPPER",
    "CARGO_PRIMARY_PACKAGE",
    "CARGO_MANIFEST_DIR",
    "CARGO_MANIFEST_PATH",
    "OUT_DIR",
    "TARGET",
];

/// The rustc flags of a contract build; `remap` is the source directory
/// shown as `contracts` in panic locations (so a module does not depend on
/// where it was built).
pub fn rustflags(remap: &Path) -> Vec<String> {
    vec![
        "-Ctarget-cpu=mvp".into(),
        "-Ctarget-feature=+sign-ext,+multivalue,+mutable-globals".into(),
        format!("-Clink-arg=--max-memory={MAX_MEMORY_BYTES}"),
        format!("-Clink-arg=-zstack-size={STACK_BYTES}"),
        format!("--remap-path-prefix={}=contracts", remap.display()),
    ]
}

/// A contract module built from a package.
#[derive(Clone, Debug)]
pub struct Built {
    /// The package's name.
    pub package: String,
    /// The lowered module.
    pub wasm: Vec<u8>,
}

/// A cargo command for a build script to run a nested build with: the
/// cargo that runs the script, without the environment the outer build
/// sets for it (target, flags, wrapper, target directory, package and
/// feature variables).
pub fn nested_cargo() -> Command {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut cmd = Command::new(cargo);
    for v in SCRUB {
        cmd.env_remove(v);
    }
    for (k, _) in std::env::vars_os() {
        let k = k.to_string_lossy();
        if k.starts_with("CARGO_CFG_")
            || k.starts_with("CARGO_FEATURE_")
            || k.starts_with("CARGO_PKG_")
        {
            cmd.env_remove(&*k);
        }
    }
    cmd
}

/// Builds `packages` of the cargo workspace at `workspace` (its
/// `Cargo.toml` directory; release profile, `--locked`) into `target_dir`,
/// and lowers each module.
pub fn build(
    workspace: &Path,
    target_dir: &Path,
    packages: &[&str],
) -> Result<Vec<Built>, BuildError> {
    let mut cmd = nested_cargo();
    cmd.arg("build")
        .arg("--release")
        .arg("--locked")
        .arg("--target")
        .arg("wasm32-unknown-unknown")
        .arg("--manifest-path")
        .arg(workspace.join("Cargo.toml"))
        .arg("--target-dir")
        .arg(target_dir);
    for p in packages {
        cmd.arg("-p").arg(p);
    }
    cmd.env("CARGO_ENCODED_RUSTFLAGS", rustflags(workspace).join("\x1f"));
    let status = cmd.status().map_err(BuildError::Spawn)?;
    if !status.success() {
        return Err(BuildError::Cargo(status));
    }
    let dir = target_dir.join("wasm32-unknown-unknown").join("release");
    packages
        .iter()
        .map(|p| {
            let path = dir.join(format!("{}.wasm", p.replace('-', "_")));
            let raw = std::fs::read(&path).map_err(|e| BuildError::Read(path.clone(), e))?;
            let wasm = lower(&raw).map_err(|e| BuildError::Lower(p.to_string(), e))?;
            Ok(Built {
                package: p.to_string(),
                wasm,
            })
        })
        .collect()
}
