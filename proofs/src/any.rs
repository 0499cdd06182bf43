//! Verifying a proof of any kind, binary or JSON, by what it says it is:
//! what `svm verify` and the C API's verifier share.

use serde_json::{Value, json};
use svm_verify::layout::Layout;
use svm_verify::{
    Hash, ProvenElement, ProvenRange, ProvenVariable, ReceiptRecord, VerifyError, binary,
};

use crate::json::{self, JsonError};

/// What a verified proof proves.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Proven {
    /// A contract variable (or the account's absence).
    Variable(ProvenVariable),
    /// One element of a structure.
    Element(ProvenElement),
    /// Several elements of structures.
    Elements(Vec<ProvenElement>),
    /// A range of a sorted set.
    Range(ProvenRange),
    /// One receipt of a block.
    Receipt(ReceiptRecord),
}

/// Why a proof of unknown kind is refused.
#[derive(Debug, thiserror::Error)]
pub enum AnyProofError {
    /// Binary, but of a kind with no verifier here (a multiproof of
    /// variables is verified with its requests, not alone).
    #[error(
        "a binary proof of a kind this verifier does not read (it reads variable, receipt, element, element multi- and range proofs)"
    )]
    UnknownKind,
    /// Neither binary nor JSON.
    #[error("neither a binary nor a JSON proof: {0}")]
    NotAProof(String),
    /// A binary proof that does not verify.
    #[error("the proof does not verify: {0}")]
    Binary(#[from] VerifyError),
    /// A JSON proof that does not verify.
    #[error(transparent)]
    Json(#[from] JsonError),
}

/// Verifies `bytes`, a binary or JSON proof, against the trusted `root`
/// (the world root; a receipts root for a receipt proof). Without `root`
/// the proof is checked against the root it names, which proves only that
/// it is consistent: a light client passes the root it trusts. `layout`, if
/// known, is checked against the one the proof carries or stands in for
/// code the proof leaves out.
pub fn verify_any(
    bytes: &[u8],
    root: Option<&Hash>,
    layout: Option<&Layout>,
) -> Result<Proven, AnyProofError> {
    if binary::is_binary(bytes) {
        return Ok(match binary::kind(bytes) {
            Some(binary::Kind::Variable) => {
                let p = binary::decode_variable(bytes)?;
                Proven::Variable(p.verify(root.unwrap_or(&p.root), layout)?)
            }
            Some(binary::Kind::Element) => {
                let p = binary::decode_element(bytes)?;
                Proven::Element(p.verify(root.unwrap_or(&p.root), layout)?)
            }
            Some(binary::Kind::Elements) => {
                let p = binary::decode_elements(bytes)?;
                let layouts = match (layout, p.requests.first()) {
                    (Some(l), Some(r)) => [(r.address, l.clone())].into_iter().collect(),
                    _ => Default::default(),
                };
                Proven::Elements(p.verify(root.unwrap_or(&p.root), &layouts)?)
            }
            Some(binary::Kind::Range) => {
                let p = binary::decode_range(bytes)?;
                Proven::Range(p.verify(root.unwrap_or(&p.root), layout)?)
            }
            Some(binary::Kind::Receipt) => {
                let p = binary::decode_receipt(bytes)?;
                Proven::Receipt(p.verify(root.unwrap_or(&p.receipts_root))?)
            }
            _ => return Err(AnyProofError::UnknownKind),
        });
    }
    let v: Value =
        serde_json::from_slice(bytes).map_err(|e| AnyProofError::NotAProof(e.to_string()))?;
    Ok(if v.get("rangeProof").is_some() {
        Proven::Range(json::verify_range_json(&v, root, layout)?)
    } else if v.get("levels").is_some() {
        Proven::Element(json::verify_element_json(&v, root, layout)?)
    } else if v.get("receiptsRoot").is_some() {
        Proven::Receipt(json::verify_receipt_json(&v, root)?)
    } else {
        Proven::Variable(json::verify_variable_json(&v, root, layout)?)
    })
}

fn hex(b: &[u8]) -> String {
    format!("0x{}", hex::encode(b))
}

impl Proven {
    /// What was proven as JSON, tagged by `kind`: `variable` (`address`,
    /// `variable`, `value` as hex or `null` for no account), `element`
    /// (`value`), `elements` (`values`), `range` (`members`), `receipt`
    /// (`receipt`).
    pub fn to_json(&self) -> Value {
        match self {
            Proven::Variable(p) => json!({
                "kind": "variable",
                "address": hex(&p.address),
                "variable": p.variable,
                "value": p.value.as_deref().map(hex),
            }),
            Proven::Element(p) => json!({
                "kind": "element",
                "value": json::element_value_json(p.element.as_ref()),
            }),
            Proven::Elements(ps) => json!({
                "kind": "elements",
                "values": ps
                    .iter()
                    .map(|p| json::element_value_json(p.element.as_ref()))
                    .collect::<Vec<_>>(),
            }),
            Proven::Range(p) => json!({
                "kind": "range",
                "members": json::range_members_json(p),
            }),
            Proven::Receipt(r) => json!({
                "kind": "receipt",
                "receipt": json::receipt_record_to_json(r),
            }),
        }
    }
}
