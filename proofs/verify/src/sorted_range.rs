//! Proofs of a complete range of a sorted set: every member in `[from, to]`
//! under a world root, and nothing else. The account's path, the storage
//! path of the structure variable's handle, the path of each key down to
//! the sorted set (as in an element proof), then every node of the sorted
//! set whose subtree can hold a member in the range (svm-format's
//! `range::entries_in`). docs/FORMATS.md, "State proofs".

use alloc::vec::Vec;

use svm_format::mpt::Pool;
use svm_format::range::entries_in;
use svm_format::structure::{
    self, Handle, MAX_MEMBER_BYTES, MEMBER_MARK, Structure, element_key, handle_key,
};

use crate::element::{ElementValue, PathKey, element};
use crate::layout::Layout;
use crate::variable::{layout_for, proven_account};
use crate::{Account, Address, Hash, VerifyError};

/// A proof of every member of a sorted set in `[from, to]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RangeProof {
    /// The world root the proof was made against.
    pub root: Hash,
    /// The contract's address.
    pub address: Address,
    /// The structure variable's index in the layout.
    pub variable: u32,
    /// The keys from the variable's structure down to the sorted set
    /// (none: the variable is the sorted set).
    pub path: Vec<PathKey>,
    /// The range's first member (inclusive).
    pub from: Vec<u8>,
    /// The range's last member (inclusive).
    pub to: Vec<u8>,
    /// The account's path in the world trie, root first.
    pub account: Vec<Vec<u8>>,
    /// The contract's code (carrying its layout), unless the verifier has
    /// the layout.
    pub code: Option<Vec<u8>>,
    /// Trie paths, root first: the storage-trie path of the variable's
    /// handle, then the path of each key of `path` in the structure at its
    /// depth; they end early where a structure on the way is empty.
    pub levels: Vec<Vec<Vec<u8>>>,
    /// The sorted set's nodes that can hold a member in the range, each
    /// once (none when the set is empty).
    pub nodes: Vec<Vec<u8>>,
}

/// What a verified [`RangeProof`] proves.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProvenRange {
    /// The contract's address.
    pub address: Address,
    /// The structure variable.
    pub variable: u32,
    /// The account, or `None`: no account at the address.
    pub account: Option<Account>,
    /// Every member in the range, in order (none when there is no account
    /// or the set is empty).
    pub members: Vec<Vec<u8>>,
    /// How many members the whole set holds.
    pub len: u64,
}

impl RangeProof {
    /// Verifies the proof against the trusted world root `root` (which must
    /// be the root the proof names), with the code's layout or `layout`.
    pub fn verify(&self, root: &Hash, layout: Option<&Layout>) -> Result<ProvenRange, VerifyError> {
        let proven = |account, members, len| ProvenRange {
            address: self.address,
            variable: self.variable,
            account,
            members,
            len,
        };
        if self.to < self.from {
            return Err(VerifyError::WrongQuestion(
                "a range that ends below its start",
            ));
        }
        if self.from.len().max(self.to.len()) > MAX_MEMBER_BYTES {
            return Err(VerifyError::WrongQuestion("a bound longer than a member"));
        }
        let account = proven_account(root, &self.root, &self.address, &self.account)?;
        let Some(account) = account else {
            if self.code.is_some() || !self.levels.is_empty() || !self.nodes.is_empty() {
                return Err(VerifyError::UnexpectedData);
            }
            return Ok(proven(None, Vec::new(), 0));
        };
        let layout = layout_for(&account, self.code.as_deref(), layout)?;
        let mut kind = layout.structure(self.variable as usize)?.clone();
        // The keys must lead to structures, the last one to a sorted set.
        for key in &self.path {
            structure::check_path(&kind, core::slice::from_ref(key))?;
            kind = kind
                .nested()
                .ok_or(VerifyError::WrongQuestion(
                    "a path deeper than the structures",
                ))?
                .clone();
        }
        if kind != Structure::SortedSet {
            return Err(VerifyError::WrongQuestion(
                "a range of something not a sorted set",
            ));
        }
        let mut kind = layout.structure(self.variable as usize)?.clone();
        let mut levels = self.levels.iter();
        let mut level = || levels.next().ok_or(VerifyError::MissingNode);
        let handle =
            crate::mpt::verify(&account.storage_root, &handle_key(self.variable), level()?)?;
        let mut handle = match handle {
            None => Handle::EMPTY,
            Some(bytes) => Handle::decode_stored(&bytes)?,
        };
        for key in &self.path {
            if handle.is_empty() {
                break;
            }
            let leaf = crate::mpt::verify(&handle.root, &element_key(&kind, key)?, level()?)?;
            handle = match leaf {
                None => Handle::EMPTY,
                Some(leaf) => match element(&kind, key, &leaf, handle.len)? {
                    ElementValue::Structure(h) => h,
                    _ => return Err(VerifyError::Malformed("a structure's leaf holds no handle")),
                },
            };
            kind = kind
                .nested()
                .ok_or(VerifyError::WrongQuestion(
                    "a path deeper than the structures",
                ))?
                .clone();
        }
        if levels.next().is_some() {
            return Err(VerifyError::UnexpectedData);
        }
        let mut pool = Pool::new(&self.nodes)?;
        let entries = entries_in(
            &handle.root,
            &self.from,
            &self.to,
            MAX_MEMBER_BYTES,
            &mut |h| pool.take(h).map(<[u8]>::to_vec).map_err(VerifyError::from),
        )?;
        pool.all_used()?;
        let mut members = Vec::with_capacity(entries.len());
        for (member, leaf) in entries {
            if leaf != MEMBER_MARK {
                return Err(VerifyError::Malformed(
                    "a sorted-set leaf is not the member mark",
                ));
            }
            members.push(member);
        }
        if members.len() as u64 > handle.len {
            return Err(VerifyError::Malformed("more members than the set holds"));
        }
        Ok(proven(Some(account), members, handle.len))
    }

    /// [`RangeProof::verify`], and the proof must be about `address`,
    /// `variable`, `path` and exactly `[from, to]`.
    pub fn verify_for(
        &self,
        root: &Hash,
        address: &Address,
        variable: u32,
        path: &[PathKey],
        (from, to): (&[u8], &[u8]),
        layout: Option<&Layout>,
    ) -> Result<ProvenRange, VerifyError> {
        if self.address != *address || self.variable != variable || self.path != path {
            return Err(VerifyError::WrongQuestion("another structure"));
        }
        if self.from != from || self.to != to {
            return Err(VerifyError::WrongQuestion("another range"));
        }
        self.verify(root, layout)
    }
}
