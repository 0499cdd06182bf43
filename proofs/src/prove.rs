//! Building proofs from a state database.

use std::collections::BTreeMap;

use primitive_types::H256;
use svm_state::kv::KvStore;
use svm_state::{Address, BlockMeta, StateDb};
use svm_trie::proof;
use svm_verify::layout::Layout;
use svm_verify::structure::{
    Handle, PathKey, Structure, check_path, decode_child_handle, element_key, handle_key,
};
use svm_verify::{
    Account, ContractNodes, EMPTY_CODE_HASH, ElementMultiProof, ElementProof, ElementRequest,
    MultiProof, PageProof, ProvenElement, ProvenRange, ProvenVariable, RangeProof, ReceiptProof,
    ReceiptRecord, Request, VariableProof, page_key, wasm, world_key,
};

use crate::ProveError;

fn known_root<K: KvStore>(db: &StateDb<K>, root: H256) -> Result<(), ProveError> {
    match db.kept(&root) {
        Ok(_) => Ok(()),
        Err(svm_state::StateError::UnknownRoot(r)) => Err(ProveError::UnknownRoot(r)),
        Err(e) => Err(e.into()),
    }
}

/// The account at `address` under the committed root `root`: its path in
/// the world trie, and the account (`None`: absent).
fn account_path<K: KvStore>(
    db: &StateDb<K>,
    root: H256,
    address: &Address,
) -> Result<(Vec<Vec<u8>>, Option<Account>), ProveError> {
    known_root(db, root)?;
    let world = proof::prove(db.store(), root, &world_key(&address.0))?;
    let account = world
        .value
        .as_deref()
        .map(Account::decode)
        .transpose()
        .map_err(svm_verify::VerifyError::from)?;
    Ok((world.nodes, account))
}

/// A contract's code and layout.
fn code_and_layout<K: KvStore>(
    db: &StateDb<K>,
    address: &Address,
    account: &Account,
) -> Result<(Vec<u8>, Layout), ProveError> {
    if account.code_hash == EMPTY_CODE_HASH {
        return Err(ProveError::NotAContract(*address));
    }
    let code_err = |why: String| ProveError::Code {
        address: *address,
        why,
    };
    let code = db
        .code(&H256(account.code_hash))?
        .ok_or_else(|| code_err("not in the database".into()))?;
    let layout = wasm::layout_of(&code).map_err(|e| code_err(e.to_string()))?;
    Ok((code, layout))
}

/// The pages variable `variable` spans, in order.
fn pages_of(layout: &Layout, address: &Address, variable: u32) -> Result<Vec<u32>, ProveError> {
    let placement =
        layout
            .placement(variable as usize)
            .map_err(|source| ProveError::NoSuchVariable {
                address: *address,
                source,
            })?;
    Ok(placement.pages(layout.page_size()).collect())
}

/// Proves variable `variable` of the contract at `address` under the
/// committed world root `root` (or the account's absence). With
/// `with_code`, the proof carries the contract's code so a verifier needs
/// nothing else; without, the verifier must be given the layout. Returns
/// the proof and what it proves (the proof is verified before it is
/// returned).
pub fn prove_variable<K: KvStore>(
    db: &StateDb<K>,
    root: H256,
    address: &Address,
    variable: u32,
    with_code: bool,
) -> Result<(VariableProof, ProvenVariable), ProveError> {
    let (account, found) = account_path(db, root, address)?;
    let mut p = VariableProof {
        root: root.0,
        address: address.0,
        variable,
        account,
        code: None,
        pages: Vec::new(),
    };
    let Some(acc) = found else {
        let proven = p.verify(&root.0, None)?;
        return Ok((p, proven));
    };
    let (code, layout) = code_and_layout(db, address, &acc)?;
    for index in pages_of(&layout, address, variable)? {
        let page = proof::prove(db.store(), H256(acc.storage_root), &page_key(index))?;
        p.pages.push(PageProof {
            index,
            nodes: page.nodes,
        });
    }
    let proven = if with_code {
        p.code = Some(code);
        p.verify(&root.0, None)?
    } else {
        p.verify(&root.0, Some(&layout))?
    };
    Ok((p, proven))
}

