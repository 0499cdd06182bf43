//! The `svm state` commands on a RocksDB directory, run as a user runs them.

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;
use svm_state::kv::{Column, KvStore, WriteBatch};
use svm_state::{StateConfig, StateDb};

const COUNTER: &str = "0x00000000000000000000000000000000000c0173";
const TOKEN: &str = "0x0000000000000000000000000000000000007035";

fn svm(db: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_svm"))
        .arg("state")
        .args(args)
        .arg("--db")
        .arg(db)
        .output()
        .expect("svm runs")
}

fn json(o: &Output) -> Value {
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    serde_json::from_slice(&o.stdout).expect("JSON output")
}

fn fails(o: &Output, needle: &str) {
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.starts_with("error: ") && err.contains(needle), "{err}");
}

fn example() -> String {
    format!("{}/../examples/state.jsonl", env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn apply_then_read_back_and_check() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("svm-data");
    fails(&svm(&db, &["root"]), "no database at");
    let applied = json(&svm(&db, &["apply", &example()]));
    assert_eq!(applied["seq"], 1);
    assert_eq!(applied["changed_accounts"].as_array().unwrap().len(), 3);
    let root = applied["root"].as_str().unwrap().to_string();
    // Applying again changes nothing but makes a new commit of the same root.
    let again = json(&svm(&db, &["apply", &example()]));
    assert_eq!(
        (again["seq"].as_u64(), again["root"].as_str()),
        (Some(2), Some(root.as_str()))
    );
    let head = json(&svm(&db, &["root"]));
    assert_eq!(head["seq"], 2);
    assert_eq!(head["root"], root.as_str());
    assert_eq!(
        json(&svm(&db, &["root", "--seq", "1"]))["root"],
        root.as_str()
    );

    let account = json(&svm(&db, &["account", COUNTER]));
    assert_eq!(account["layout"]["variables"], 4);
    assert_eq!(account["layout"]["pages"], 3);
    let variable = json(&svm(&db, &["variable", COUNTER, "0", "--root", &root]));
    assert_eq!(variable["value"], "0x000000000000002a");
    let variable = json(&svm(&db, &["variable", TOKEN, "3"]));
    assert_eq!(
        (variable["page"].as_u64(), variable["offset"].as_u64()),
        (Some(1), Some(32))
    );
    let page = json(&svm(&db, &["page", TOKEN, "1"]));
    let data = page["data"].as_str().unwrap();
    assert_eq!(data.len(), 2 + 128);
    assert!(data.ends_with("03e8"));
    let check = json(&svm(&db, &["check"]));
    assert_eq!(
        (check["accounts"].as_u64(), check["contracts"].as_u64()),
        (Some(3), Some(2))
    );
    assert_eq!(check["pages"], 2, "counter page 0, token page 1");

    fails(&svm(&db, &["variable", TOKEN, "4"]), "outside the layout");
    fails(&svm(&db, &["page", TOKEN, "2"]), "outside its 2 pages");
    fails(&svm(&db, &["account", "0x01"]), "20 bytes");
    fails(
        &svm(&db, &["account", &format!("0x{}", "ee".repeat(20))]),
        "no account",
    );
    fails(
        &svm(&db, &["check", "--root", &format!("0x{}", "07".repeat(32))]),
        "unknown",
    );
    fails(&svm(&db, &["root", "--seq", "9"]), "no commit 9");

    // A bad line changes nothing.
    let bad = dir.path().join("bad.jsonl");
    std::fs::write(
        &bad,
        format!("{{\"write\":\"{COUNTER}\",\"variable\":0,\"value\":\"0x01\"}}\n{{\"write\":\"{COUNTER}\",\"variable\":0,\"value\":\"0x0102\"}}\n"),
    )
    .unwrap();
    fails(&svm(&db, &["apply", bad.to_str().unwrap()]), "bad.jsonl:1:");
    assert_eq!(json(&svm(&db, &["root"]))["seq"], 2);
}

#[test]
fn check_reports_a_corrupt_node() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("svm-data");
    let root = json(&svm(&db, &["apply", &example()]))["root"]
        .as_str()
        .unwrap()
        .to_string();
    let storage_root = json(&svm(&db, &["account", TOKEN]))["storage_root"]
        .as_str()
        .unwrap()
        .to_string();
    {
        let state = StateDb::open_rocks(&db, &StateConfig::default()).unwrap();
        let key = hex::decode(&storage_root[2..]).unwrap();
        let mut node = state.kv().get(Column::Nodes, &key).unwrap().unwrap();
        node[3] ^= 0x40;
        let mut batch = WriteBatch::new();
        batch.put(Column::Nodes, &key, &node);
        state.kv().write(batch).unwrap();
    }
    fails(
        &svm(&db, &["check", "--root", &root]),
        "storage trie of account key",
    );
    fails(&svm(&db, &["variable", TOKEN, "3"]), "corrupt");
    // The other contract is intact.
    json(&svm(&db, &["variable", COUNTER, "0"]));
}

