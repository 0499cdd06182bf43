//! Proofs of one contract variable under a world root.

use alloc::vec::Vec;

use crate::layout::{Layout, Placement};
use crate::page::{expand, page_key};
use crate::{Account, Address, EMPTY_CODE_HASH, Hash, VerifyError, keccak256, wasm, world_key};

/// The path of one page in a contract's storage trie.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PageProof {
    /// The page's index.
    pub index: u32,
    /// The nodes along its key's path, root first (EIP-1186 form).
    pub nodes: Vec<Vec<u8>>,
}

/// A proof of one variable of one contract (or of the account's absence)
/// under a world root.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VariableProof {
    /// The world root the proof was made against.
    pub root: Hash,
    /// The contract's address.
    pub address: Address,
    /// The variable's index in the contract's layout.
    pub variable: u32,
    /// The account's path in the world trie, root first (`accountProof`).
    pub account: Vec<Vec<u8>>,
    /// The contract's code, which carries its layout; `None` when the
    /// verifier is given the layout instead (or the account is absent).
    pub code: Option<Vec<u8>>,
    /// The path of every page the variable spans, in page order (none when
    /// the account is absent).
    pub pages: Vec<PageProof>,
}

/// What a verified [`VariableProof`] proves.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProvenVariable {
    /// The contract's address.
    pub address: Address,
    /// The variable asked for.
    pub variable: u32,
    /// The account, or `None`: no account at the address.
    pub account: Option<Account>,
    /// Where the variable lives (when the account exists).
    pub placement: Option<Placement>,
    /// Each spanned page as stored (trailing zeros trimmed; empty for a
    /// page never written).
    pub pages: Vec<Vec<u8>>,
    /// The variable's bytes (all zeros if never written); `None` when the
    /// account does not exist.
    pub value: Option<Vec<u8>>,
}

/// The account a proof's world path (`nodes`) proves at `address` under
/// the trusted `root`, which must be the root the proof names (`named`);
/// `None` when the path proves it absent.
pub(crate) fn proven_account(
    root: &Hash,
    named: &Hash,
    address: &Address,
    nodes: &[Vec<u8>],
) -> Result<Option<Account>, VerifyError> {
    if named != root {
        return Err(VerifyError::WrongQuestion("another root"));
    }
    let account = crate::mpt::verify(root, &world_key(address), nodes)?;
    Ok(account.as_deref().map(Account::decode).transpose()?)
}

/// The layout to cut the variable with: the code's (checked against the
/// code hash), the caller's, or both when they agree.
pub(crate) fn layout_for(
    account: &Account,
    code: Option<&[u8]>,
    given: Option<&Layout>,
) -> Result<Layout, VerifyError> {
    if account.code_hash == EMPTY_CODE_HASH {
        return Err(VerifyError::NotAContract);
    }
    match (code, given) {
        (Some(code), given) => {
            if keccak256(code) != account.code_hash {
                return Err(VerifyError::CodeHashMismatch);
            }
            let layout = wasm::layout_of(code)?;
            if given.is_some_and(|g| *g != layout) {
                return Err(VerifyError::LayoutMismatch);
            }
            Ok(layout)
        }
        (None, Some(given)) => Ok(given.clone()),
        (None, None) => Err(VerifyError::NoLayout),
    }
}

/// The variable's bytes, cut from its proven pages (stored form, one per
/// page the variable spans, in order).
pub(crate) fn cut(
    placement: Placement,
    page_size: u32,
    stored: &[&[u8]],
) -> Result<Vec<u8>, VerifyError> {
    // Layouts bound a variable to MAX_VARIABLE_BYTES: `len` is at most 1 MiB
    // on any verifier, 32-bit ones included.
    let outside = VerifyError::Malformed("variable outside its pages");
    let mut bytes = alloc::vec![0u8; placement.len as usize];
    let mut pages = stored.iter();
    for (_, at, range) in placement.pieces(page_size) {
        let page = expand(
            Some(pages.next().ok_or(outside.clone())?),
            page_size as usize,
        )?;
        let part = page.get(at..at + range.len()).ok_or(outside.clone())?;
        bytes[range].copy_from_slice(part);
    }
    if pages.next().is_some() {
        return Err(outside);
    }
    Ok(bytes)
}

impl VariableProof {
    /// Verifies the proof against the trusted world root `root` (which must
    /// be the root the proof names), cutting the
    /// variable with the code's layout or `layout` (both, if both are there:
    /// they must agree). Returns what it proves, about the address and
    /// variable the proof names.
    pub fn verify(
        &self,
        root: &Hash,
        layout: Option<&Layout>,
    ) -> Result<ProvenVariable, VerifyError> {
        let account = proven_account(root, &self.root, &self.address, &self.account)?;
        let Some(account) = account else {
            if self.code.is_some() || !self.pages.is_empty() {
                return Err(VerifyError::UnexpectedData);
            }
            return Ok(ProvenVariable {
                address: self.address,
                variable: self.variable,
                account: None,
                placement: None,
                pages: Vec::new(),
                value: None,
            });
        };
        let layout = layout_for(&account, self.code.as_deref(), layout)?;
        let placement = layout.placement(self.variable as usize)?;
        let spanned = placement.pages(layout.page_size());
        if !self.pages.iter().map(|p| p.index).eq(spanned.clone()) {
            return Err(VerifyError::WrongPages {
                first: spanned.start,
                end: spanned.end,
            });
        }
        let mut pages = Vec::with_capacity(self.pages.len());
        for page in &self.pages {
            let key = page_key(page.index);
            let stored = crate::mpt::verify(&account.storage_root, &key, &page.nodes)?;
            pages.push(stored.unwrap_or_default());
        }
        let stored: Vec<&[u8]> = pages.iter().map(Vec::as_slice).collect();
        let value = cut(placement, layout.page_size(), &stored)?;
        Ok(ProvenVariable {
            address: self.address,
            variable: self.variable,
            account: Some(account),
            placement: Some(placement),
            pages,
            value: Some(value),
        })
    }

    /// [`VariableProof::verify`], and the proof must be about `address` and
    /// `variable` (a proof of another variable, even a true one, fails).
    pub fn verify_for(
        &self,
        root: &Hash,
        address: &Address,
        variable: u32,
        layout: Option<&Layout>,
    ) -> Result<ProvenVariable, VerifyError> {
        if self.address != *address {
            return Err(VerifyError::WrongQuestion("another address"));
        }
        if self.variable != variable {
            return Err(VerifyError::WrongQuestion("another variable"));
        }
        self.verify(root, layout)
    }
}

/// Walks one page in a multiproof's storage pool.
pub(crate) fn walk_page<'a>(
    storage_root: &Hash,
    index: u32,
    fetch: &mut dyn FnMut(&Hash) -> Result<&'a [u8], VerifyError>,
) -> Result<&'a [u8], VerifyError> {
    Ok(crate::mpt::walk(storage_root, &page_key(index), fetch)?.unwrap_or_default())
}
