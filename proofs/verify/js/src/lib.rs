//! svm-verify for JavaScript. Built for `wasm32-unknown-unknown` and bound
//! with wasm-bindgen (svm-light's build script does both), this module
//! exports one function, `verify(kind, proof, root, options)`, which the
//! ES module `svm-verify.js` beside this crate wraps as `verifyVariable`,
//! `verifyElement`, `verifyRange`, `verifyReceipt`, `verifyMulti`,
//! `verifyElements` and `verifyProof` (any kind).
//!
//! - `proof`: the proof's bytes, binary (`svmP`…) or JSON text (the forms
//!   `svm serve` and `svm prove` give).
//! - `root`: the root the caller trusts, `0x` hex: a world root, or a
//!   block's receipts root for a receipt proof. A proof made against
//!   another root is refused.
//! - `options`: JSON text, empty or an object: the question asked
//!   (`contract`, `variable`, `path`, `from`, `to`, `index`), which the proof
//!   must answer, and the layouts the caller already has (`layout`, or
//!   `layouts` by contract for multiproofs) when proofs leave code out.
//!
//! The answer is JSON text ([`answer`]): what the proof proves, with
//! `value` when something is there and `absent: true` when the proof shows
//! it is not. A refusal is an `Error` whose message says why. There is no
//! network code here: proofs come from wherever the caller fetched them.

#![cfg_attr(not(test), warn(unused_crate_dependencies))]

pub mod answer;
pub mod question;

use serde_json::Value;
use svm_verify::json::{self, JsonError};
use svm_verify::{Hash, VerifyError, binary};
use wasm_bindgen::prelude::*;

pub use question::{Kind, Question};

/// `verify` for JavaScript: the answer as JSON text, or a thrown `Error`
/// with the reason.
#[wasm_bindgen(js_name = verify)]
pub fn verify_js(kind: &str, proof: &[u8], root: &str, options: &str) -> Result<String, JsError> {
    verify(kind, proof, root, options)
        .map(|v| v.to_string())
        .map_err(|e| JsError::new(&e))
}

/// Verifies `proof` (binary or JSON) of `kind` (`variable`, `multi`,
/// `element`, `elements`, `range`, `receipt`, or `any`) against the trusted
/// `root` (`0x` hex), answering the question in `options` (JSON text, may
/// be empty). Returns what it proves ([`answer`]) or why it is refused.
pub fn verify(kind: &str, proof: &[u8], root: &str, options: &str) -> Result<Value, String> {
    let asked = Kind::parse(kind)?;
    let root = question::root(root)?;
    let question = Question::parse(options)?;
    let form = Form::read(proof)?;
    let kind = form.kind()?;
    if asked.is_some_and(|a| a != kind) {
        return Err(format!(
            "the proof is a {} proof, not a {} proof",
            kind.name(),
            asked.map_or("", Kind::name)
        ));
    }
    match kind {
        Kind::Variable => variable(&form, &root, &question),
        Kind::Multi => multi(&form, &root, &question),
        Kind::Element => element(&form, &root, &question),
        Kind::Elements => elements(&form, &root, &question),
        Kind::Range => range(&form, &root, &question),
        Kind::Receipt => receipt(&form, &root, &question),
    }
}

/// A proof as it came: binary or parsed JSON.
enum Form<'a> {
    Binary(&'a [u8]),
    Json(Value),
}

impl<'a> Form<'a> {
    fn read(proof: &'a [u8]) -> Result<Self, String> {
        if binary::is_binary(proof) {
            return Ok(Form::Binary(proof));
        }
        serde_json::from_slice(proof)
            .map(Form::Json)
            .map_err(|e| format!("neither a binary nor a JSON proof: {e}"))
    }

    /// The kind the proof says it is.
    fn kind(&self) -> Result<Kind, String> {
        match self {
            Form::Binary(b) => match binary::kind(b) {
                Some(binary::Kind::Variable) => Ok(Kind::Variable),
                Some(binary::Kind::Multi) => Ok(Kind::Multi),
                Some(binary::Kind::Element) => Ok(Kind::Element),
                Some(binary::Kind::Elements) => Ok(Kind::Elements),
                Some(binary::Kind::Range) => Ok(Kind::Range),
                Some(binary::Kind::Receipt) => Ok(Kind::Receipt),
                None => {
                    Err("a binary proof of a version or kind this verifier does not read".into())
                }
            },
            Form::Json(v) => {
                let has = |k: &str| v.get(k).is_some();
                if !v.is_object() {
                    Err("a JSON proof is an object".into())
                } else if has("rangeProof") {
                    Ok(Kind::Range)
                } else if has("levels") {
                    Ok(Kind::Element)
                } else if has("contracts") {
                    Ok(Kind::Multi)
                } else if has("requests") {
                    Ok(Kind::Elements)
                } else if has("receiptsRoot") {
                    Ok(Kind::Receipt)
                } else {
                    Ok(Kind::Variable)
                }
            }
        }
    }
}

