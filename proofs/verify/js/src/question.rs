//! What the caller asks: the kind of proof, the trusted root, and the
//! options (the question the proof must answer, the layouts it has).

use std::collections::BTreeMap;

use serde_json::Value;
use svm_verify::layout::Layout;
use svm_verify::structure::PathKey;
use svm_verify::{Address, Hash};

/// The kinds of proof.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// One contract variable.
    Variable,
    /// Many variables across contracts.
    Multi,
    /// One element of a structure.
    Element,
    /// Many elements across structures.
    Elements,
    /// A range of a sorted set.
    Range,
    /// One receipt of a block.
    Receipt,
}

impl Kind {
    const ALL: [Kind; 6] = [
        Kind::Variable,
        Kind::Multi,
        Kind::Element,
        Kind::Elements,
        Kind::Range,
        Kind::Receipt,
    ];

    /// Its name in the API.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Variable => "variable",
            Kind::Multi => "multi",
            Kind::Element => "element",
            Kind::Elements => "elements",
            Kind::Range => "range",
            Kind::Receipt => "receipt",
        }
    }

    /// The kind named `name`; `None` for `any`.
    pub fn parse(name: &str) -> Result<Option<Kind>, String> {
        if name == "any" {
            return Ok(None);
        }
        Kind::ALL
            .into_iter()
            .find(|k| k.name() == name)
            .map(Some)
            .ok_or_else(|| {
                format!("unknown kind of proof {name:?} (variable, multi, element, elements, range, receipt or any)")
            })
    }
}

/// `0x`-prefixed (or bare) hex.
fn hex_bytes(s: &str, what: &str) -> Result<Vec<u8>, String> {
    let digits = s.strip_prefix("0x").unwrap_or(s);
    hex::decode(digits).map_err(|e| format!("{what}: not hex ({e})"))
}

/// The trusted root: 32 bytes as hex.
pub fn root(s: &str) -> Result<Hash, String> {
    let b = hex_bytes(s.trim(), "root")?;
    b.try_into()
        .map_err(|b: Vec<u8>| format!("root: {} bytes, not 32", b.len()))
}

fn address(v: &Value, what: &str) -> Result<Address, String> {
    let s = v
        .as_str()
        .ok_or_else(|| format!("{what}: not a hex string"))?;
    hex_bytes(s, what)?
        .try_into()
        .map_err(|b: Vec<u8>| format!("{what}: {} bytes, not 20", b.len()))
}

fn bytes(v: &Value, what: &str) -> Result<Vec<u8>, String> {
    let s = v
        .as_str()
        .ok_or_else(|| format!("{what}: not a hex string"))?;
    hex_bytes(s, what)
}

fn number(v: &Value, what: &str) -> Result<u64, String> {
    v.as_u64()
        .ok_or_else(|| format!("{what}: not a whole number"))
}

fn layout(v: &Value, what: &str) -> Result<Layout, String> {
    Layout::decode(&bytes(v, what)?).map_err(|e| format!("{what}: {e}"))
}

/// The options: the question the proof must answer (each part optional)
/// and the layouts the caller has.
#[derive(Clone, Debug, Default)]
pub struct Question {
    /// The contract asked about.
    pub contract: Option<Address>,
    /// The variable asked about.
    pub variable: Option<u32>,
    /// The element's path (list indices as numbers, keys as hex).
    pub path: Option<Vec<PathKey>>,
    /// A range's lower bound.
    pub from: Option<Vec<u8>>,
    /// A range's upper bound.
    pub to: Option<Vec<u8>>,
    /// A receipt's index in its block.
    pub index: Option<u64>,
    /// The contract's layout, for proofs that leave its code out.
    pub layout: Option<Layout>,
    /// Layouts by contract, for multiproofs.
    pub layouts: BTreeMap<Address, Layout>,
}

