//! Proofs as JSON, shaped like an `eth_getProof` answer (`accountProof`,
//! `balance`, `codeHash`, `nonce`, `storageHash`, `storageProof` with `key`,
//! `value` and `proof`), extended with the world `root`, the `variable`, its
//! `placement` (page, offset, length), the contract's `code` when carried, and
//! the proven `value`. Byte strings are `0x` hex, quantities `0x` hex
//! without leading zeros, indices JSON numbers.
//!
//! [`variable_to_json`] needs what the proof proves (its claims); reading back
//! ([`variable_from_json`]) keeps only the proof, and [`verify_variable_json`]
//! verifies it and refuses a document whose claims differ from what the
//! nodes prove.

use alloc::collections::BTreeMap;
use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec;
use alloc::vec::Vec;

use serde_json::{Map, Value, json};

use crate::layout::Layout;
use crate::structure::PathKey;
use crate::{
    ContractNodes, EMPTY_CODE_HASH, EMPTY_ROOT, ElementMultiProof, ElementProof, ElementRequest,
    ElementValue, Event, Hash, MultiProof, PageProof, ProvenElement, ProvenRange, ProvenVariable,
    RangeProof, ReceiptProof, ReceiptRecord, Request, VariableProof, VerifyError, page_key,
};

/// Why a JSON proof is refused.
#[derive(Debug, thiserror::Error)]
pub enum JsonError {
    /// A field is missing or has the wrong shape.
    #[error("field `{field}`: {why}")]
    Field {
        /// The field.
        field: String,
        /// What is wrong.
        why: String,
    },
    /// The proof does not verify.
    #[error("the proof does not verify: {0}")]
    Verify(#[from] VerifyError),
    /// The document states something its nodes do not prove.
    #[error("field `{0}` differs from what the proof proves")]
    Claim(String),
}

fn hex(b: &[u8]) -> String {
    format!("0x{}", hex::encode(b))
}

fn quantity(be: &[u8]) -> String {
    let digits = hex::encode(be);
    let trimmed = digits.trim_start_matches('0');
    format!("0x{}", if trimmed.is_empty() { "0" } else { trimmed })
}

fn nodes(list: &[Vec<u8>]) -> Value {
    Value::Array(list.iter().map(|n| Value::String(hex(n))).collect())
}

/// The JSON form of a variable proof and what it proves.
pub fn variable_to_json(p: &VariableProof, proven: &ProvenVariable) -> Value {
    let mut o = Map::new();
    o.insert("root".into(), hex(&p.root).into());
    o.insert("address".into(), hex(&p.address).into());
    o.insert("accountProof".into(), nodes(&p.account));
    let (exists, nonce, balance, storage, code_hash) = match &proven.account {
        Some(a) => (
            true,
            a.nonce.to_be_bytes().to_vec(),
            a.balance.to_vec(),
            a.storage_root,
            a.code_hash,
        ),
        None => (false, vec![0], vec![0], EMPTY_ROOT, EMPTY_CODE_HASH),
    };
    o.insert("exists".into(), exists.into());
    o.insert("nonce".into(), quantity(&nonce).into());
    o.insert("balance".into(), quantity(&balance).into());
    o.insert("storageHash".into(), hex(&storage).into());
    o.insert("codeHash".into(), hex(&code_hash).into());
    if let Some(code) = &p.code {
        o.insert("code".into(), hex(code).into());
    }
    o.insert("variable".into(), p.variable.into());
    if let Some(s) = proven.placement {
        o.insert(
            "placement".into(),
            json!({"page": s.page, "offset": s.offset, "length": s.len}),
        );
    }
    let storage_proof: Vec<Value> = p
        .pages
        .iter()
        .enumerate()
        .map(|(i, page)| {
            let value = proven.pages.get(i).map(|v| hex(v)).unwrap_or_default();
            json!({"key": hex(&page_key(page.index)), "value": value, "proof": nodes(&page.nodes)})
        })
        .collect();
    o.insert("storageProof".into(), Value::Array(storage_proof));
    if let Some(v) = &proven.value {
        o.insert("value".into(), hex(v).into());
    }
    Value::Object(o)
}

fn field<'a>(o: &'a Value, name: &str) -> Result<&'a Value, JsonError> {
    o.get(name).ok_or_else(|| JsonError::Field {
        field: name.into(),
        why: "missing".into(),
    })
}

