//! The README cannot rot: every `svm …` line in its shell blocks names
//! commands and flags the binary has, and the self-contained ones — the
//! first command (`svm demo`) and the `$ svm …` transcripts — run and print
//! what the README shows.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The README's shell blocks, each as its lines.
fn shell_blocks() -> Vec<Vec<String>> {
    let path = format!("{}/../README.md", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let mut blocks = Vec::new();
    let mut block: Option<Vec<String>> = None;
    for line in text.lines() {
        if let Some(fence) = line.strip_prefix("```") {
            match block.take() {
                Some(b) => blocks.push(b),
                None if fence == "sh" => block = Some(Vec::new()),
                None => {
                    // Another language's block: skip to its end.
                    block = None;
                }
            }
            continue;
        }
        if let Some(b) = block.as_mut() {
            b.push(line.to_string());
        }
    }
    blocks
}

/// Every line of the README's shell blocks.
fn shell_lines() -> Vec<String> {
    shell_blocks().into_iter().flatten().collect()
}

/// `svm`'s arguments in a README line: `svm …` or the first command's
/// `cargo run … --bin svm -- …` (comments dropped).
fn svm_args(line: &str) -> Option<Vec<String>> {
    let line = line.split(" # ").next().unwrap_or(line).trim();
    let rest = if let Some(rest) = line.strip_prefix("svm ") {
        rest
    } else if line.starts_with("cargo run") && line.contains("--bin svm --") {
        line.split("--bin svm --").nth(1)?
    } else {
        return None;
    };
    Some(rest.split_whitespace().map(str::to_string).collect())
}

fn svm_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_svm"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("svm runs")
}

#[test]
fn every_svm_line_names_real_commands_and_flags() {
    let dir = tempfile::tempdir().unwrap();
    let mut checked = 0;
    for line in shell_lines() {
        let Some(args) = svm_args(line.trim_start_matches("$ ")) else {
            continue;
        };
        // The subcommand path: the leading lowercase words.
        let words: Vec<&str> = args
            .iter()
            .map(String::as_str)
            .take_while(|w| !w.is_empty() && w.chars().all(|c| c.is_ascii_lowercase()))
            .collect();
        assert!(!words.is_empty(), "no command in {line:?}");
        let mut help_args = words.clone();
        help_args.push("--help");
        let out = svm_in(dir.path(), &help_args);
        assert!(
            out.status.success(),
            "`svm {}` (README: {line:?}): {}",
            help_args.join(" "),
            String::from_utf8_lossy(&out.stderr)
        );
        let help = String::from_utf8_lossy(&out.stdout);
        for flag in args.iter().filter_map(|a| {
            let a = a.trim_start_matches('[');
            a.starts_with("--").then(|| {
                a.trim_end_matches(']')
                    .split(['=', ']'])
                    .next()
                    .unwrap_or(a)
                    .to_string()
            })
        }) {
            assert!(
                help.contains(&format!("{flag} ")) || help.contains(&format!("{flag}\n")),
                "README line {line:?}: `svm {}` has no {flag}",
                words.join(" ")
            );
        }
        checked += 1;
    }
    assert!(
        checked >= 20,
        "only {checked} svm lines found in the README"
    );
}

/// A directory where the README's relative paths (`examples/…`) resolve.
fn workdir() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let examples = PathBuf::from(format!("{}/../examples", env!("CARGO_MANIFEST_DIR")));
    std::os::unix::fs::symlink(&examples, dir.path().join("examples")).unwrap();
    let bin = PathBuf::from(env!("CARGO_BIN_EXE_svm"));
    let bin_dir = bin.parent().unwrap().to_path_buf();
    (dir, bin_dir)
}

#[test]
fn the_transcripts_print_what_the_readme_shows() {
    let (dir, bin_dir) = workdir();
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut ran = 0;
    for lines in shell_blocks() {
        let mut i = 0;
        while i < lines.len() {
            let Some(command) = lines[i].strip_prefix("$ ") else {
                i += 1;
                continue;
            };
            let mut expected = Vec::new();
            i += 1;
            while i < lines.len() && !lines[i].starts_with("$ ") {
                expected.push(lines[i].as_str());
                i += 1;
            }
            let out = Command::new("sh")
                .args(["-c", command])
                .env("PATH", &path)
                .current_dir(dir.path())
                .output()
                .expect("sh runs");
            assert!(
                out.status.success(),
                "README `{command}`: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            let printed = String::from_utf8_lossy(&out.stdout);
            assert_eq!(
                printed.trim_end(),
                expected.join("\n").trim_end(),
                "README `{command}`"
            );
            ran += 1;
        }
    }
    assert!(ran >= 3, "only {ran} transcript lines ran");
}

#[test]
fn the_first_command_runs_from_anywhere_and_the_state_checks() {
    let (dir, _) = workdir();
    let first = shell_lines()
        .into_iter()
        .find_map(|l| svm_args(&l))
        .expect("the README starts with a command");
    assert_eq!(first, ["demo"], "the README's first command");
    let out = svm_in(dir.path(), &["demo"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(dir.path().join("svm-data").is_dir(), "demo made ./svm-data");
    let check = svm_in(dir.path(), &["state", "check"]);
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&check.stdout).unwrap();
    assert_eq!(report["ok"], true);
}