impl Question {
    /// Reads the options from JSON text (empty, `null` or an object).
    pub fn parse(text: &str) -> Result<Question, String> {
        let mut q = Question::default();
        if text.trim().is_empty() {
            return Ok(q);
        }
        let v: Value = serde_json::from_str(text).map_err(|e| format!("options: {e}"))?;
        let fields = match &v {
            Value::Null => return Ok(q),
            Value::Object(o) => o,
            _ => return Err("options: not an object".into()),
        };
        for (name, v) in fields {
            if v.is_null() {
                continue;
            }
            match name.as_str() {
                "contract" => q.contract = Some(address(v, "contract")?),
                "variable" => {
                    let n = number(v, "variable")?;
                    q.variable =
                        Some(u32::try_from(n).map_err(|_| "variable: over 32 bits".to_string())?);
                }
                "path" => {
                    let keys = v.as_array().ok_or("path: not an array")?;
                    q.path = Some(
                        keys.iter()
                            .map(|k| match k {
                                Value::Number(_) => {
                                    let i = number(k, "path")?;
                                    u32::try_from(i)
                                        .map(PathKey::Index)
                                        .map_err(|_| "path: an index over 32 bits".to_string())
                                }
                                _ => bytes(k, "path").map(PathKey::Key),
                            })
                            .collect::<Result<_, _>>()?,
                    );
                }
                "from" => q.from = Some(bytes(v, "from")?),
                "to" => q.to = Some(bytes(v, "to")?),
                "index" => q.index = Some(number(v, "index")?),
                "layout" => q.layout = Some(layout(v, "layout")?),
                "layouts" => {
                    let map = v.as_object().ok_or("layouts: not an object")?;
                    for (a, l) in map {
                        let a = address(&Value::String(a.clone()), "layouts")?;
                        q.layouts.insert(a, layout(l, "layouts")?);
                    }
                }
                other => {
                    return Err(format!(
                        "options: unknown field {other:?} (contract, variable, path, from, to, index, layout, layouts)"
                    ));
                }
            }
        }
        Ok(q)
    }

    /// Refuses a proof about another contract, variable or element than
    /// the one asked.
    pub fn check_about(
        &self,
        contract: &Address,
        variable: u32,
        path: Option<&[PathKey]>,
    ) -> Result<(), String> {
        if let Some(c) = &self.contract
            && c != contract
        {
            return Err(format!(
                "the proof is about contract 0x{}, not 0x{} asked",
                hex::encode(contract),
                hex::encode(c)
            ));
        }
        if let Some(v) = self.variable
            && v != variable
        {
            return Err(format!(
                "the proof is about variable {variable}, not {v} asked"
            ));
        }
        if let (Some(want), Some(got)) = (&self.path, path)
            && want.as_slice() != got
        {
            return Err("the proof is about another element than the one asked".into());
        }
        Ok(())
    }

    /// Refuses a range proof of another range than the one asked.
    pub fn check_range(&self, from: &[u8], to: &[u8]) -> Result<(), String> {
        if self.from.as_deref().is_some_and(|f| f != from)
            || self.to.as_deref().is_some_and(|t| t != to)
        {
            return Err("the proof is about another range than the one asked".into());
        }
        Ok(())
    }

    /// Refuses a receipt proof of another index than the one asked.
    pub fn check_index(&self, index: u64) -> Result<(), String> {
        match self.index {
            Some(i) if i != index => {
                Err(format!("the proof is about receipt {index}, not {i} asked"))
            }
            _ => Ok(()),
        }
    }

    /// The layouts for a multiproof: `layouts`, or else `layout` as the
    /// first contract's.
    pub fn layouts_for(&self, first: Option<&Address>) -> BTreeMap<Address, Layout> {
        match (self.layouts.is_empty(), &self.layout, first) {
            (true, Some(l), Some(a)) => [(*a, l.clone())].into_iter().collect(),
            _ => self.layouts.clone(),
        }
    }
}