/// Node lists of trie paths, one per level (as proofs carry them).
type Levels = Vec<Vec<Vec<u8>>>;

/// The levels from a contract's storage root down through the structures
/// `path` selects (every key selects a nested structure): the storage-trie
/// path of the variable's handle, then each key's path. Stops early at an
/// empty structure. Returns the levels and the kind and handle reached.
fn descend<K: KvStore>(
    db: &StateDb<K>,
    storage_root: H256,
    variable: u32,
    mut kind: Structure,
    path: &[PathKey],
) -> Result<(Levels, Structure, Handle), ProveError> {
    let top = proof::prove(db.store(), storage_root, &handle_key(variable))?;
    let mut levels = vec![top.nodes];
    let mut handle = match top.value {
        Some(bytes) => Handle::decode_stored(&bytes).map_err(svm_verify::VerifyError::from)?,
        None => Handle::EMPTY,
    };
    for key in path {
        if handle.is_empty() {
            break;
        }
        let trie_key = element_key(&kind, key).map_err(svm_verify::VerifyError::from)?;
        let level = proof::prove(db.store(), H256(handle.root), &trie_key)?;
        levels.push(level.nodes);
        // `check_path` made sure every key selects a nested structure.
        let Some(inner) = kind.nested().cloned() else {
            break;
        };
        handle = match level.value {
            Some(leaf) => {
                decode_child_handle(&kind, &leaf).map_err(svm_verify::VerifyError::from)?
            }
            None => Handle::EMPTY,
        };
        kind = inner;
    }
    Ok((levels, kind, handle))
}

/// The kind of structure variable `variable` of the contract at `address`.
fn variable_kind(
    layout: &Layout,
    address: &Address,
    variable: u32,
) -> Result<Structure, ProveError> {
    Ok(layout
        .structure(variable as usize)
        .map_err(|source| ProveError::NoSuchVariable {
            address: *address,
            source,
        })?
        .clone())
}

/// The layout and the kind of structure variable `variable`, with `path`
/// checked against it.
fn structure_of<K: KvStore>(
    db: &StateDb<K>,
    address: &Address,
    acc: &Account,
    variable: u32,
    path: &[PathKey],
) -> Result<(Vec<u8>, Layout, Structure), ProveError> {
    let (code, layout) = code_and_layout(db, address, acc)?;
    let kind = variable_kind(&layout, address, variable)?;
    check_path(&kind, path).map_err(|source| ProveError::BadPath {
        address: *address,
        source,
    })?;
    Ok((code, layout, kind))
}

/// Proves the element at `path` of structure variable `variable` of the
/// contract at `address` under the committed world root `root` — or its
/// absence (no account, an empty structure on the way, no such key). With
/// `with_code` the proof carries the contract's code. Returns the proof and
/// what it proves (verified before it is returned).
pub fn prove_element<K: KvStore>(
    db: &StateDb<K>,
    root: H256,
    address: &Address,
    variable: u32,
    path: &[PathKey],
    with_code: bool,
) -> Result<(ElementProof, ProvenElement), ProveError> {
    let (account, found) = account_path(db, root, address)?;
    let mut p = ElementProof {
        root: root.0,
        address: address.0,
        variable,
        path: path.to_vec(),
        account,
        code: None,
        levels: Vec::new(),
    };
    let Some(acc) = found else {
        let proven = p.verify(&root.0, None)?;
        return Ok((p, proven));
    };
    let (code, layout, kind) = structure_of(db, address, &acc, variable, path)?;
    let Some((last, parents)) = path.split_last() else {
        // `check_path` refuses an empty path; the verifier says why.
        let proven = p.verify(&root.0, Some(&layout))?;
        return Ok((p, proven));
    };
    let (levels, kind, handle) = descend(db, H256(acc.storage_root), variable, kind, parents)?;
    p.levels = levels;
    if !handle.is_empty() && p.levels.len() == parents.len() + 1 {
        let trie_key = element_key(&kind, last).map_err(svm_verify::VerifyError::from)?;
        p.levels
            .push(proof::prove(db.store(), H256(handle.root), &trie_key)?.nodes);
    }
    let proven = if with_code {
        p.code = Some(code);
        p.verify(&root.0, None)?
    } else {
        p.verify(&root.0, Some(&layout))?
    };
    Ok((p, proven))
}

