//! The vectors the JavaScript bindings are tested with (`vectors.json`,
//! replayed in Node.js by `node.rs`): real proofs of every kind, binary and
//! JSON, made by svm-proofs from a state built here (a counter contract run
//! by the VM for receipts, a contract with a map, a list and a sorted set
//! for elements and ranges), spoiled proofs and wrong questions, each with
//! the answer or refusal the bindings give natively. The answers are
//! checked against what svm-verify proves; the file must be what this
//! generator makes (`SVM_BLESS=1` rewrites it after a deliberate change).

use serde_json::{Value, json};
use svm_proofs::verify::{ElementRequest, Request, binary};
use svm_proofs::{json as proof_json, prove_element, prove_elements, prove_many, prove_range};
use svm_proofs::{prove_receipt, prove_variable};
use svm_state::code::module_declaring;
use svm_state::kv::MemoryKv;
use svm_state::layout::{Kind, Layout};
use svm_state::structure::{Element, PathKey, Structure};
use svm_state::{Address, StateConfig, StateDb, StructurePath};
use svm_vm::{Arg, BlockContext, Call, Deploy, Tx, Vm, VmConfig};

const ALICE: Address = Address::repeat_byte(0xa1);
const S: Address = Address::repeat_byte(0x5e);
const FILE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/vectors.json");

fn hex(b: &[u8]) -> String {
    format!("0x{}", hex::encode(b))
}

/// The structures contract: a u64, a map of bytes, a list of bytes and a
/// sorted set.
fn layout() -> Layout {
    Layout::with_kinds(
        4096,
        &[
            Kind::Bytes(8),
            Kind::Structure(Structure::Map(Element::Bytes)),
            Kind::Structure(Structure::List(Element::Bytes)),
            Kind::Structure(Structure::SortedSet),
        ],
    )
    .unwrap()
}

struct Made {
    vectors: Vec<Value>,
}

impl Made {
    /// A vector: its answer is what the bindings give natively.
    fn add(&mut self, name: &str, kind: &str, proof: Value, root: &str, options: Value) -> Value {
        let bytes = match &proof {
            Value::String(h) => hex::decode(&h[2..]).unwrap(),
            other => other.to_string().into_bytes(),
        };
        let form = if proof.is_string() { "binary" } else { "json" };
        let options_text = if options.is_null() {
            String::new()
        } else {
            options.to_string()
        };
        let outcome = svm_verify_js::verify(kind, &bytes, root, &options_text);
        let mut v = json!({"name": name, "kind": kind, "form": form, "proof": proof, "root": root});
        if !options.is_null() {
            v["options"] = options;
        }
        match &outcome {
            Ok(answer) => v["expect"] = answer.clone(),
            Err(why) => v["error"] = json!(why),
        }
        self.vectors.push(v);
        outcome.unwrap_or_else(|e| json!({ "error": e }))
    }
}

