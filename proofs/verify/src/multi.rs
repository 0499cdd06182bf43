//! Multiproofs: many variables across many contracts under one world root,
//! every node sent once.

use alloc::collections::BTreeMap;
use alloc::vec::Vec;

use crate::layout::Layout;
use crate::mpt::Pool;
use crate::variable::{cut, layout_for, walk_page};
use crate::{Account, Address, Hash, ProvenVariable, VerifyError, world_key};

/// One variable asked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Request {
    /// The contract's address.
    pub address: Address,
    /// The variable's index in its layout.
    pub variable: u32,
}

/// A contract's part of a multiproof.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ContractNodes {
    /// The contract's address.
    pub address: Address,
    /// Its code (carrying the layout), unless the verifier has the layout.
    pub code: Option<Vec<u8>>,
    /// Every storage-trie node on the paths of the pages asked for, once.
    pub nodes: Vec<Vec<u8>>,
}

/// Many variables under one world root.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MultiProof {
    /// The world root the proof was made against.
    pub root: Hash,
    /// The variables, in the order asked, each once.
    pub requests: Vec<Request>,
    /// Every world-trie node on the requested accounts' paths, once.
    pub account_nodes: Vec<Vec<u8>>,
    /// One entry per requested address that holds a contract, in
    /// increasing address order.
    pub contracts: Vec<ContractNodes>,
}

impl MultiProof {
    /// Verifies the proof against the trusted world root `root` (which must be
    /// the root the proof names). `layouts`
    /// gives the layouts the verifier already has (contracts whose code the
    /// proof omits); where both exist they must agree. Returns what it
    /// proves for each request, in order.
    pub fn verify(
        &self,
        root: &Hash,
        layouts: &BTreeMap<Address, Layout>,
    ) -> Result<Vec<ProvenVariable>, VerifyError> {
        if self.root != *root {
            return Err(VerifyError::WrongQuestion("another root"));
        }
        // Each variable once: a repeated request would make the verifier
        // cut (and return) the same variable again for free.
        let mut asked = alloc::collections::BTreeSet::new();
        if !self.requests.iter().all(|r| asked.insert(*r)) {
            return Err(VerifyError::DuplicateRequest);
        }
        let mut world = Pool::new(&self.account_nodes)?;
        let mut accounts: BTreeMap<Address, Option<Account>> = BTreeMap::new();
        for r in &self.requests {
            if let alloc::collections::btree_map::Entry::Vacant(e) = accounts.entry(r.address) {
                let account = world
                    .walk(root, &world_key(&r.address))?
                    .map(Account::decode)
                    .transpose()?;
                e.insert(account);
            }
        }
        world.all_used()?;
        let contracts: Vec<Address> = accounts
            .iter()
            .filter(|(_, a)| a.is_some())
            .map(|(address, _)| *address)
            .collect();
        if !self.contracts.iter().map(|c| c.address).eq(contracts) {
            return Err(VerifyError::WrongQuestion(
                "other contracts than the requested accounts",
            ));
        }
        let mut proven: BTreeMap<Request, ProvenVariable> = BTreeMap::new();
        for c in &self.contracts {
            let account = accounts
                .get(&c.address)
                .cloned()
                .flatten()
                .ok_or(VerifyError::UnexpectedData)?;
            let layout = layout_for(&account, c.code.as_deref(), layouts.get(&c.address))?;
            let mut pool = Pool::new(&c.nodes)?;
            for r in self.requests.iter().filter(|r| r.address == c.address) {
                let placement = layout.placement(r.variable as usize)?;
                let mut stored = Vec::new();
                for index in placement.pages(layout.page_size()) {
                    stored.push(walk_page(&account.storage_root, index, &mut |h| {
                        Ok(pool.take(h)?)
                    })?);
                }
                let value = cut(placement, layout.page_size(), &stored)?;
                proven.insert(
                    *r,
                    ProvenVariable {
                        address: r.address,
                        variable: r.variable,
                        account: Some(account),
                        placement: Some(placement),
                        pages: stored.iter().map(|p| p.to_vec()).collect(),
                        value: Some(value),
                    },
                );
            }
            pool.all_used()?;
        }
        self.requests
            .iter()
            .map(|r| match proven.get(r) {
                Some(p) => Ok(p.clone()),
                None => Ok(ProvenVariable {
                    address: r.address,
                    variable: r.variable,
                    account: None,
                    placement: None,
                    pages: Vec::new(),
                    value: None,
                }),
            })
            .collect()
    }
}
