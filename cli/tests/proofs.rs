//! `svm prove` and `svm verify` on the demo's database.

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

fn svm(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_svm"))
        .args(args)
        .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
        .output()
        .expect("svm runs")
}

fn stdout(o: &Output) -> String {
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8_lossy(&o.stdout).trim().to_string()
}

fn failure(o: &Output, needle: &str) {
    assert!(!o.status.success(), "expected a failure");
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains(needle), "{err}");
}

fn write(dir: &Path, name: &str, v: &Value) -> String {
    let path = dir.join(name);
    std::fs::write(&path, serde_json::to_vec(v).unwrap()).unwrap();
    path.display().to_string()
}

#[test]
fn prove_and_verify_a_token_balance() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("svm-data");
    let db = db.to_str().unwrap();
    let demo: Value = serde_json::from_str(&stdout(&svm(&["demo", "--json", "--db", db]))).unwrap();
    let token = demo["token"]["address"].as_str().unwrap().to_string();
    let variable: Value = serde_json::from_str(&stdout(&svm(&[
        "state", "variable", &token, "1", "--db", db,
    ])))
    .unwrap();
    let bin = dir.path().join("proof.bin");
    let bin = bin.to_str().unwrap();
    let out = stdout(&svm(&[
        "prove",
        "--contract",
        &token,
        "--variable",
        "1",
        "--db",
        db,
        "--binary",
        bin,
    ]));
    let proof: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(proof["value"], variable["value"]);
    assert_eq!(proof["placement"]["length"], 32);
    assert!(!proof["accountProof"].as_array().unwrap().is_empty());
    let head: Value = serde_json::from_str(&stdout(&svm(&["state", "root", "--db", db]))).unwrap();
    let root = head["root"].as_str().unwrap().to_string();
    assert_eq!(proof["root"], root.as_str());

    // JSON and binary verify to the variable's value, against the trusted root.
    let file = write(dir.path(), "proof.json", &proof);
    let value = variable["value"].as_str().unwrap();
    assert_eq!(stdout(&svm(&["verify", &file, "--root", &root])), value);
    assert_eq!(stdout(&svm(&["verify", bin, "--root", &root])), value);
    assert_eq!(stdout(&svm(&["verify", &file])), value);

    // Another root, a changed claim, a changed node: exit 1 with the reason.
    let other = format!("0x{}", "11".repeat(32));
    failure(&svm(&["verify", &file, "--root", &other]), "another root");
    let mut lie = proof.clone();
    lie["value"] = Value::String(format!("0x{}", "ff".repeat(32)));
    failure(
        &svm(&["verify", &write(dir.path(), "lie.json", &lie)]),
        "`value`",
    );
    let mut spoiled = proof.clone();
    let node = spoiled["accountProof"][0]
        .as_str()
        .unwrap()
        .replace("a", "b");
    spoiled["accountProof"][0] = Value::String(node);
    failure(
        &svm(&["verify", &write(dir.path(), "spoiled.json", &spoiled)]),
        "invalid proof",
    );
    let mut bytes = std::fs::read(bin).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 1;
    std::fs::write(bin, bytes).unwrap();
    failure(&svm(&["verify", bin]), "invalid proof");

    // Without code, the verifier needs the layout.
    let out = stdout(&svm(&[
        "prove",
        "--contract",
        &token,
        "--variable",
        "1",
        "--db",
        db,
        "--no-code",
    ]));
    let file = write(
        dir.path(),
        "nocode.json",
        &serde_json::from_str(&out).unwrap(),
    );
    failure(&svm(&["verify", &file]), "no layout");
    let layout = "0x8020050820202020"; // token.wat's layout section
    assert_eq!(stdout(&svm(&["verify", &file, "--layout", layout])), value);

    // An account that does not exist is proven absent.
    let nobody = format!("0x{}", "42".repeat(20));
    let out = stdout(&svm(&[
        "prove",
        "--contract",
        &nobody,
        "--variable",
        "0",
        "--db",
        db,
    ]));
    let file = write(
        dir.path(),
        "absent.json",
        &serde_json::from_str(&out).unwrap(),
    );
    assert!(stdout(&svm(&["verify", &file])).starts_with("absent"));

    // A root the database never committed, a variable outside the layout.
    failure(
        &svm(&[
            "prove",
            "--contract",
            &token,
            "--variable",
            "1",
            "--db",
            db,
            "--root",
            &other,
        ]),
        "no committed root",
    );
    failure(
        &svm(&[
            "prove",
            "--contract",
            &token,
            "--variable",
            "99",
            "--db",
            db,
        ]),
        "outside the layout",
    );
}

