//! Verifying a proof of any kind, binary or JSON, by what it says it is:
//! what `svm verify`, the C API's verifier and the JavaScript bindings
//! share.

use alloc::collections::BTreeMap;
use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;

use serde_json::{Value, json};

use crate::layout::Layout;
use crate::{
    Address, Hash, ProvenElement, ProvenRange, ProvenVariable, ReceiptRecord, VerifyError, binary,
};

use crate::json::{self, JsonError};

/// What a verified proof proves.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Proven {
    /// A contract variable (or the account's absence).
    Variable(ProvenVariable),
    /// Several variables across contracts (a multiproof), in the order
    /// the proof asks for them.
    Variables(Vec<ProvenVariable>),
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
    /// Binary, but of a version or kind this verifier does not know.
    #[error(
        "a binary proof of a version or kind this verifier does not read (it reads version 1 variable, multi-, receipt, element, element multi- and range proofs)"
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
/// code the proof leaves out (for a multiproof: the layout of the first
/// contract it asks about; [`verify_any_with`] takes one per contract).
pub fn verify_any(
    bytes: &[u8],
    root: Option<&Hash>,
    layout: Option<&Layout>,
) -> Result<Proven, AnyProofError> {
    verify_any_with(bytes, root, layout, &BTreeMap::new())
}

/// The layouts for a multiproof: `layouts` if any, else `layout` as the
/// layout of the first contract the proof asks about.
fn layouts_for(
    layouts: &BTreeMap<Address, Layout>,
    layout: Option<&Layout>,
    first: Option<&Address>,
) -> BTreeMap<Address, Layout> {
    match (layouts.is_empty(), layout, first) {
        (true, Some(l), Some(a)) => [(*a, l.clone())].into_iter().collect(),
        _ => layouts.clone(),
    }
}

/// [`verify_any`] with `layouts`, the layouts the verifier already has for
/// the contracts of a multiproof (when empty, `layout` stands for the first
/// contract's, as in [`verify_any`]).
pub fn verify_any_with(
    bytes: &[u8],
    root: Option<&Hash>,
    layout: Option<&Layout>,
    layouts: &BTreeMap<Address, Layout>,
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
            Some(binary::Kind::Multi) => {
                let p = binary::decode_multi(bytes)?;
                let layouts = layouts_for(layouts, layout, p.requests.first().map(|r| &r.address));
                Proven::Variables(p.verify(root.unwrap_or(&p.root), &layouts)?)
            }
            Some(binary::Kind::Elements) => {
                let p = binary::decode_elements(bytes)?;
                let layouts = layouts_for(layouts, layout, p.requests.first().map(|r| &r.address));
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
            None => return Err(AnyProofError::UnknownKind),
        });
    }
    let v: Value =
        serde_json::from_slice(bytes).map_err(|e| AnyProofError::NotAProof(e.to_string()))?;
    Ok(if v.get("rangeProof").is_some() {
        Proven::Range(json::verify_range_json(&v, root, layout)?)
    } else if v.get("levels").is_some() {
        Proven::Element(json::verify_element_json(&v, root, layout)?)
    } else if v.get("contracts").is_some() {
        let p = json::multi_from_json(&v)?;
        let layouts = layouts_for(layouts, layout, p.requests.first().map(|r| &r.address));
        Proven::Variables(
            p.verify(root.unwrap_or(&p.root), &layouts)
                .map_err(JsonError::Verify)?,
        )
    } else if v.get("requests").is_some() {
        let p = json::elements_from_json(&v)?;
        let layouts = layouts_for(layouts, layout, p.requests.first().map(|r| &r.address));
        Proven::Elements(json::verify_elements_json(&v, root, &layouts)?)
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
            Proven::Variables(ps) => json!({
                "kind": "variables",
                "values": ps
                    .iter()
                    .map(|p| json!({
                        "address": hex(&p.address),
                        "variable": p.variable,
                        "value": p.value.as_deref().map(hex),
                    }))
                    .collect::<Vec<_>>(),
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