fn wrong(name: &str, why: &str) -> JsonError {
    JsonError::Field {
        field: name.into(),
        why: why.into(),
    }
}

fn bytes_of(v: &Value, name: &str) -> Result<Vec<u8>, JsonError> {
    let s = v.as_str().ok_or_else(|| wrong(name, "not a string"))?;
    let digits = s
        .strip_prefix("0x")
        .ok_or_else(|| wrong(name, "not 0x-prefixed hex"))?;
    hex::decode(digits).map_err(|e| wrong(name, &e.to_string()))
}

fn fixed<const N: usize>(v: &Value, name: &str) -> Result<[u8; N], JsonError> {
    bytes_of(v, name)?
        .try_into()
        .map_err(|_| wrong(name, &format!("not {N} bytes")))
}

fn u32_of(v: &Value, name: &str) -> Result<u32, JsonError> {
    v.as_u64()
        .and_then(|n| u32::try_from(n).ok())
        .ok_or_else(|| wrong(name, "not a 32-bit unsigned number"))
}

fn nodes_of(v: &Value, name: &str) -> Result<Vec<Vec<u8>>, JsonError> {
    v.as_array()
        .ok_or_else(|| wrong(name, "not an array"))?
        .iter()
        .map(|n| bytes_of(n, name))
        .collect()
}

fn page_index(key: &[u8], name: &str) -> Result<u32, JsonError> {
    let key: [u8; 4] = key
        .try_into()
        .map_err(|_| wrong(name, "a page key is 4 bytes"))?;
    Ok(u32::from_be_bytes(key))
}

/// Refuses a document whose fields differ from the ones the proof's
/// verification gives (`expected`).
fn same_claims(expected: &Value, v: &Value) -> Result<(), JsonError> {
    if let (Value::Object(want), Value::Object(got)) = (expected, v) {
        for key in want.keys().chain(got.keys()) {
            if want.get(key) != got.get(key) {
                return Err(JsonError::Claim(key.clone()));
            }
        }
    }
    Ok(())
}

/// Reads the proof out of a JSON variable proof (its claims are ignored; see
/// [`verify_variable_json`]).
pub fn variable_from_json(v: &Value) -> Result<VariableProof, JsonError> {
    let code = code_of(v)?;
    let pages = field(v, "storageProof")?
        .as_array()
        .ok_or_else(|| wrong("storageProof", "not an array"))?
        .iter()
        .map(|e| {
            let key = bytes_of(field(e, "key")?, "storageProof.key")?;
            Ok(PageProof {
                index: page_index(&key, "storageProof.key")?,
                nodes: nodes_of(field(e, "proof")?, "storageProof.proof")?,
            })
        })
        .collect::<Result<_, JsonError>>()?;
    Ok(VariableProof {
        root: fixed(field(v, "root")?, "root")?,
        address: fixed(field(v, "address")?, "address")?,
        variable: u32_of(field(v, "variable")?, "variable")?,
        account: nodes_of(field(v, "accountProof")?, "accountProof")?,
        code,
        pages,
    })
}

/// Verifies a JSON variable proof against `root` (the document's own `root`
/// when `None`), with `layout` if the proof carries no code. Every claim in
/// the document must be what the nodes prove.
pub fn verify_variable_json(
    v: &Value,
    root: Option<&Hash>,
    layout: Option<&Layout>,
) -> Result<ProvenVariable, JsonError> {
    let p = variable_from_json(v)?;
    let proven = p.verify(root.unwrap_or(&p.root), layout)?;
    same_claims(&variable_to_json(&p, &proven), v)?;
    Ok(proven)
}

/// A path as JSON: list indices as numbers, keys as `0x` hex.
fn path_json(path: &[PathKey]) -> Value {
    Value::Array(
        path.iter()
            .map(|k| match k {
                PathKey::Index(i) => json!(i),
                PathKey::Key(b) => json!(hex(b)),
            })
            .collect(),
    )
}

/// The JSON form of a proven element: `{"bytes": "0x…"}`,
/// `{"structure": {"root", "length"}}`, `"member"`, or `null` when absent.
pub fn element_value_json(e: Option<&ElementValue>) -> Value {
    match e {
        None => Value::Null,
        Some(ElementValue::Bytes(b)) => json!({ "bytes": hex(b) }),
        Some(ElementValue::Structure(h)) => {
            json!({ "structure": { "root": hex(&h.root), "length": h.len } })
        }
        Some(ElementValue::Member) => json!("member"),
    }
}