#[test]
fn prove_and_verify_a_receipt_of_the_demo_block() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("svm-data");
    let db = db.to_str().unwrap();
    let demo: Value = serde_json::from_str(&stdout(&svm(&["demo", "--json", "--db", db]))).unwrap();
    let height = demo["block"]["height"].to_string();
    let receipts_root = demo["block"]["receipts_root"].as_str().unwrap().to_string();
    let block: Value =
        serde_json::from_str(&stdout(&svm(&["block", &height, "--db", db]))).unwrap();
    assert_eq!(block["receiptsRoot"], receipts_root.as_str());
    assert_eq!(block["receipts"], 7);
    assert_eq!(block["worldRoot"], demo["block"]["world_root"]);
    // The failing transfer (index 5) and the balance query (index 6).
    for (index, status) in [(5, 2), (6, 0)] {
        let which = format!("{height}:{index}");
        let bin = dir.path().join("receipt.bin");
        let bin = bin.to_str().unwrap();
        let proof: Value = serde_json::from_str(&stdout(&svm(&[
            "prove",
            "--receipt",
            &which,
            "--binary",
            bin,
            "--db",
            db,
        ])))
        .unwrap();
        assert_eq!(proof["receipt"]["status"], status);
        let file = write(dir.path(), "receipt.json", &proof);
        // The JSON and the binary form prove the same receipt.
        for f in [file.as_str(), bin] {
            let out: Value =
                serde_json::from_str(&stdout(&svm(&["verify", f, "--root", &receipts_root])))
                    .unwrap();
            assert_eq!(out, proof["receipt"]);
        }
        let out: Value =
            serde_json::from_str(&stdout(&svm(&["verify", &file, "--root", &receipts_root])))
                .unwrap();
        failure(
            &svm(&[
                "verify",
                bin,
                "--root",
                demo["world_root"].as_str().unwrap(),
            ]),
            "another receipts root",
        );
        let gas = &demo["receipts"][2 + index]["receipt"]["gas_used"];
        assert_eq!(&out["gasUsed"], gas);
        // Against another root, with a spoiled node, or lying: refused.
        let world = demo["world_root"].as_str().unwrap();
        failure(
            &svm(&["verify", &file, "--root", world]),
            "another receipts root",
        );
        let mut spoiled = proof.clone();
        let node = spoiled["proof"][0].as_str().unwrap().replace("a0", "a1");
        spoiled["proof"][0] = node.into();
        let file = write(dir.path(), "spoiled.json", &spoiled);
        failure(
            &svm(&["verify", &file, "--root", &receipts_root]),
            "invalid proof",
        );
        let mut lie = proof.clone();
        lie["receipt"]["status"] = 1.into();
        let file = write(dir.path(), "lie.json", &lie);
        failure(
            &svm(&["verify", &file, "--root", &receipts_root]),
            "receipt",
        );
    }
    failure(
        &svm(&["prove", "--receipt", &format!("{height}:7"), "--db", db]),
        "none at index 7",
    );
    failure(&svm(&["block", "99", "--db", db]), "no block");
    failure(
        &svm(&["prove", "--receipt", "x", "--db", db]),
        "HEIGHT:INDEX",
    );
}