/// Proves many elements (present or absent) across contracts and depths
/// under the committed world root `root`, every node once; with
/// `with_code`, each existing contract's code once. An element asked for
/// twice is proven once. Returns the proof and what it proves for each
/// request, in order.
pub fn prove_elements<K: KvStore>(
    db: &StateDb<K>,
    root: H256,
    requests: &[ElementRequest],
    with_code: bool,
) -> Result<(ElementMultiProof, Vec<ProvenElement>), ProveError> {
    let mut seen_requests = std::collections::BTreeSet::new();
    let requests: Vec<ElementRequest> = requests
        .iter()
        .filter(|r| seen_requests.insert((*r).clone()))
        .cloned()
        .collect();
    let mut seen = std::collections::BTreeSet::new();
    let mut nodes = Vec::new();
    let mut keep = |list: Vec<Vec<u8>>| {
        for n in list {
            if seen.insert(svm_verify::keccak256(&n)) {
                nodes.push(n);
            }
        }
    };
    let mut codes = BTreeMap::new();
    let mut layouts = BTreeMap::new();
    for r in &requests {
        let address = Address::from(r.address);
        let (p, proven) = prove_element(db, root, &address, r.variable, &r.path, false)?;
        keep(p.account);
        for level in p.levels {
            keep(level);
        }
        if let Some(acc) = proven.account
            && !layouts.contains_key(&r.address)
        {
            let (code, layout) = code_and_layout(db, &address, &acc)?;
            if with_code {
                codes.insert(r.address, code);
            }
            layouts.insert(r.address, layout);
        }
    }
    let proof = ElementMultiProof {
        root: root.0,
        requests,
        codes: codes.into_iter().collect(),
        nodes,
    };
    let given = if with_code { BTreeMap::new() } else { layouts };
    let proven = proof.verify(&root.0, &given)?;
    Ok((proof, proven))
}

/// Proves every member of the sorted set at `path` of structure variable
/// `variable` (no keys: the variable itself) in `[from, to]` under the
/// committed world root `root`. Returns the proof and what it proves
/// (verified before it is returned).
pub fn prove_range<K: KvStore>(
    db: &StateDb<K>,
    root: H256,
    address: &Address,
    variable: u32,
    path: &[PathKey],
    (from, to): (&[u8], &[u8]),
    with_code: bool,
) -> Result<(RangeProof, ProvenRange), ProveError> {
    let (account, found) = account_path(db, root, address)?;
    let mut p = RangeProof {
        root: root.0,
        address: address.0,
        variable,
        path: path.to_vec(),
        from: from.to_vec(),
        to: to.to_vec(),
        account,
        code: None,
        levels: Vec::new(),
        nodes: Vec::new(),
    };
    let Some(acc) = found else {
        let proven = p.verify(&root.0, None)?;
        return Ok((p, proven));
    };
    let (code, layout) = code_and_layout(db, address, &acc)?;
    let kind = variable_kind(&layout, address, variable)?;
    // The verifier refuses a path that does not lead to a sorted set.
    let (levels, reached, handle) = descend(db, H256(acc.storage_root), variable, kind, path)?;
    p.levels = levels;
    if reached == Structure::SortedSet && !handle.is_empty() && to >= from {
        let mut seen = std::collections::BTreeSet::new();
        let mut nodes = Vec::new();
        let store = db.store();
        svm_verify::range::entries_in(
            &handle.root,
            from,
            to,
            svm_verify::structure::MAX_MEMBER_BYTES,
            &mut |h: &[u8; 32]| -> Result<Vec<u8>, ProveError> {
                let bytes = svm_trie::NodeStore::node(store, &H256(*h))
                    .map_err(svm_trie::TrieError::from)?
                    .ok_or(svm_trie::TrieError::MissingNode(H256(*h)))?;
                if seen.insert(*h) {
                    nodes.push(bytes.clone());
                }
                Ok(bytes)
            },
        )?;
        p.nodes = nodes;
    }
    let proven = if with_code {
        p.code = Some(code);
        p.verify(&root.0, None)?
    } else {
        p.verify(&root.0, Some(&layout))?
    };
    Ok((p, proven))
}