/// The JSON form of an element proof and what it proves: `root`,
/// `address`, `variable`, `path`, `accountProof`, `code` (when carried),
/// `levels` (one node list per trie on the way), and the claims `exists`
/// (the account) and `element`.
pub fn element_to_json(p: &ElementProof, proven: &ProvenElement) -> Value {
    let mut o = Map::new();
    o.insert("root".into(), hex(&p.root).into());
    o.insert("address".into(), hex(&p.address).into());
    o.insert("variable".into(), json!(p.variable));
    o.insert("path".into(), path_json(&p.path));
    o.insert("accountProof".into(), nodes(&p.account));
    if let Some(code) = &p.code {
        o.insert("code".into(), hex(code).into());
    }
    o.insert(
        "levels".into(),
        Value::Array(p.levels.iter().map(|l| nodes(l)).collect()),
    );
    o.insert("exists".into(), json!(proven.account.is_some()));
    o.insert(
        "element".into(),
        element_value_json(proven.element.as_ref()),
    );
    Value::Object(o)
}

/// Reads the proof out of a JSON element proof (claims ignored; see
/// [`verify_element_json`]).
pub fn element_from_json(v: &Value) -> Result<ElementProof, JsonError> {
    let code = code_of(v)?;
    let path = path_of(v)?;
    let levels = levels_of(v)?;
    Ok(ElementProof {
        root: fixed(field(v, "root")?, "root")?,
        address: fixed(field(v, "address")?, "address")?,
        variable: u32_of(field(v, "variable")?, "variable")?,
        path,
        account: nodes_of(field(v, "accountProof")?, "accountProof")?,
        code,
        levels,
    })
}

/// Verifies a JSON element proof against `root` (the document's own when
/// `None`), with `layout` if the proof carries no code; every claim must
/// be what the nodes prove.
pub fn verify_element_json(
    v: &Value,
    root: Option<&Hash>,
    layout: Option<&Layout>,
) -> Result<ProvenElement, JsonError> {
    let p = element_from_json(v)?;
    let proven = p.verify(root.unwrap_or(&p.root), layout)?;
    same_claims(&element_to_json(&p, &proven), v)?;
    Ok(proven)
}

/// A proof's optional `code`.
fn code_of(v: &Value) -> Result<Option<Vec<u8>>, JsonError> {
    match v.get("code") {
        None | Some(Value::Null) => Ok(None),
        Some(c) => Ok(Some(bytes_of(c, "code")?)),
    }
}

fn path_of(v: &Value) -> Result<Vec<PathKey>, JsonError> {
    field(v, "path")?
        .as_array()
        .ok_or_else(|| wrong("path", "not an array"))?
        .iter()
        .map(|k| match k {
            Value::Number(_) => Ok(PathKey::Index(u32_of(k, "path")?)),
            _ => Ok(PathKey::Key(bytes_of(k, "path")?)),
        })
        .collect()
}

fn levels_of(v: &Value) -> Result<Vec<Vec<Vec<u8>>>, JsonError> {
    field(v, "levels")?
        .as_array()
        .ok_or_else(|| wrong("levels", "not an array"))?
        .iter()
        .map(|l| nodes_of(l, "levels"))
        .collect()
}

/// The JSON form of a sorted-set range proof and what it proves: `root`,
/// `address`, `variable`, `path`, `from`, `to`, `accountProof`, `code`
/// (when carried), `levels`, `rangeProof` (the set's nodes), and the claims
/// `exists`, `members` and `length`.
pub fn range_to_json(p: &RangeProof, proven: &ProvenRange) -> Value {
    let mut o = Map::new();
    o.insert("root".into(), hex(&p.root).into());
    o.insert("address".into(), hex(&p.address).into());
    o.insert("variable".into(), json!(p.variable));
    o.insert("path".into(), path_json(&p.path));
    o.insert("from".into(), hex(&p.from).into());
    o.insert("to".into(), hex(&p.to).into());
    o.insert("accountProof".into(), nodes(&p.account));
    if let Some(code) = &p.code {
        o.insert("code".into(), hex(code).into());
    }
    o.insert(
        "levels".into(),
        Value::Array(p.levels.iter().map(|l| nodes(l)).collect()),
    );
    o.insert("rangeProof".into(), nodes(&p.nodes));
    o.insert("exists".into(), json!(proven.account.is_some()));
    o.insert("members".into(), range_members_json(proven));
    o.insert("length".into(), json!(proven.len));
    Value::Object(o)
}

