//! The `svm trie` commands, run as a user runs them.

use std::path::PathBuf;
use std::process::{Command, Output};

const ANIMALS_ROOT: &str = "0x5991bb8c6514148a29db676a14ac506cd2cd5775ace63c30a4fe457715e9ac84";

fn svm(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_svm"))
        .args(args)
        .output()
        .expect("svm runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).unwrap()
}

fn example() -> String {
    format!("{}/../examples/animals.jsonl", env!("CARGO_MANIFEST_DIR"))
}

fn temp(name: &str, contents: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("svm-cli-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, contents).unwrap();
    path
}

/// A failure: non-zero exit and one `error:` line, no panic or backtrace.
fn assert_clean_failure(o: &Output, needle: &str) {
    assert!(!o.status.success(), "succeeded: {}", stdout(o));
    let err = stderr(o);
    assert_eq!(err.lines().count(), 1, "stderr: {err}");
    assert!(err.starts_with("error: "), "stderr: {err}");
    assert!(err.contains(needle), "stderr {err:?} lacks {needle:?}");
    assert!(!err.contains("panicked"));
}

#[test]
fn root_of_the_ethereum_example() {
    // The same updates as Ethereum's `emptyValues` vector, including deletes.
    let o = svm(&["trie", "root", &example()]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(stdout(&o).trim(), ANIMALS_ROOT);
}

#[test]
fn secure_root() {
    let f = temp("secure.jsonl", "{\"key\":\"0x01\",\"value\":\"0x02\"}\n");
    let plain = svm(&["trie", "root", f.to_str().unwrap()]);
    let secure = svm(&["trie", "root", "--secure", f.to_str().unwrap()]);
    assert!(plain.status.success() && secure.status.success());
    assert_ne!(stdout(&plain), stdout(&secure));
}

#[test]
fn prove_then_verify_inclusion_and_exclusion() {
    for (key, want) in [
        ("0x646f67", "0x7075707079"),
        ("0x646f6778", "absent"),
        ("0x", "absent"),
    ] {
        let o = svm(&["trie", "prove", &example(), key]);
        assert!(o.status.success(), "{}", stderr(&o));
        let json: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        assert_eq!(json["root"], ANIMALS_ROOT);
        assert_eq!(json["key"], key);
        let expect_value = if want == "absent" { "0x" } else { want };
        assert_eq!(json["value"], expect_value);
        let proof = temp(&format!("proof-{key}.json"), &stdout(&o));
        let v = svm(&["trie", "verify", ANIMALS_ROOT, key, proof.to_str().unwrap()]);
        assert!(v.status.success(), "{}", stderr(&v));
        assert_eq!(stdout(&v).trim(), want);

        // The bare array form verifies too.
        let bare = serde_json::to_string(&json["proof"]).unwrap();
        let bare = temp(&format!("bare-{key}.json"), &bare);
        let v = svm(&["trie", "verify", ANIMALS_ROOT, key, bare.to_str().unwrap()]);
        assert_eq!(stdout(&v).trim(), want);
    }
}

#[test]
fn tampered_or_mismatched_proofs_fail() {
    let o = svm(&["trie", "prove", &example(), "0x646f67"]);
    let mut json: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let good = temp("good.json", &stdout(&o));
    // Another key against this proof: the file's claimed value is not what it proves.
    let v = svm(&[
        "trie",
        "verify",
        ANIMALS_ROOT,
        "0x646f",
        good.to_str().unwrap(),
    ]);
    assert_clean_failure(&v, "invalid proof");
    // A wrong root.
    let wrong_root = format!("0x{}", "11".repeat(32));
    let v = svm(&[
        "trie",
        "verify",
        &wrong_root,
        "0x646f67",
        good.to_str().unwrap(),
    ]);
    assert_clean_failure(&v, "invalid proof");
    // One changed byte in a node.
    let node = json["proof"][1].as_str().unwrap().to_string();
    let flipped = format!(
        "{}{}",
        &node[..node.len() - 2],
        if node.ends_with("80") { "81" } else { "80" }
    );
    json["proof"][1] = serde_json::Value::String(flipped);
    let bad = temp("bad.json", &json.to_string());
    let v = svm(&[
        "trie",
        "verify",
        ANIMALS_ROOT,
        "0x646f67",
        bad.to_str().unwrap(),
    ]);
    assert_clean_failure(&v, "invalid proof");
}

#[test]
fn bad_input_fails_cleanly() {
    let cases: Vec<(Vec<String>, &str)> = vec![
        (
            vec!["root".into(), "/nonexistent/file.jsonl".into()],
            "No such file",
        ),
        (
            vec![
                "root".into(),
                temp("a.jsonl", "{\"key\":\"0x1\",\"value\":\"0x\"}")
                    .display()
                    .to_string(),
            ],
            "odd number",
        ),
        (
            vec![
                "root".into(),
                temp("b.jsonl", "{\"key\": 5}").display().to_string(),
            ],
            "b.jsonl:1",
        ),
        (
            vec![
                "root".into(),
                temp("c.jsonl", "not json").display().to_string(),
            ],
            "c.jsonl:1",
        ),
        (vec!["prove".into(), example(), "0xzz".into()], "invalid"),
        (
            vec!["verify".into(), "0x12".into(), "0x00".into(), example()],
            "32 bytes",
        ),
        (
            vec![
                "verify".into(),
                ANIMALS_ROOT.into(),
                "0x00".into(),
                temp("d.json", "{\"proof\": 3}").display().to_string(),
            ],
            "expected a proof",
        ),
        (
            vec![
                "verify".into(),
                ANIMALS_ROOT.into(),
                "0x00".into(),
                temp("e.json", "[\"0xc2\"]").display().to_string(),
            ],
            "invalid proof",
        ),
    ];
    for (args, needle) in cases {
        let mut full = vec!["trie"];
        full.extend(args.iter().map(String::as_str));
        assert_clean_failure(&svm(&full), needle);
    }
}