/// Builds the state and every vector.
fn generate() -> Value {
    let vm = Vm::new(
        StateDb::open(MemoryKv::new(), &StateConfig::default()).unwrap(),
        VmConfig::default(),
    );
    let deploy = Tx::Deploy(Deploy {
        author: ALICE,
        nonce: 0,
        code: svm_tests::contract("counter.wat"),
        balance: 0u64.into(),
        constructor: None,
        gas_limit: 1_000_000,
    });
    let first = vm
        .execute_block(&[deploy], BlockContext { height: 1, time: 1 })
        .unwrap();
    let counter = first.receipts[0].contract;
    let call = |function: &str, args: Vec<Arg>| {
        Tx::Call(Call {
            contract: counter,
            sender: ALICE,
            function: function.into(),
            args,
            gas_limit: 200_000,
            value: 0u64.into(),
        })
    };
    let block = vm
        .execute_block(
            &[
                call("increment", vec![Arg::I64(7)]),
                call("fail_after_write", vec![]),
                call("get", vec![]),
            ],
            BlockContext { height: 2, time: 2 },
        )
        .unwrap();
    let receipts_root = hex(&block.receipts_root.0);
    let db = vm.db();
    let mut s = db.begin().unwrap();
    s.create_contract(&S, &module_declaring(&layout()), 5u64.into())
        .unwrap();
    s.write_variable(&S, 0, &42u64.to_le_bytes()).unwrap();
    let map = StructurePath::variable(1);
    let list = StructurePath::variable(2);
    let sorted = StructurePath::variable(3);
    for (k, v) in [
        (&b"alice"[..], &b"100"[..]),
        (b"bob", b"7"),
        (b"carol", b""),
    ] {
        s.set_element(&S, &map, &PathKey::Key(k.to_vec()), v)
            .unwrap();
    }
    for v in [&b"first"[..], b"second", b"third"] {
        s.push(&S, &list, v).unwrap();
    }
    for m in [&b"a"[..], b"b", b"c", b"m", b"z"] {
        s.insert(&S, &sorted, m).unwrap();
    }
    let root = s.commit().unwrap().head.root;
    let r = hex(&root.0);
    let mut made = Made {
        vectors: Vec::new(),
    };

    // Variables.
    let (p, proven) = prove_variable(db, root, &counter, 0, true).unwrap();
    let a = made.add(
        "counter variable 0 (binary, with code)",
        "variable",
        json!(hex(&binary::encode_variable(&p))),
        &r,
        json!({"contract": hex(&counter.0), "variable": 0}),
    );
    assert_eq!(a["value"], json!(hex(proven.value.as_ref().unwrap())));
    made.add(
        "counter variable 0 (JSON)",
        "variable",
        proof_json::variable_to_json(&p, &proven),
        &r,
        Value::Null,
    );
    let counter_layout = svm_state::code::layout_of(&svm_tests::contract("counter.wat")).unwrap();
    let (bare, _) = prove_variable(db, root, &counter, 0, false).unwrap();
    let b = made.add(
        "counter variable 0 without code, the layout given",
        "variable",
        json!(hex(&binary::encode_variable(&bare))),
        &r,
        json!({"layout": hex(&counter_layout.encode())}),
    );
    assert_eq!(a["value"], b["value"]);
    made.add(
        "counter variable 0 without code and no layout",
        "variable",
        json!(hex(&binary::encode_variable(&bare))),
        &r,
        Value::Null,
    );
    let nobody = Address::repeat_byte(0x99);
    let (absent, _) = prove_variable(db, root, &nobody, 0, true).unwrap();
    let a = made.add(
        "no account at 0x9999… (binary)",
        "variable",
        json!(hex(&binary::encode_variable(&absent))),
        &r,
        Value::Null,
    );
    assert_eq!(a["absent"], json!(true));
    let (p, proven) = prove_variable(db, root, &S, 0, true).unwrap();
    let a = made.add(
        "structures contract variable 0 (binary)",
        "variable",
        json!(hex(&binary::encode_variable(&p))),
        &r,
        Value::Null,
    );
    assert_eq!(proven.value.unwrap(), 42u64.to_le_bytes());
    assert_eq!(a["value"], json!(hex(&42u64.to_le_bytes())));

    // Elements.
    let alice = vec![PathKey::Key(b"alice".to_vec())];
    let (p, proven) = prove_element(db, root, &S, 1, &alice, true).unwrap();
    let a = made.add(
        "map element alice (binary)",
        "element",
        json!(hex(&binary::encode_element(&p))),
        &r,
        json!({"contract": hex(&S.0), "variable": 1, "path": ["0x616c696365"]}),
    );
    assert_eq!(a["value"], json!(hex(b"100")));
    made.add(
        "map element alice (JSON)",
        "element",
        proof_json::element_to_json(&p, &proven),
        &r,
        Value::Null,
    );
    let (p, proven) = prove_element(db, root, &S, 2, &[PathKey::Index(1)], true).unwrap();
    let a = made.add(
        "list element 1 (JSON)",
        "element",
        proof_json::element_to_json(&p, &proven),
        &r,
        Value::Null,
    );
    assert_eq!(a["value"], json!(hex(b"second")));
    let (p, _) = prove_element(db, root, &S, 1, &[PathKey::Key(b"nobody".to_vec())], true).unwrap();
    let a = made.add(
        "map element nobody: absent (binary)",
        "element",
        json!(hex(&binary::encode_element(&p))),
        &r,
        Value::Null,
    );
    assert_eq!(a["absent"], json!(true));
    let (p, _) = prove_element(db, root, &S, 3, &[PathKey::Key(b"m".to_vec())], true).unwrap();
    let a = made.add(
        "sorted set member m (binary)",
        "element",
        json!(hex(&binary::encode_element(&p))),
        &r,
        Value::Null,
    );
    assert_eq!(a["value"], json!("member"));

    // Ranges.
    let (p, proven) = prove_range(db, root, &S, 3, &[], (b"b", b"n"), true).unwrap();
    let a = made.add(
        "sorted set range b..n (binary)",
        "range",
        json!(hex(&binary::encode_range(&p))),
        &r,
        json!({"from": "0x62", "to": "0x6e"}),
    );
    assert_eq!(a["members"], json!([hex(b"b"), hex(b"c"), hex(b"m")]));
    made.add(
        "sorted set range b..n (JSON)",
        "range",
        proof_json::range_to_json(&p, &proven),
        &r,
        Value::Null,
    );
    made.add(
        "sorted set range b..n asked as a..n",
        "range",
        json!(hex(&binary::encode_range(&p))),
        &r,
        json!({"from": "0x61", "to": "0x6e"}),
    );

    // Multiproofs.
    let requests = [
        ElementRequest {
            address: S.0,
            variable: 1,
            path: alice.clone(),
        },
        ElementRequest {
            address: S.0,
            variable: 2,
            path: vec![PathKey::Index(0)],
        },
        ElementRequest {
            address: S.0,
            variable: 3,
            path: vec![PathKey::Key(b"y".to_vec())],
        },
    ];
    let (p, proven) = prove_elements(db, root, &requests, true).unwrap();
    let a = made.add(
        "three elements (binary)",
        "elements",
        json!(hex(&binary::encode_elements(&p))),
        &r,
        Value::Null,
    );
    assert_eq!(a["values"][2]["absent"], json!(true));
    made.add(
        "three elements (JSON)",
        "elements",
        proof_json::elements_to_json(&p, &proven),
        &r,
        Value::Null,
    );
    let asks = [
        Request {
            address: counter.0,
            variable: 0,
        },
        Request {
            address: S.0,
            variable: 0,
        },
        Request {
            address: nobody.0,
            variable: 0,
        },
    ];
    let (p, proven) = prove_many(db, root, &asks, true).unwrap();
    let a = made.add(
        "counter, structures and nobody (binary multiproof)",
        "multi",
        json!(hex(&binary::encode_multi(&p))),
        &r,
        Value::Null,
    );
    for (got, want) in a["values"].as_array().unwrap().iter().zip(&proven) {
        match &want.value {
            Some(v) => assert_eq!(got["value"], json!(hex(v))),
            None => assert_eq!(got["absent"], json!(true)),
        }
    }
    made.add(
        "counter, structures and nobody (JSON multiproof)",
        "multi",
        proof_json::multi_to_json(&p),
        &r,
        Value::Null,
    );

    // Receipts.
    let (p, record, meta) = prove_receipt(db, 2, 0).unwrap();
    let a = made.add(
        "receipt 0 of block 2 (binary)",
        "receipt",
        json!(hex(&binary::encode_receipt(&p))),
        &receipts_root,
        json!({"index": 0}),
    );
    assert_eq!(a["value"]["gasUsed"], json!(record.gas_used));
    made.add(
        "receipt 0 of block 2, by verifyProof",
        "any",
        json!(hex(&binary::encode_receipt(&p))),
        &receipts_root,
        Value::Null,
    );
    let (p1, record1, _) = prove_receipt(db, 2, 1).unwrap();
    let a = made.add(
        "receipt 1 of block 2, a failure (JSON)",
        "receipt",
        proof_json::receipt_to_json(&p1, &record1, None),
        &receipts_root,
        Value::Null,
    );
    assert_eq!(a["value"]["status"], json!(record1.status));
    assert_ne!(record1.status, record.status);
    assert_eq!(meta.height, 2);

    // Refusals.
    let (p, proven) = prove_variable(db, root, &counter, 0, true).unwrap();
    let good = binary::encode_variable(&p);
    let mut other_root = root.0;
    other_root[0] ^= 1;
    made.add(
        "against another root",
        "variable",
        json!(hex(&good)),
        &hex(&other_root),
        Value::Null,
    );
    let mut spoiled = good.clone();
    let last = spoiled.len() - 1;
    spoiled[last] ^= 0xff;
    made.add(
        "the last byte flipped",
        "variable",
        json!(hex(&spoiled)),
        &r,
        Value::Null,
    );
    let mut spoiled = good.clone();
    spoiled[good.len() / 2] ^= 0x01;
    made.add(
        "a middle byte flipped",
        "variable",
        json!(hex(&spoiled)),
        &r,
        Value::Null,
    );
    made.add(
        "truncated",
        "variable",
        json!(hex(&good[..good.len() - 3])),
        &r,
        Value::Null,
    );
    made.add(
        "the right proof for another contract than asked",
        "variable",
        json!(hex(&good)),
        &r,
        json!({"contract": hex(&S.0)}),
    );
    made.add(
        "the right proof for another variable than asked",
        "variable",
        json!(hex(&good)),
        &r,
        json!({"variable": 1}),
    );
    made.add(
        "a receipt proof where a variable proof is asked",
        "variable",
        json!(hex(&binary::encode_receipt(
            &prove_receipt(db, 2, 0).unwrap().0
        ))),
        &receipts_root,
        Value::Null,
    );
    let mut lie = proof_json::variable_to_json(&p, &proven);
    lie["value"] = json!(hex(&999u64.to_le_bytes()));
    made.add(
        "a JSON proof claiming another value",
        "variable",
        lie,
        &r,
        Value::Null,
    );
    let mut lie = proof_json::variable_to_json(&p, &proven);
    lie["accountProof"] = json!([]);
    made.add(
        "a JSON proof without its account nodes",
        "variable",
        lie,
        &r,
        Value::Null,
    );
    made.add(
        "a root of 31 bytes",
        "variable",
        json!(hex(&good)),
        &r[..r.len() - 2],
        Value::Null,
    );
    made.add(
        "an unknown option",
        "variable",
        json!(hex(&good)),
        &r,
        json!({"contrakt": hex(&counter.0)}),
    );
    made.add(
        "neither binary nor JSON",
        "any",
        json!("0x00ff00"),
        &r,
        Value::Null,
    );
    for v in &made.vectors[made.vectors.len() - 12..] {
        assert!(v.get("error").is_some(), "{} must be refused", v["name"]);
    }
    json!({
        "about": "svm-verify-js test vectors: made by light/tests/vectors.rs (SVM_BLESS=1 rewrites them); replayed in Node.js by light/tests/node.rs",
        "vectors": made.vectors,
    })
}

#[test]
fn the_vectors_file_is_what_the_generator_makes() {
    let made = generate();
    if std::env::var_os("SVM_BLESS").is_some() {
        let text = serde_json::to_string_pretty(&made).unwrap() + "\n";
        std::fs::write(FILE, text).unwrap();
    }
    let text = std::fs::read_to_string(FILE).expect("light/tests/vectors.json");
    let kept: Value = serde_json::from_str(&text).unwrap();
    let (kept, made) = (
        kept["vectors"].as_array().unwrap(),
        made["vectors"].as_array().unwrap(),
    );
    assert_eq!(
        kept.len(),
        made.len(),
        "vector count; SVM_BLESS=1 after a deliberate change"
    );
    for (k, m) in kept.iter().zip(made) {
        assert_eq!(
            k, m,
            "vector {}; SVM_BLESS=1 after a deliberate change",
            m["name"]
        );
    }
}