/// The members a range proof proves, as 0x-hex strings.
pub fn range_members_json(proven: &ProvenRange) -> Value {
    Value::Array(proven.members.iter().map(|m| hex(m).into()).collect())
}

/// Reads the proof out of a JSON range proof (claims ignored; see
/// [`verify_range_json`]).
pub fn range_from_json(v: &Value) -> Result<RangeProof, JsonError> {
    let code = code_of(v)?;
    Ok(RangeProof {
        root: fixed(field(v, "root")?, "root")?,
        address: fixed(field(v, "address")?, "address")?,
        variable: u32_of(field(v, "variable")?, "variable")?,
        path: path_of(v)?,
        from: bytes_of(field(v, "from")?, "from")?,
        to: bytes_of(field(v, "to")?, "to")?,
        account: nodes_of(field(v, "accountProof")?, "accountProof")?,
        code,
        levels: levels_of(v)?,
        nodes: nodes_of(field(v, "rangeProof")?, "rangeProof")?,
    })
}

/// Verifies a JSON range proof against `root` (default: the root it
/// names); its claims must be what it proves.
pub fn verify_range_json(
    v: &Value,
    root: Option<&Hash>,
    layout: Option<&Layout>,
) -> Result<ProvenRange, JsonError> {
    let p = range_from_json(v)?;
    let proven = p.verify(root.unwrap_or(&p.root), layout)?;
    same_claims(&range_to_json(&p, &proven), v)?;
    Ok(proven)
}

/// The JSON form of an element multiproof and what it proves: `root`,
/// `requests` (`address`, `variable`, `path`), `codes` (`address`, `code`),
/// `proof` (every node once), and the claims `elements` (per request, as
/// in an element proof; `null` absent).
pub fn elements_to_json(p: &ElementMultiProof, proven: &[ProvenElement]) -> Value {
    json!({
        "root": hex(&p.root),
        "requests": p.requests.iter().map(|r| json!({
            "address": hex(&r.address),
            "variable": r.variable,
            "path": path_json(&r.path),
        })).collect::<Vec<_>>(),
        "codes": p.codes.iter().map(|(a, c)| json!({"address": hex(a), "code": hex(c)})).collect::<Vec<_>>(),
        "proof": nodes(&p.nodes),
        "elements": proven.iter().map(|e| element_value_json(e.element.as_ref())).collect::<Vec<_>>(),
    })
}

/// Reads the proof out of a JSON element multiproof (claims ignored; see
/// [`verify_elements_json`]).
pub fn elements_from_json(v: &Value) -> Result<ElementMultiProof, JsonError> {
    let list = |name: &'static str| -> Result<&Vec<Value>, JsonError> {
        field(v, name)?
            .as_array()
            .ok_or_else(|| wrong(name, "not an array"))
    };
    let requests = list("requests")?
        .iter()
        .map(|r| {
            Ok(ElementRequest {
                address: fixed(field(r, "address")?, "address")?,
                variable: u32_of(field(r, "variable")?, "variable")?,
                path: path_of(r)?,
            })
        })
        .collect::<Result<_, JsonError>>()?;
    let codes = list("codes")?
        .iter()
        .map(|c| {
            Ok((
                fixed(field(c, "address")?, "address")?,
                bytes_of(field(c, "code")?, "code")?,
            ))
        })
        .collect::<Result<_, JsonError>>()?;
    Ok(ElementMultiProof {
        root: fixed(field(v, "root")?, "root")?,
        requests,
        codes,
        nodes: nodes_of(field(v, "proof")?, "proof")?,
    })
}

/// Verifies a JSON element multiproof against `root` (default: the root it
/// names) with the layouts the verifier has; its claims must be what it
/// proves.
pub fn verify_elements_json(
    v: &Value,
    root: Option<&Hash>,
    layouts: &BTreeMap<crate::Address, Layout>,
) -> Result<Vec<ProvenElement>, JsonError> {
    let p = elements_from_json(v)?;
    let proven = p.verify(root.unwrap_or(&p.root), layouts)?;
    same_claims(&elements_to_json(&p, &proven), v)?;
    Ok(proven)
}