/// The error lines of a failed command.
fn stderr_of_failure(o: &Output) -> String {
    assert!(!o.status.success());
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn reading_commands_run_beside_a_writer() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("svm-data");
    let root = json(&svm(&db, &["apply", &example()]))["root"].clone();
    // A node holds the database open for writing (and its lock).
    let node = StateDb::open_rocks(&db, &StateConfig::default()).unwrap();
    assert_eq!(json(&svm(&db, &["root"]))["root"], root);
    assert_eq!(json(&svm(&db, &["check"]))["ok"], true);
    json(&svm(&db, &["variable", COUNTER, "0"]));
    // A writing command cannot run beside it, and says what can.
    let err = stderr_of_failure(&svm(&db, &["apply", &example()]));
    assert!(err.contains("lock") && err.contains("read-only"), "{err}");
    drop(node);
}

#[test]
fn damaged_files_are_reported_as_corruption() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("svm-data");
    json(&svm(&db, &["apply", &example()]));
    // Reopening for writing moves the write-ahead log into table files.
    drop(StateDb::open_rocks(&db, &StateConfig::default()).unwrap());
    let mut spoiled = 0;
    for entry in std::fs::read_dir(&db).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "sst") {
            let mut bytes = std::fs::read(&path).unwrap();
            for b in bytes.iter_mut().step_by(64) {
                *b ^= 0x10;
            }
            std::fs::write(&path, bytes).unwrap();
            spoiled += 1;
        }
    }
    assert!(spoiled > 0, "no table files to spoil");
    let err = stderr_of_failure(&svm(&db, &["root"]));
    assert!(err.contains("is corrupt"), "{err}");
    assert!(
        err.contains("hint:") && err.contains("svm state check"),
        "{err}"
    );
}

/// `--keep` chooses what a new database keeps; `-v` logs each commit and
/// what pruning did; a root below the window is reported pruned; `check
/// --refs` audits every count.
#[test]
fn keep_prunes_and_verbose_logs_the_commits() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("svm-data");
    let mut roots = Vec::new();
    for i in 0..3u8 {
        let changes = dir.path().join(format!("changes-{i}.jsonl"));
        let mut text = std::fs::read_to_string(example()).unwrap();
        text.push_str(&format!(
            "{{\"write\": \"{COUNTER}\", \"variable\": 0, \"value\": \"0x00000000000000{i:02x}\"}}\n"
        ));
        std::fs::write(&changes, text).unwrap();
        let o = svm(
            &db,
            &["apply", changes.to_str().unwrap(), "--keep", "1", "-v"],
        );
        let log = String::from_utf8_lossy(&o.stderr).to_string();
        assert!(log.contains("svm_state::commit"), "{log}");
        assert!(
            log.contains("svm_state::prune") && log.contains("kept_from"),
            "{log}"
        );
        assert!(!log.contains('\u{1b}'), "no colours into a pipe: {log}");
        roots.push(json(&o)["root"].as_str().unwrap().to_string());
    }
    let checked = json(&svm(&db, &["check", "--refs"]));
    assert_eq!(checked["keep"], 1);
    assert_eq!(checked["kept_from"], 3);
    assert!(checked["refs"]["nodes"].as_u64().unwrap() > 0);
    // Quiet without -v.
    let o = svm(&db, &["root"]);
    assert!(
        o.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    for (root, kept) in roots.iter().zip([false, false, true]) {
        let o = svm(&db, &["variable", COUNTER, "0", "--root", root]);
        if kept {
            json(&o);
        } else {
            fails(&o, "was pruned");
        }
    }
    let o = svm(&db, &["root", "--keep", "0"]);
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("at least 1"));
}
