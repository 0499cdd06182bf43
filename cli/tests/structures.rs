//! Structures through the CLI: a contract whose layout declares a map of
//! lists and a sorted set, filled by `svm state apply`, read back with
//! `svm state structure|element`, proven with `svm prove --key` (JSON and
//! binary) and verified with `svm verify`; lies and spoiled proofs refused.

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

const C: &str = "0x00000000000000000000000000000000000005c7";
/// Page size 4096; variables: 8 bytes, map<bytes, list<bytes>>, sorted set.
const LAYOUT: &str = "0x80200308000201000004";

fn svm(db: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_svm"))
        .args(args)
        .arg("--db")
        .arg(db)
        .output()
        .expect("svm runs")
}

/// `svm verify` (it needs no database).
fn verify(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_svm"))
        .arg("verify")
        .args(args)
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
    assert!(err.contains(needle), "{err}");
}

#[test]
fn structures_from_apply_to_verify() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("svm-data");
    let file = dir.path().join("changes.jsonl");
    std::fs::write(
        &file,
        format!(
            "{{\"contract\":\"{C}\",\"layout\":\"{LAYOUT}\"}}\n\
             {{\"push\":\"{C}\",\"variable\":1,\"key\":[\"0x6b\"],\"value\":\"0x0102\"}}\n\
             {{\"push\":\"{C}\",\"variable\":1,\"key\":[\"0x6b\"],\"value\":\"0x03\"}}\n\
             {{\"put\":\"{C}\",\"variable\":1,\"key\":[\"0x6b\",0],\"value\":\"0xaa\"}}\n\
             {{\"insert\":\"{C}\",\"variable\":2,\"key\":[],\"member\":\"0x616263\"}}\n"
        ),
    )
    .unwrap();
    let applied = json(&svm(&db, &["state", "apply", file.to_str().unwrap()]));
    let root = applied["root"].as_str().unwrap().to_string();
    let len = |keys: &[&str]| {
        let mut args = vec!["state", "structure", C, "1"];
        for k in keys {
            args.extend(["--key", k]);
        }
        json(&svm(&db, &args))["length"].clone()
    };
    assert_eq!(len(&[]), 1);
    assert_eq!(len(&["0x6b"]), 2);
    assert_eq!(len(&["0x00"]), 0);
    let element = json(&svm(
        &db,
        &["state", "element", C, "1", "--key", "0x6b", "--key", "0"],
    ));
    assert_eq!(element["value"], "0xaa");
    let member = json(&svm(
        &db,
        &["state", "element", C, "2", "--key", "0x616263"],
    ));
    assert_eq!(member["member"], true);
    let check = json(&svm(&db, &["state", "check"]));
    assert_eq!(
        (check["structures"].clone(), check["elements"].clone()),
        (3.into(), 4.into())
    );

    // Prove the second element of the list at key "k": JSON and binary.
    let bin = dir.path().join("element.bin");
    let proof = json(&svm(
        &db,
        &[
            "prove",
            "--contract",
            C,
            "--variable",
            "1",
            "--key",
            "0x6b",
            "--key",
            "1",
            "--binary",
            bin.to_str().unwrap(),
        ],
    ));
    assert_eq!(proof["element"]["bytes"], "0x03");
    let doc = dir.path().join("element.json");
    std::fs::write(&doc, proof.to_string()).unwrap();
    for f in [&doc, &bin] {
        let out = json(&verify(&[f.to_str().unwrap(), "--root", &root]));
        assert_eq!(out["bytes"], "0x03");
    }
    // An absent element is proven absent.
    let absent = json(&svm(
        &db,
        &[
            "prove",
            "--contract",
            C,
            "--variable",
            "1",
            "--key",
            "0x00",
            "--key",
            "0",
        ],
    ));
    assert_eq!(absent["element"], Value::Null);
    // A lying claim and a spoiled node are refused.
    let mut lie = proof.clone();
    lie["element"]["bytes"] = "0x04".into();
    std::fs::write(&doc, lie.to_string()).unwrap();
    fails(&verify(&[doc.to_str().unwrap()]), "element");
    let mut spoiled = proof.clone();
    let node = spoiled["levels"][1][0].as_str().unwrap().replace('a', "b");
    spoiled["levels"][1][0] = node.into();
    std::fs::write(&doc, spoiled.to_string()).unwrap();
    fails(&verify(&[doc.to_str().unwrap()]), "invalid proof");
    // A path that does not fit the layout is the asker's error.
    fails(
        &svm(
            &db,
            &["prove", "--contract", C, "--variable", "1", "--key", "0"],
        ),
        "index into a map",
    );
}

/// A sorted set's range through the CLI: `svm prove --from --to` (JSON and
/// binary), `svm verify` prints the members; a dropped member in the claims
/// and a dropped node are refused.
#[test]
fn sorted_set_ranges_from_apply_to_verify() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("svm-data");
    let file = dir.path().join("changes.jsonl");
    let mut lines = format!("{{\"contract\":\"{C}\",\"layout\":\"{LAYOUT}\"}}\n");
    for m in ["0x61", "0x6162", "0x62", "0x63", "0x7a7a"] {
        lines.push_str(&format!(
            "{{\"insert\":\"{C}\",\"variable\":2,\"key\":[],\"member\":\"{m}\"}}\n"
        ));
    }
    std::fs::write(&file, lines).unwrap();
    let applied = json(&svm(&db, &["state", "apply", file.to_str().unwrap()]));
    let root = applied["root"].as_str().unwrap().to_string();
    let bin = dir.path().join("range.bin");
    let proof = json(&svm(
        &db,
        &[
            "prove",
            "--contract",
            C,
            "--variable",
            "2",
            "--from",
            "0x6161",
            "--to",
            "0x63",
            "--binary",
            bin.to_str().unwrap(),
        ],
    ));
    let want: Value = serde_json::json!(["0x6162", "0x62", "0x63"]);
    assert_eq!(proof["members"], want);
    assert_eq!(proof["length"], 5);
    let doc = dir.path().join("range.json");
    std::fs::write(&doc, proof.to_string()).unwrap();
    for f in [&doc, &bin] {
        assert_eq!(json(&verify(&[f.to_str().unwrap(), "--root", &root])), want);
    }
    let mut lie = proof.clone();
    lie["members"] = serde_json::json!(["0x6162", "0x63"]);
    std::fs::write(&doc, lie.to_string()).unwrap();
    fails(&verify(&[doc.to_str().unwrap()]), "members");
    let mut dropped = proof.clone();
    dropped["rangeProof"].as_array_mut().unwrap().pop();
    std::fs::write(&doc, dropped.to_string()).unwrap();
    fails(&verify(&[doc.to_str().unwrap()]), "invalid proof");
    // A range of a map is the asker's error.
    fails(
        &svm(
            &db,
            &[
                "prove",
                "--contract",
                C,
                "--variable",
                "1",
                "--from",
                "0x00",
                "--to",
                "0x01",
            ],
        ),
        "sorted set",
    );
}