/// The JSON form of a multiproof.
pub fn multi_to_json(p: &MultiProof) -> Value {
    json!({
        "root": hex(&p.root),
        "requests": p.requests.iter().map(|r| json!({"address": hex(&r.address), "variable": r.variable})).collect::<Vec<_>>(),
        "accountProof": nodes(&p.account_nodes),
        "contracts": p.contracts.iter().map(|c| {
            let mut o = Map::new();
            o.insert("address".into(), hex(&c.address).into());
            if let Some(code) = &c.code {
                o.insert("code".into(), hex(code).into());
            }
            o.insert("storageProof".into(), nodes(&c.nodes));
            Value::Object(o)
        }).collect::<Vec<_>>(),
    })
}

/// Reads a multiproof from its JSON form.
pub fn multi_from_json(v: &Value) -> Result<MultiProof, JsonError> {
    let array = |name: &str| {
        field(v, name)?
            .as_array()
            .ok_or_else(|| wrong(name, "not an array"))
    };
    let requests = array("requests")?
        .iter()
        .map(|r| {
            Ok(Request {
                address: fixed(field(r, "address")?, "requests.address")?,
                variable: u32_of(field(r, "variable")?, "requests.variable")?,
            })
        })
        .collect::<Result<_, JsonError>>()?;
    let contracts = array("contracts")?
        .iter()
        .map(|c| {
            Ok(ContractNodes {
                address: fixed(field(c, "address")?, "contracts.address")?,
                code: match c.get("code") {
                    None | Some(Value::Null) => None,
                    Some(code) => Some(bytes_of(code, "contracts.code")?),
                },
                nodes: nodes_of(field(c, "storageProof")?, "contracts.storageProof")?,
            })
        })
        .collect::<Result<_, JsonError>>()?;
    Ok(MultiProof {
        root: fixed(field(v, "root")?, "root")?,
        requests,
        account_nodes: nodes_of(field(v, "accountProof")?, "accountProof")?,
        contracts,
    })
}

/// The JSON form of a receipt as consensus records it.
pub fn receipt_record_to_json(r: &ReceiptRecord) -> Value {
    json!({
        "status": r.status,
        "gasUsed": r.gas_used,
        "contract": hex(&r.contract),
        "returnData": hex(&r.return_data),
        "events": r.events.iter().map(event_to_json).collect::<Vec<_>>(),
    })
}

/// The JSON form of an event: `contract`, `topics`, `data`, `ttl`.
pub fn event_to_json(e: &Event) -> Value {
    json!({
        "contract": hex(&e.contract),
        "topics": e.topics.iter().map(|t| Value::String(hex(t))).collect::<Vec<_>>(),
        "data": hex(&e.data),
        "ttl": e.ttl,
    })
}

/// The JSON form of a receipt proof: `receiptsRoot`, `index`, `proof` (the
/// nodes), and the claim `receipt` (what the nodes prove). `block` (height,
/// time, world root) says where the receipts root comes from; a light
/// client checks the receipts root against a block header it trusts.
pub fn receipt_to_json(p: &ReceiptProof, receipt: &ReceiptRecord, block: Option<Value>) -> Value {
    let mut v = json!({
        "receiptsRoot": hex(&p.receipts_root),
        "index": p.index,
        "proof": nodes(&p.nodes),
        "receipt": receipt_record_to_json(receipt),
    });
    if let (Some(block), Value::Object(m)) = (block, &mut v) {
        m.insert("block".into(), block);
    }
    v
}

/// Reads the proof out of a JSON receipt proof (its claims are ignored; see
/// [`verify_receipt_json`]).
pub fn receipt_from_json(v: &Value) -> Result<ReceiptProof, JsonError> {
    Ok(ReceiptProof {
        receipts_root: fixed(field(v, "receiptsRoot")?, "receiptsRoot")?,
        index: field(v, "index")?
            .as_u64()
            .ok_or_else(|| wrong("index", "not a number"))?,
        nodes: nodes_of(field(v, "proof")?, "proof")?,
    })
}

/// Verifies a JSON receipt proof against `receipts_root` (the document's
/// own when `None`); the `receipt` it states must be what the nodes prove.
pub fn verify_receipt_json(
    v: &Value,
    receipts_root: Option<&Hash>,
) -> Result<ReceiptRecord, JsonError> {
    let p = receipt_from_json(v)?;
    let receipt = p.verify(receipts_root.unwrap_or(&p.receipts_root))?;
    if v.get("receipt") != Some(&receipt_record_to_json(&receipt)) {
        return Err(JsonError::Claim("receipt".into()));
    }
    Ok(receipt)
}
