//! A C program drives svm through the committed header (tests/c/smoke.c):
//! compiled strictly, run, run again built with AddressSanitizer and
//! UndefinedBehaviorSanitizer, and under valgrind's memcheck, so a header
//! or ABI mistake, an invalid access or a leak fails the build.

use std::path::{Path, PathBuf};
use std::process::Command;

fn manifest() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The directory holding the `libsvm_ffi.so` cargo built with this test.
fn library_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("the test's path");
    let dir = exe.parent().expect("deps").to_path_buf();
    assert!(
        dir.join("libsvm_ffi.so").exists(),
        "no libsvm_ffi.so beside {}",
        exe.display()
    );
    dir
}

/// Compiles smoke.c with `flags` into `out`.
fn compile(out: &Path, flags: &[&str]) {
    let lib = library_dir();
    let status = Command::new("cc")
        .args(["-std=c11", "-Wall", "-Wextra", "-Werror", "-g"])
        .args(flags)
        .arg("-I")
        .arg(manifest().join("include"))
        .arg(manifest().join("tests/c/smoke.c"))
        .arg(format!("-L{}", lib.display()))
        .arg("-lsvm_ffi")
        .arg(format!("-Wl,-rpath,{}", lib.display()))
        .arg("-o")
        .arg(out)
        .status()
        .expect("cc runs (apt-get install build-essential)");
    assert!(status.success(), "cc {flags:?} failed");
}

fn counter() -> PathBuf {
    manifest().join("../examples/contracts/counter.wat")
}

/// Runs `cmd`, which must exit 0 and print the program's `ok` line.
fn expect_ok(cmd: &mut Command, what: &str) {
    let out = cmd.output().unwrap_or_else(|e| panic!("{what}: {e}"));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && stdout.contains("ok: counter 21"),
        "{what}: {}\nstdout: {stdout}\nstderr: {stderr}",
        out.status
    );
}

#[test]
fn a_c_program_runs_cleanly_under_the_sanitizers_and_memcheck() {
    let dir = tempfile::tempdir().expect("tempdir");
    let plain = dir.path().join("smoke");
    compile(&plain, &[]);
    expect_ok(Command::new(&plain).arg(counter()), "smoke");

    let sanitized = dir.path().join("smoke-asan");
    compile(
        &sanitized,
        &[
            "-fsanitize=address,undefined",
            "-fno-sanitize-recover=all",
            "-fno-omit-frame-pointer",
        ],
    );
    expect_ok(
        Command::new(&sanitized)
            .arg(counter())
            .env("ASAN_OPTIONS", "detect_leaks=1:abort_on_error=0"),
        "smoke under AddressSanitizer",
    );

    expect_ok(
        Command::new("valgrind")
            .args([
                "--error-exitcode=9",
                "--leak-check=full",
                "--errors-for-leak-kinds=definite",
            ])
            .arg(format!(
                "--suppressions={}",
                manifest().join("tests/c/valgrind.supp").display()
            ))
            .arg(&plain)
            .arg(counter()),
        "smoke under valgrind memcheck (apt-get install valgrind)",
    );
}
