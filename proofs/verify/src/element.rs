//! Proofs of one element of a structure, nested to any depth, under a
//! world root: the account's path in the world trie, the storage-trie path
//! of the structure variable's handle, then for each key of the element's
//! path the path in the structure at that depth. docs/FORMATS.md,
//! "Structures" and "State proofs".

use alloc::vec::Vec;

pub use svm_format::structure::PathKey;
use svm_format::structure::{
    self, Handle, MEMBER_MARK, Structure, Value, decode_list_leaf, decode_map_leaf,
    decode_set_leaf, element_key, handle_key,
};

use crate::layout::Layout;
use crate::variable::{layout_for, proven_account};
use crate::{Account, Address, Hash, VerifyError};

/// A proof of one element (or its absence) of a structure variable.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ElementProof {
    /// The world root the proof was made against.
    pub root: Hash,
    /// The contract's address.
    pub address: Address,
    /// The structure variable's index in the layout.
    pub variable: u32,
    /// The keys from the variable's structure down to the element (at
    /// least one).
    pub path: Vec<PathKey>,
    /// The account's path in the world trie, root first.
    pub account: Vec<Vec<u8>>,
    /// The contract's code (carrying its layout), unless the verifier has
    /// the layout.
    pub code: Option<Vec<u8>>,
    /// Trie paths, root first: the storage-trie path of the variable's
    /// handle key, then the path of each key in the structure at its depth.
    /// They end where the proof ends: at the element, or at the first level
    /// that shows it absent (an empty structure has no level of its own).
    pub levels: Vec<Vec<Vec<u8>>>,
}

/// An element as proven.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ElementValue {
    /// A list element or map value of bytes.
    Bytes(Vec<u8>),
    /// A nested structure (its handle).
    Structure(Handle),
    /// A set or sorted-set member is present.
    Member,
}

/// What a verified [`ElementProof`] proves.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProvenElement {
    /// The contract's address.
    pub address: Address,
    /// The structure variable.
    pub variable: u32,
    /// The account, or `None`: no account at the address.
    pub account: Option<Account>,
    /// The element, or `None` when it is absent (no account, an empty
    /// structure on the way, or no such key).
    pub element: Option<ElementValue>,
}

/// Reads the leaf of `key` in a structure of kind `kind` holding `len`
/// elements.
pub(crate) fn element(
    kind: &Structure,
    key: &PathKey,
    leaf: &[u8],
    len: u64,
) -> Result<ElementValue, VerifyError> {
    let value = |v: Value| match v {
        Value::Bytes(b) => ElementValue::Bytes(b),
        Value::Handle(h) => ElementValue::Structure(h),
    };
    match (kind, key) {
        (Structure::List(e), PathKey::Index(i)) => {
            if u64::from(*i) >= len {
                return Err(VerifyError::Malformed(
                    "a list element past the list's length",
                ));
            }
            Ok(value(decode_list_leaf(leaf, e)?))
        }
        (Structure::Map(e), PathKey::Key(k)) => {
            let (stored, v) = decode_map_leaf(leaf, e)?;
            if stored != *k {
                return Err(VerifyError::Malformed("a map entry holds another key"));
            }
            Ok(value(v))
        }
        (Structure::Set, PathKey::Key(k)) => {
            if decode_set_leaf(leaf)? != *k {
                return Err(VerifyError::Malformed("a set leaf holds another member"));
            }
            Ok(ElementValue::Member)
        }
        (Structure::SortedSet, PathKey::Key(_)) => {
            if leaf != MEMBER_MARK {
                return Err(VerifyError::Malformed(
                    "a sorted-set leaf is not the member mark",
                ));
            }
            Ok(ElementValue::Member)
        }
        _ => Err(VerifyError::WrongQuestion("a key of the wrong type")),
    }
}

/// Looks up a trie path: the value at `key` under `root`, or `None`.
pub(crate) type Walker<'a> = dyn FnMut(&Hash, &[u8]) -> Result<Option<Vec<u8>>, VerifyError> + 'a;

