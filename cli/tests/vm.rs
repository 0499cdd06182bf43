//! `svm deploy`, `svm call` and `svm demo` on a RocksDB directory.

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

fn svm(db: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_svm"))
        .args(args)
        .arg("--db")
        .arg(db)
        .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
        .output()
        .expect("svm runs")
}

fn json(o: &Output) -> Value {
    serde_json::from_slice(&o.stdout).expect("JSON output")
}

#[test]
fn deploy_call_and_demo() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("svm-data");
    let o = svm(&db, &["deploy", "examples/contracts/counter.wat"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let counter = json(&o)["contract"].as_str().unwrap().to_string();
    for by in ["i64:2", "i64:40"] {
        let o = svm(&db, &["call", &counter, "increment", by]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }
    let o = svm(&db, &["call", &counter, "get", "--gas", "50000"]);
    assert_eq!(json(&o)["return_data"], "0x2a00000000000000");
    // Failures print the receipt and exit 1.
    let o = svm(&db, &["call", &counter, "get", "--gas", "21500"]);
    assert!(!o.status.success());
    assert_eq!(json(&o)["error"]["kind"], "OutOfGas");
    assert_eq!(json(&o)["gas_used"], 21500);
    // A gas limit below the intrinsic gas is no transaction: no receipt.
    let o = svm(&db, &["call", &counter, "get", "--gas", "10"]);
    assert!(!o.status.success());
    assert!(o.stdout.is_empty());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("below the transaction's intrinsic gas"),
        "{err}"
    );
    let o = svm(&db, &["call", &counter, "increment", "x:1"]);
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("expected i32:N"));
    // The state commands see the contract's variable.
    let o = svm(&db, &["state", "variable", &counter, "0"]);
    assert_eq!(json(&o)["value"], "0x2a00000000000000");
    let o = svm(&db, &["demo", "--json"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let demo = json(&o);
    // 2 deploys and 7 calls, then 3 deploys and 10 calls on structures.
    assert_eq!(demo["receipts"].as_array().unwrap().len(), 22);
    assert_eq!(demo["map_token"]["holders"], 2);
    assert_eq!(demo["token"]["balances_0_to_2"][1], "0xfa00000000000000");
    assert!(svm(&db, &["state", "check"]).status.success());
    // Without --json: a short summary, from any directory (the contracts
    // are in the binary).
    let o = Command::new(env!("CARGO_BIN_EXE_svm"))
        .args(["demo", "--db"])
        .arg(dir.path().join("elsewhere"))
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.lines().count() < 60, "{text}");
    assert!(text.contains("token.transfer(1, 2, 500)"), "{text}");
    assert!(text.contains("failed, nothing changed"), "{text}");
    assert!(
        text.contains("holder 0: 750, holder 1: 250, holder 2: 0"),
        "{text}"
    );
    // Compiled contracts persist for later runs.
    let artifacts = std::fs::read_dir(db.join("artifacts")).unwrap().count();
    assert_eq!(
        artifacts, 6,
        "counter.wat deployed above; the demo's counter, token, map token, registry, inbox"
    );
    // The author's next nonce is the default; a used one is refused.
    let o = svm(
        &db,
        &["deploy", "examples/contracts/counter.wat", "--nonce", "0"],
    );
    assert!(!o.status.success());
    assert_eq!(json(&o)["error"]["kind"], "InvalidNonce");
    let o = svm(&db, &["deploy", "examples/contracts/counter.wat"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_ne!(json(&o)["contract"], counter.as_str());
    // Cranelift gives the same receipt (its artifact is cached apart).
    let get = ["call", &counter, "get", "--height", "99"];
    let single = json(&svm(&db, &get));
    let o = svm(&db, &[&get[..], &["--compiler", "cranelift"]].concat());
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(json(&o), single);
    let artifacts = std::fs::read_dir(db.join("artifacts")).unwrap().count();
    assert_eq!(
        artifacts, 7,
        "counter's cranelift artifact beside the others"
    );
}

#[test]
fn label_names_do_not_move_a_contract() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../examples/contracts/counter.wat"
    ))
    .unwrap();
    let renamed = dir.path().join("renamed.wat");
    std::fs::write(
        &renamed,
        text.replace("$read", "$load").replace("$by", "$n"),
    )
    .unwrap();
    let a = svm(
        &dir.path().join("a"),
        &["deploy", "examples/contracts/counter.wat"],
    );
    let b = svm(
        &dir.path().join("b"),
        &["deploy", renamed.to_str().unwrap()],
    );
    assert!(a.status.success() && b.status.success());
    assert_eq!(json(&a)["contract"], json(&b)["contract"]);
}

/// A node short of address space cannot instantiate contracts (wasmer
/// reserves several GiB per memory): that is the node's error, not a
/// receipt, and nothing is committed.
#[test]
fn a_node_short_of_memory_writes_no_receipt() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("svm-data");
    let o = svm(&db, &["deploy", "examples/contracts/counter.wat"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let counter = json(&o)["contract"].as_str().unwrap().to_string();
    let root = json(&svm(&db, &["state", "root"]));
    let o = Command::new("sh")
        .arg("-c")
        .arg(r#"ulimit -v 7000000 && exec "$0" "$@""#)
        .arg(env!("CARGO_BIN_EXE_svm"))
        .args(["call", &counter, "increment", "i64:1", "--db"])
        .arg(&db)
        .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success(), "{err}");
    assert!(
        o.stdout.is_empty(),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
    assert!(err.contains("execution engine"), "{err}");
    assert_eq!(json(&svm(&db, &["state", "root"])), root);
}
