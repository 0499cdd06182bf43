//! What a verified proof proves, as the JSON the bindings hand back: the
//! question it answers (`kind`, `contract`, `variable`, …), and `value`
//! when something is there or `absent: true` when the proof shows nothing
//! is.

use serde_json::{Map, Value, json};
use svm_verify::json::{element_value_json, range_members_json, receipt_record_to_json};
use svm_verify::structure::PathKey;
use svm_verify::{
    Account, ElementRequest, ProvenElement, ProvenRange, ProvenVariable, RangeProof, ReceiptRecord,
};

fn hex(b: &[u8]) -> String {
    format!("0x{}", hex::encode(b))
}

/// A big-endian quantity as `0x` hex without leading zeros.
fn quantity(be: &[u8]) -> String {
    let digits = hex::encode(be);
    let trimmed = digits.trim_start_matches('0');
    format!("0x{}", if trimmed.is_empty() { "0" } else { trimmed })
}

fn account(a: &Account) -> Value {
    json!({
        "nonce": a.nonce,
        "balance": quantity(&a.balance),
        "storageHash": hex(&a.storage_root),
        "codeHash": hex(&a.code_hash),
    })
}

fn path(keys: &[PathKey]) -> Value {
    Value::Array(
        keys.iter()
            .map(|k| match k {
                PathKey::Index(i) => json!(i),
                PathKey::Key(b) => json!(hex(b)),
            })
            .collect(),
    )
}

fn object(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(o) => o,
        _ => Map::new(),
    }
}

/// A variable: `{kind, contract, variable, value, account, placement}`, or
/// `{kind, contract, variable, absent: true}` when no account is there.
/// `tagged`: with `kind` (not inside a multiproof's list).
pub fn variable(p: &ProvenVariable, tagged: bool) -> Value {
    let mut o = object(json!({"contract": hex(&p.address), "variable": p.variable}));
    if tagged {
        o.insert("kind".into(), "variable".into());
    }
    match (&p.account, &p.value) {
        (Some(a), Some(v)) => {
            o.insert("value".into(), hex(v).into());
            o.insert("account".into(), account(a));
            if let Some(s) = p.placement {
                o.insert(
                    "placement".into(),
                    json!({"page": s.page, "offset": s.offset, "length": s.len}),
                );
            }
        }
        _ => {
            o.insert("absent".into(), true.into());
        }
    }
    Value::Object(o)
}

/// A multiproof's variables: `{kind: "multi", values: [variable…]}` in the
/// order the proof asks for them.
pub fn variables(ps: &[ProvenVariable]) -> Value {
    json!({
        "kind": "multi",
        "values": ps.iter().map(|p| variable(p, false)).collect::<Vec<_>>(),
    })
}

/// An element: `{kind, contract, variable, path, value, accountExists}`
/// (`value`: `0x` bytes, `{structure: {root, length}}` or `"member"`), or
/// `absent: true` in place of `value`.
pub fn element(p: &ProvenElement, keys: &[PathKey], tagged: bool) -> Value {
    let mut o = object(json!({
        "contract": hex(&p.address),
        "variable": p.variable,
        "path": path(keys),
        "accountExists": p.account.is_some(),
    }));
    if tagged {
        o.insert("kind".into(), "element".into());
    }
    match element_value_json(p.element.as_ref()) {
        Value::Object(mut v) if v.contains_key("bytes") => {
            o.insert("value".into(), v.remove("bytes").unwrap_or(Value::Null));
        }
        Value::Null => {
            o.insert("absent".into(), true.into());
        }
        v => {
            o.insert("value".into(), v);
        }
    }
    Value::Object(o)
}

/// An element multiproof's elements: `{kind: "elements", values: […]}`.
pub fn elements(ps: &[ProvenElement], requests: &[ElementRequest]) -> Value {
    json!({
        "kind": "elements",
        "values": ps
            .iter()
            .zip(requests)
            .map(|(p, r)| element(p, &r.path, false))
            .collect::<Vec<_>>(),
    })
}

/// A range: `{kind, contract, variable, path, from, to, members, length}`
/// (`length`: the set's size), or `absent: true` without the account.
pub fn range(p: &ProvenRange, proof: &RangeProof) -> Value {
    let mut o = object(json!({
        "kind": "range",
        "contract": hex(&p.address),
        "variable": p.variable,
        "path": path(&proof.path),
        "from": hex(&proof.from),
        "to": hex(&proof.to),
    }));
    if p.account.is_some() {
        o.insert("members".into(), range_members_json(p));
        o.insert("length".into(), p.len.into());
    } else {
        o.insert("absent".into(), true.into());
    }
    Value::Object(o)
}

/// A receipt: `{kind, index, value: {status, gasUsed, contract,
/// returnData, events}}`, or `absent: true` when the block holds no
/// receipt at the index.
pub fn receipt(index: u64, r: Option<&ReceiptRecord>) -> Value {
    match r {
        Some(r) => json!({"kind": "receipt", "index": index, "value": receipt_record_to_json(r)}),
        None => json!({"kind": "receipt", "index": index, "absent": true}),
    }
}