/// A refusal's message.
fn refused(e: VerifyError) -> String {
    format!("the proof does not verify: {e}")
}

fn json_refused(e: JsonError) -> String {
    match e {
        JsonError::Field { .. } => format!("malformed JSON proof: {e}"),
        e => e.to_string(),
    }
}

fn variable(form: &Form<'_>, root: &Hash, q: &Question) -> Result<Value, String> {
    let p = match form {
        Form::Binary(b) => binary::decode_variable(b).map_err(refused)?,
        Form::Json(v) => json::variable_from_json(v).map_err(json_refused)?,
    };
    q.check_about(&p.address, p.variable, None)?;
    let proven = match form {
        Form::Binary(_) => p.verify(root, q.layout.as_ref()).map_err(refused)?,
        Form::Json(v) => {
            json::verify_variable_json(v, Some(root), q.layout.as_ref()).map_err(json_refused)?
        }
    };
    Ok(answer::variable(&proven, true))
}

fn multi(form: &Form<'_>, root: &Hash, q: &Question) -> Result<Value, String> {
    let p = match form {
        Form::Binary(b) => binary::decode_multi(b).map_err(refused)?,
        Form::Json(v) => json::multi_from_json(v).map_err(json_refused)?,
    };
    let proven = p.verify(root, &q.layouts_for(p.requests.first().map(|r| &r.address)));
    Ok(answer::variables(&proven.map_err(refused)?))
}

fn element(form: &Form<'_>, root: &Hash, q: &Question) -> Result<Value, String> {
    let p = match form {
        Form::Binary(b) => binary::decode_element(b).map_err(refused)?,
        Form::Json(v) => json::element_from_json(v).map_err(json_refused)?,
    };
    q.check_about(&p.address, p.variable, Some(&p.path))?;
    let proven = match form {
        Form::Binary(_) => p.verify(root, q.layout.as_ref()).map_err(refused)?,
        Form::Json(v) => {
            json::verify_element_json(v, Some(root), q.layout.as_ref()).map_err(json_refused)?
        }
    };
    Ok(answer::element(&proven, &p.path, true))
}

fn elements(form: &Form<'_>, root: &Hash, q: &Question) -> Result<Value, String> {
    let p = match form {
        Form::Binary(b) => binary::decode_elements(b).map_err(refused)?,
        Form::Json(v) => json::elements_from_json(v).map_err(json_refused)?,
    };
    let layouts = q.layouts_for(p.requests.first().map(|r| &r.address));
    let proven = match form {
        Form::Binary(_) => p.verify(root, &layouts).map_err(refused)?,
        Form::Json(v) => {
            json::verify_elements_json(v, Some(root), &layouts).map_err(json_refused)?
        }
    };
    Ok(answer::elements(&proven, &p.requests))
}

fn range(form: &Form<'_>, root: &Hash, q: &Question) -> Result<Value, String> {
    let p = match form {
        Form::Binary(b) => binary::decode_range(b).map_err(refused)?,
        Form::Json(v) => json::range_from_json(v).map_err(json_refused)?,
    };
    q.check_about(&p.address, p.variable, Some(&p.path))?;
    q.check_range(&p.from, &p.to)?;
    let proven = match form {
        Form::Binary(_) => p.verify(root, q.layout.as_ref()).map_err(refused)?,
        Form::Json(v) => {
            json::verify_range_json(v, Some(root), q.layout.as_ref()).map_err(json_refused)?
        }
    };
    Ok(answer::range(&proven, &p))
}

fn receipt(form: &Form<'_>, root: &Hash, q: &Question) -> Result<Value, String> {
    let p = match form {
        Form::Binary(b) => binary::decode_receipt(b).map_err(refused)?,
        Form::Json(v) => json::receipt_from_json(v).map_err(json_refused)?,
    };
    q.check_index(p.index)?;
    let proven = match form {
        Form::Binary(_) => p.verify(root).map_err(JsonError::Verify),
        Form::Json(v) => json::verify_receipt_json(v, Some(root)),
    };
    match proven {
        Ok(r) => Ok(answer::receipt(p.index, Some(&r))),
        // The nodes prove the block holds no receipt at the index.
        Err(JsonError::Verify(VerifyError::NoReceipt(_))) => Ok(answer::receipt(p.index, None)),
        Err(e) => Err(json_refused(e)),
    }
}
