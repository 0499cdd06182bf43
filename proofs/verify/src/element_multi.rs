//! Multiproofs of structure elements: many elements (present or absent),
//! across contracts and nesting depths, under one world root, every node
//! sent once. Each element is walked as an [`crate::ElementProof`] is
//! (account → handle → each structure's path), every path through one pool
//! of nodes.

use alloc::collections::{BTreeMap, BTreeSet};
use alloc::vec::Vec;

use crate::element::{PathKey, walk_element};
use crate::layout::Layout;
use crate::mpt::Pool;
use crate::variable::layout_for;
use crate::{Account, Address, Hash, ProvenElement, VerifyError, world_key};

/// One element asked for.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct ElementRequest {
    /// The contract's address.
    pub address: Address,
    /// The structure variable's index in its layout.
    pub variable: u32,
    /// The keys from the variable's structure down to the element.
    pub path: Vec<PathKey>,
}

/// Many elements under one world root.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ElementMultiProof {
    /// The world root the proof was made against.
    pub root: Hash,
    /// The elements, in the order asked, each once.
    pub requests: Vec<ElementRequest>,
    /// Code (carrying the layout) of requested contracts the verifier has
    /// no layout for, by address, in increasing address order.
    pub codes: Vec<(Address, Vec<u8>)>,
    /// Every node on the requests' paths — world, storage and structure
    /// tries — once, in any order.
    pub nodes: Vec<Vec<u8>>,
}

impl ElementMultiProof {
    /// Verifies the proof against the trusted world root `root` (which must
    /// be the root the proof names); `layouts` holds the layouts the
    /// verifier already has. Returns what it proves for each request, in
    /// order.
    pub fn verify(
        &self,
        root: &Hash,
        layouts: &BTreeMap<Address, Layout>,
    ) -> Result<Vec<ProvenElement>, VerifyError> {
        if self.root != *root {
            return Err(VerifyError::WrongQuestion("another root"));
        }
        let mut asked = BTreeSet::new();
        if !self.requests.iter().all(|r| asked.insert(r)) {
            return Err(VerifyError::DuplicateRequest);
        }
        if !self.codes.windows(2).all(|w| w[0].0 < w[1].0) {
            return Err(VerifyError::Malformed(
                "codes not in increasing address order",
            ));
        }
        let codes: BTreeMap<Address, &[u8]> =
            self.codes.iter().map(|(a, c)| (*a, c.as_slice())).collect();
        let mut pool = Pool::new(&self.nodes)?;
        let mut accounts: BTreeMap<Address, Option<(Account, Layout)>> = BTreeMap::new();
        let mut out = Vec::with_capacity(self.requests.len());
        for r in &self.requests {
            if let alloc::collections::btree_map::Entry::Vacant(slot) = accounts.entry(r.address) {
                let account = pool
                    .walk(root, &world_key(&r.address))?
                    .map(Account::decode)
                    .transpose()?;
                let with_layout = match account {
                    None => None,
                    Some(a) => {
                        let code = codes.get(&r.address).copied();
                        Some((a, layout_for(&a, code, layouts.get(&r.address))?))
                    }
                };
                slot.insert(with_layout);
            }
            let element = match accounts.get(&r.address) {
                Some(Some((account, layout))) => {
                    let found = walk_element(
                        layout,
                        &account.storage_root,
                        r.variable,
                        &r.path,
                        &mut |root, key| Ok(pool.walk(root, key)?.map(<[u8]>::to_vec)),
                    )?;
                    (Some(*account), found)
                }
                _ => (None, None),
            };
            out.push(ProvenElement {
                address: r.address,
                variable: r.variable,
                account: element.0,
                element: element.1,
            });
        }
        // Every code serves a requested contract that exists.
        if codes
            .keys()
            .any(|a| !matches!(accounts.get(a), Some(Some(_))))
        {
            return Err(VerifyError::UnexpectedData);
        }
        pool.all_used()?;
        Ok(out)
    }
}
