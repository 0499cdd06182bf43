//! `svm deploy --constructor`, `--template`, `svm spawn` and `svm events`:
//! the exchange selling the map token through a contract call, its sale
//! event found by topic and contract and proven from its block's receipts
//! root, contracts spawned from a template.

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

fn ok(o: &Output) -> Value {
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    serde_json::from_slice(&o.stdout).expect("JSON output")
}

fn lines(o: &Output) -> Vec<Value> {
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8_lossy(&o.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect()
}

fn refused(o: &Output, needle: &str) {
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains(needle), "{needle}: {err}");
}

#[test]
fn an_exchange_its_events_and_spawned_contracts() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("svm-data");
    let token = ok(&svm(
        &db,
        &[
            "deploy",
            "examples/contracts/map_token.wat",
            "--constructor",
            "init",
        ],
    ))["contract"]
        .as_str()
        .unwrap()
        .to_string();
    let exchange = ok(&svm(
        &db,
        &[
            "deploy",
            "examples/contracts/exchange.wat",
            "--constructor",
            "init",
            &token,
            "i64:0",
        ],
    ))["contract"]
        .as_str()
        .unwrap()
        .to_string();
    ok(&svm(&db, &["call", &token, "mint", &exchange, "i64:50"]));
    let sale = ok(&svm(&db, &["call", &exchange, "buy", "i64:5"]));
    let height = sale["block"]["height"].as_u64().unwrap();
    let events = sale["events"].as_array().unwrap();
    assert_eq!(events.len(), 2, "{sale}");
    assert_eq!(events[0]["contract"], token.as_str());
    assert_eq!(events[1]["contract"], exchange.as_str());
    assert_eq!(events[1]["ttl"], 1000);
    let topic = events[1]["topics"][0].as_str().unwrap().to_string();

    // The index finds the sale by topic and by contract; not the token's
    // log (time-to-live 0).
    for args in [
        vec!["events", "--topic", &topic],
        vec!["events", "--contract", &exchange],
        vec![
            "events",
            "--contract",
            &exchange,
            "--topic",
            &topic,
            "--from",
            "1",
        ],
    ] {
        let found = lines(&svm(&db, &args));
        assert_eq!(found.len(), 1, "{args:?}");
        assert_eq!(found[0]["height"], height);
        assert_eq!(
            (found[0]["tx"].as_u64(), found[0]["index"].as_u64()),
            (Some(0), Some(1))
        );
        assert_eq!(found[0]["data"], events[1]["data"]);
        assert_eq!(found[0]["expires"], height + 1000);
    }
    assert!(lines(&svm(&db, &["events", "--contract", &token])).is_empty());
    let h = height.to_string();
    assert!(
        lines(&svm(
            &db,
            &[
                "events",
                "--topic",
                &topic,
                "--to",
                &(height - 1).to_string()
            ]
        ))
        .is_empty()
    );
    assert!(lines(&svm(&db, &["events", "--after", &format!("{h}:0:1")])).is_empty());

    // A light client's proof of the receipt carries the event.
    let proof = dir.path().join("receipt.json");
    let o = svm(&db, &["prove", "--receipt", &format!("{h}:0")]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    std::fs::write(&proof, &o.stdout).unwrap();
    let verified = ok(&Command::new(env!("CARGO_BIN_EXE_svm"))
        .args(["verify", proof.to_str().unwrap()])
        .output()
        .unwrap());
    assert_eq!(
        verified["events"][1]["topics"][0],
        topic.as_str(),
        "{verified}"
    );

    // A template, and two contracts spawned from it with storage of their own.
    let t = ok(&svm(
        &db,
        &["deploy", "--template", "examples/contracts/counter.wat"],
    ));
    let hash = t["code_hash"].as_str().unwrap().to_string();
    let spawned: Vec<String> = (0..2)
        .map(|_| {
            ok(&svm(&db, &["spawn", &hash]))["contract"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert_ne!(spawned[0], spawned[1]);
    ok(&svm(&db, &["call", &spawned[0], "increment", "i64:3"]));
    let get = |c: &str| ok(&svm(&db, &["call", c, "get"]))["return_data"].clone();
    assert_eq!(get(&spawned[0]), "0x0300000000000000");
    assert_eq!(get(&spawned[1]), "0x0000000000000000");
    // Calling the template itself fails (exit 1, the receipt printed).
    let template = t["contract"].as_str().unwrap();
    let o = svm(&db, &["call", template, "get"]);
    assert!(!o.status.success());
    let r: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(r["error"]["kind"], "ContractNotFound");

    // Bad input: a clear error, exit non-zero.
    refused(
        &svm(&db, &["events", "--topic", "0x12"]),
        "--topic must be 32 bytes",
    );
    refused(&svm(&db, &["events", "--after", "7"]), "HEIGHT:TX:INDEX");
    refused(&svm(&db, &["spawn", "0xzz"]), "invalid");
    refused(
        &svm(&db, &["deploy", "examples/contracts/counter.wat", "i64:1"]),
        "need --constructor",
    );
    refused(
        &svm(
            &db,
            &[
                "deploy",
                "--template",
                "examples/contracts/counter.wat",
                "--constructor",
                "x",
            ],
        ),
        "cannot be used with",
    );
    let o = svm(&db, &["spawn", &format!("0x{}", "00".repeat(32))]);
    assert!(!o.status.success());
    let r: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(r["error"]["kind"], "TemplateNotFound");
}