/// The element at `path` (at least one key) of structure variable
/// `variable` of a contract with `layout` and storage root `storage_root`,
/// each trie path looked up with `walk` (in order: the handle's storage
/// path, then each key's path; none after an empty structure or an absent
/// key). `None`: absent.
pub(crate) fn walk_element(
    layout: &Layout,
    storage_root: &Hash,
    variable: u32,
    path: &[PathKey],
    walk: &mut Walker<'_>,
) -> Result<Option<ElementValue>, VerifyError> {
    if path.is_empty() {
        return Err(VerifyError::WrongQuestion("an empty path"));
    }
    let mut kind = layout.structure(variable as usize)?.clone();
    structure::check_path(&kind, path)?;
    // The variable's handle in the storage trie; absent: empty.
    let mut handle = match walk(storage_root, &handle_key(variable))? {
        None => Handle::EMPTY,
        Some(bytes) => Handle::decode_stored(&bytes)?,
    };
    for (depth, key) in path.iter().enumerate() {
        if handle.is_empty() {
            return Ok(None);
        }
        let Some(leaf) = walk(&handle.root, &element_key(&kind, key)?)? else {
            return Ok(None);
        };
        let value = element(&kind, key, &leaf, handle.len)?;
        if depth + 1 == path.len() {
            return Ok(Some(value));
        }
        let (ElementValue::Structure(h), Some(inner)) = (value, kind.nested()) else {
            return Err(VerifyError::WrongQuestion(
                "a path deeper than the structures",
            ));
        };
        handle = h;
        kind = inner.clone();
    }
    Ok(None)
}

impl ElementProof {
    /// Verifies the proof against the trusted world root `root` (which must
    /// be the root the proof names), with the code's layout or `layout`
    /// (both must agree if both are there). Returns what it proves about
    /// the element the proof names.
    pub fn verify(
        &self,
        root: &Hash,
        layout: Option<&Layout>,
    ) -> Result<ProvenElement, VerifyError> {
        if self.path.is_empty() {
            return Err(VerifyError::WrongQuestion("an empty path"));
        }
        let proven = |account, element| ProvenElement {
            address: self.address,
            variable: self.variable,
            account,
            element,
        };
        let account = proven_account(root, &self.root, &self.address, &self.account)?;
        let Some(account) = account else {
            if self.code.is_some() || !self.levels.is_empty() {
                return Err(VerifyError::UnexpectedData);
            }
            return Ok(proven(None, None));
        };
        let layout = layout_for(&account, self.code.as_deref(), layout)?;
        let mut levels = self.levels.iter();
        let found = walk_element(
            &layout,
            &account.storage_root,
            self.variable,
            &self.path,
            &mut |root, key| {
                let level = levels.next().ok_or(VerifyError::MissingNode)?;
                crate::mpt::verify(root, key, level)
            },
        )?;
        if levels.next().is_some() {
            return Err(VerifyError::UnexpectedData);
        }
        Ok(proven(Some(account), found))
    }

    /// [`ElementProof::verify`], and the proof must be about `address`,
    /// `variable` and `path`.
    pub fn verify_for(
        &self,
        root: &Hash,
        address: &Address,
        variable: u32,
        path: &[PathKey],
        layout: Option<&Layout>,
    ) -> Result<ProvenElement, VerifyError> {
        if self.address != *address {
            return Err(VerifyError::WrongQuestion("another address"));
        }
        if self.variable != variable {
            return Err(VerifyError::WrongQuestion("another variable"));
        }
        if self.path != path {
            return Err(VerifyError::WrongQuestion("another element"));
        }
        self.verify(root, layout)
    }
}

impl From<structure::StructureError> for VerifyError {
    fn from(e: structure::StructureError) -> Self {
        match e {
            // A path that does not fit the structures asks another question.
            structure::StructureError::KeyType(why) => VerifyError::WrongQuestion(why),
            e => VerifyError::Structure(e),
        }
    }
}