/// Proves many variables across many contracts under the committed world
/// root `root`, every node once. A variable asked for twice is proven once
/// (a multiproof names each variable once). Returns the proof and what it
/// proves for each of its requests, in order.
pub fn prove_many<K: KvStore>(
    db: &StateDb<K>,
    root: H256,
    requests: &[Request],
    with_code: bool,
) -> Result<(MultiProof, Vec<ProvenVariable>), ProveError> {
    known_root(db, root)?;
    let mut seen = std::collections::BTreeSet::new();
    let requests: Vec<Request> = requests
        .iter()
        .filter(|r| seen.insert(**r))
        .copied()
        .collect();
    let addresses: Vec<[u8; 20]> = requests
        .iter()
        .map(|r| r.address)
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    let keys: Vec<[u8; 32]> = addresses.iter().map(world_key).collect();
    let world = proof::prove_many(db.store(), root, &keys)?;
    let mut contracts = Vec::new();
    let mut layouts = BTreeMap::new();
    for (address, value) in addresses.iter().zip(&world.values) {
        let Some(acc) = value
            .as_deref()
            .map(Account::decode)
            .transpose()
            .map_err(svm_verify::VerifyError::from)?
        else {
            continue;
        };
        let a = Address::from(*address);
        let (code, layout) = code_and_layout(db, &a, &acc)?;
        let mut pages = std::collections::BTreeSet::new();
        for r in requests.iter().filter(|r| r.address == *address) {
            pages.extend(pages_of(&layout, &a, r.variable)?);
        }
        let keys: Vec<[u8; 4]> = pages.into_iter().map(page_key).collect();
        let storage = proof::prove_many(db.store(), H256(acc.storage_root), &keys)?;
        contracts.push(ContractNodes {
            address: *address,
            code: with_code.then_some(code),
            nodes: storage.nodes,
        });
        layouts.insert(*address, layout);
    }
    let p = MultiProof {
        root: root.0,
        requests,
        account_nodes: world.nodes,
        contracts,
    };
    let proven = p.verify(&root.0, &layouts)?;
    Ok((p, proven))
}

/// Proves receipt `index` of the block committed at `height` against the
/// block's receipts root. Returns the proof, the receipt it proves and the
/// block's record.
pub fn prove_receipt<K: KvStore>(
    db: &StateDb<K>,
    height: u64,
    index: u64,
) -> Result<(ReceiptProof, ReceiptRecord, BlockMeta), ProveError> {
    let block = db.block(height)?.ok_or(ProveError::NoBlock(height))?;
    if index >= block.receipts {
        return Err(ProveError::NoReceipt {
            height,
            index,
            receipts: block.receipts,
        });
    }
    let key = svm_verify::receipt_key(index);
    let p = proof::prove(db.store(), block.receipts_root, &key)?;
    let proof = ReceiptProof {
        receipts_root: block.receipts_root.0,
        index,
        nodes: p.nodes,
    };
    let receipt = proof.verify(&block.receipts_root.0)?;
    Ok((proof, receipt, block))
}
