//! `check`: walks everything reachable from a committed world root — world
//! trie, accounts, code, storage tries, pages — reading every node from the
//! store (not the cache), recomputing its hash and decoding it, and reports
//! the first missing or corrupt piece with where it was found.

use primitive_types::H256;
use svm_trie::{ChildView, NodeView, decode_node};

use crate::code::{get_code, layout_of};
use crate::kv::{Column, KvError, KvStore};
use crate::layout::Layout;
use crate::page::expand;
use crate::{Account, EMPTY_CODE_HASH, StateDb};
use svm_format::structure::{
    HANDLE_KEY_PREFIX, Handle, MEMBER_MARK, Structure, Value, decode_list_leaf, decode_map_leaf,
    decode_set_leaf, hashed_key, member_key,
};

/// Where a problem was found: which trie, and the nibble path in it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Location {
    /// The world trie, at this nibble path.
    World {
        /// Nibbles from the root, as hex digits.
        path: String,
    },
    /// The storage trie of the account with this world key (keccak256 of
    /// its address), at this nibble path.
    Storage {
        /// The account's key in the world trie.
        account: H256,
        /// Nibbles from the storage root, as hex digits.
        path: String,
    },
    /// The trie of structure variable `variable` (or of a structure nested
    /// in it) of the account with this world key, at this nibble path.
    Structure {
        /// The account's key in the world trie.
        account: H256,
        /// The structure variable.
        variable: u32,
        /// Nibbles from the structure's root, as hex digits.
        path: String,
    },
    /// The code of the account with this world key.
    Code {
        /// The account's key in the world trie.
        account: H256,
    },
}

impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Location::World { path } => write!(f, "world trie at path [{path}]"),
            Location::Storage { account, path } => {
                write!(
                    f,
                    "storage trie of account key {account:#x} at path [{path}]"
                )
            }
            Location::Structure {
                account,
                variable,
                path,
            } => write!(
                f,
                "structure variable {variable} of account key {account:#x} at path [{path}]"
            ),
            Location::Code { account } => write!(f, "code of account key {account:#x}"),
        }
    }
}

/// What `check` found wrong.
#[derive(Debug, thiserror::Error)]
pub enum CheckError {
    /// The root was never committed.
    #[error("unknown state root {0:#x}")]
    UnknownRoot(H256),
    /// The root was pruned.
    #[error("state root {root:#x} was pruned (roots of commits {kept_from} and later are kept)")]
    Pruned {
        /// The root.
        root: H256,
        /// The lowest commit whose root is kept.
        kept_from: u64,
    },
    /// A node is missing from the store.
    #[error("node {hash:#x} is missing ({location})")]
    Missing {
        /// The missing node's hash.
        hash: H256,
        /// Where it is referenced.
        location: Location,
    },
    /// A node or value is corrupt.
    #[error("corrupt {what} ({location}): {reason}")]
    Corrupt {
        /// What is corrupt: a node (with its hash), an account, a page, code.
        what: String,
        /// Where.
        location: Location,
        /// Why.
        reason: String,
    },
    /// The store failed.
    #[error(transparent)]
    Kv(#[from] KvError),
}

/// What `check` walked.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CheckReport {
    /// The root checked.
    pub root: H256,
    /// Nodes read and verified (a node reached by two paths counts twice:
    /// identical subtrees under different keys share their nodes).
    pub nodes: u64,
    /// Bytes of those nodes.
    pub node_bytes: u64,
    /// Accounts in the world trie.
    pub accounts: u64,
    /// Accounts with code.
    pub contracts: u64,
    /// Non-empty pages in storage tries.
    pub pages: u64,
    /// Non-empty structures (top-level and nested).
    pub structures: u64,
    /// Their elements (list elements, map entries, set members).
    pub elements: u64,
}

/// Which trie a walk is in.
#[derive(Clone, Copy)]
enum Trie {
    World,
    Storage(H256),
    Structure(H256, u32),
}

impl Trie {
    fn at(self, nibbles: &[u8]) -> Location {
        let path = nibbles.iter().map(|n| format!("{n:x}")).collect();
        match self {
            Trie::World => Location::World { path },
            Trie::Storage(account) => Location::Storage { account, path },
            Trie::Structure(account, variable) => Location::Structure {
                account,
                variable,
                path,
            },
        }
    }
}

fn corrupt(what: impl Into<String>, location: Location, reason: impl ToString) -> CheckError {
    CheckError::Corrupt {
        what: what.into(),
        location,
        reason: reason.to_string(),
    }
}

fn to_bytes(nibbles: &[u8]) -> Option<Vec<u8>> {
    nibbles
        .len()
        .is_multiple_of(2)
        .then(|| nibbles.chunks(2).map(|p| (p[0] << 4) | p[1]).collect())
}

/// What a walk does with each (key, value, where).
type LeafFn<'a> = dyn FnMut(&[u8], &[u8], Location) -> Result<(), CheckError> + 'a;

/// Walks one trie from `root`, verifying each node, and calls `leaf` with
/// every (key, value).
fn walk<K: KvStore>(
    kv: &K,
    trie: Trie,
    root: H256,
    report: &mut CheckReport,
    leaf: &mut LeafFn<'_>,
) -> Result<(), CheckError> {
    if root == svm_trie::EMPTY_ROOT {
        return Ok(());
    }
    enum Ref {
        Hash(H256),
        Inline(Vec<u8>),
    }
    let mut stack = vec![(Ref::Hash(root), Vec::<u8>::new())];
    while let Some((r, path)) = stack.pop() {
        let bytes = match r {
            Ref::Inline(b) => b,
            Ref::Hash(hash) => {
                let b =
                    kv.get(Column::Nodes, hash.as_bytes())?
                        .ok_or_else(|| CheckError::Missing {
                            hash,
                            location: trie.at(&path),
                        })?;
                if svm_trie::hash(&b) != hash {
                    return Err(corrupt(
                        format!("node {hash:#x}"),
                        trie.at(&path),
                        "its bytes do not hash to its key",
                    ));
                }
                report.nodes += 1;
                report.node_bytes += b.len() as u64;
                b
            }
        };
        let node = decode_node(&bytes)
            .map_err(|e| corrupt(format!("node at {}", trie.at(&path)), trie.at(&path), e))?;
        let mut push = |child: &ChildView<'_>, path: Vec<u8>| match child {
            ChildView::Empty => {}
            ChildView::Hash(h) => stack.push((Ref::Hash(H256(*h)), path)),
            ChildView::Inline(b) => stack.push((Ref::Inline(b.to_vec()), path)),
        };
        let mut value_at = |nibbles: &[u8], value: &[u8]| -> Result<(), CheckError> {
            let key = to_bytes(nibbles)
                .ok_or_else(|| corrupt("key", trie.at(nibbles), "odd number of nibbles"))?;
            leaf(&key, value, trie.at(nibbles))
        };
        match node {
            NodeView::Leaf { path: rest, value } => {
                let mut full = path.clone();
                full.extend((0..rest.len()).map(|i| rest.at(i)));
                value_at(&full, value)?;
            }
            NodeView::Extension { path: rest, child } => {
                let mut full = path.clone();
                full.extend((0..rest.len()).map(|i| rest.at(i)));
                push(&child, full);
            }
            NodeView::Branch { children, value } => {
                if let Some(v) = value {
                    value_at(&path, v)?;
                }
                for (i, child) in children.iter().enumerate().rev() {
                    let mut full = path.clone();
                    full.push(i as u8);
                    push(child, full);
                }
            }
        }
    }
    Ok(())
}

/// Verifies a structure's trie: every key and leaf in its kind's format, as
/// many elements as its handle says (a list's at indices `0..len`), and
/// every nested structure in turn.
fn check_structure<K: KvStore>(
    kv: &K,
    trie: Trie,
    kind: &Structure,
    handle: Handle,
    report: &mut CheckReport,
) -> Result<(), CheckError> {
    let mut count = 0u64;
    let mut nested = Vec::new();
    walk(kv, trie, H256(handle.root), report, &mut |k, v, at| {
        count += 1;
        let bad = |e: &dyn ToString| corrupt("structure element", at.clone(), e.to_string());
        let child = match kind {
            Structure::List(e) => {
                let index: [u8; 4] = k
                    .try_into()
                    .map_err(|_| bad(&"a list key is not 4 bytes"))?;
                if u64::from(u32::from_be_bytes(index)) >= handle.len {
                    return Err(bad(&"a list element past the list's length"));
                }
                decode_list_leaf(v, e).map_err(|e| bad(&e))?
            }
            Structure::Map(e) => {
                let (key, value) = decode_map_leaf(v, e).map_err(|e| bad(&e))?;
                if hashed_key(&key).map_err(|e| bad(&e))?[..] != *k {
                    return Err(bad(&"a map entry under another key's hash"));
                }
                value
            }
            Structure::Set => {
                let member = decode_set_leaf(v).map_err(|e| bad(&e))?;
                if hashed_key(&member).map_err(|e| bad(&e))?[..] != *k {
                    return Err(bad(&"a set member under another member's hash"));
                }
                return Ok(());
            }
            Structure::SortedSet => {
                member_key(k).map_err(|e| bad(&e))?;
                if v != MEMBER_MARK {
                    return Err(bad(&"a sorted-set leaf is not the member mark"));
                }
                return Ok(());
            }
        };
        if let (Value::Handle(h), Some(inner)) = (child, kind.nested())
            && !h.is_empty()
        {
            nested.push((inner.clone(), h));
        }
        Ok(())
    })?;
    if count != handle.len {
        let why = format!("holds {count} elements, its handle says {}", handle.len);
        return Err(corrupt("structure", trie.at(&[]), why));
    }
    report.structures += 1;
    report.elements += count;
    for (inner, h) in nested {
        check_structure(kv, trie, &inner, h, report)?;
    }
    Ok(())
}

impl<K: KvStore> StateDb<K> {
    /// Verifies everything reachable from the committed world root `root`:
    /// every node present, hashing to its key and decoding; every account
    /// decoding; every contract's code present, hashing to its code hash and
    /// declaring a layout; every page a valid trimmed page inside that layout.
    pub fn check(&self, root: H256) -> Result<CheckReport, CheckError> {
        match self.kept(&root) {
            Ok(_) => {}
            Err(crate::StateError::UnknownRoot(r)) => return Err(CheckError::UnknownRoot(r)),
            Err(crate::StateError::Pruned {
                root, kept_from, ..
            }) => {
                return Err(CheckError::Pruned { root, kept_from });
            }
            Err(e) => return Err(corrupt("metadata", Trie::World.at(&[]), e)),
        }
        let kv = self.store();
        let mut report = CheckReport {
            root,
            ..CheckReport::default()
        };
        let mut accounts = Vec::new();
        walk(kv, Trie::World, root, &mut report, &mut |key, value, at| {
            if key.len() != 32 {
                return Err(corrupt(
                    "account key",
                    at,
                    format!("{} bytes, not 32", key.len()),
                ));
            }
            let account = Account::decode(value).map_err(|e| corrupt("account", at, e))?;
            accounts.push((H256::from_slice(key), account));
            Ok(())
        })?;
        report.accounts = accounts.len() as u64;
        let mut layouts: std::collections::HashMap<H256, Layout> = Default::default();
        for (key, account) in accounts {
            if account.code_hash == EMPTY_CODE_HASH {
                if account.storage_root != svm_trie::EMPTY_ROOT {
                    let at = Location::Storage {
                        account: key,
                        path: String::new(),
                    };
                    return Err(corrupt("account", at, "storage without code"));
                }
                continue;
            }
            report.contracts += 1;
            let layout = match layouts.get(&account.code_hash) {
                Some(l) => l.clone(),
                None => {
                    let at = || Location::Code { account: key };
                    let code = get_code(kv, &account.code_hash)
                        .map_err(|e| corrupt("code", at(), e))?
                        .ok_or_else(|| corrupt("code", at(), "missing from the code store"))?;
                    let layout = layout_of(&code).map_err(|e| corrupt("code", at(), e))?;
                    layouts.insert(account.code_hash, layout.clone());
                    layout
                }
            };
            let page_size = layout.page_size() as usize;
            let mut pages = 0u64;
            let mut structures = Vec::new();
            walk(
                kv,
                Trie::Storage(key),
                account.storage_root,
                &mut report,
                &mut |k, v, at| {
                    if let [HANDLE_KEY_PREFIX, a, b, c, d] = *k {
                        let variable = u32::from_be_bytes([a, b, c, d]);
                        let kind = layout
                            .structure(variable as usize)
                            .map_err(|e| corrupt("structure handle", at.clone(), e))?;
                        let handle = Handle::decode_stored(v)
                            .map_err(|e| corrupt("structure handle", at.clone(), e))?;
                        structures.push((variable, kind.clone(), handle));
                        return Ok(());
                    }
                    let index: [u8; 4] = k.try_into().map_err(|_| {
                        corrupt("page key", at.clone(), format!("{} bytes", k.len()))
                    })?;
                    let index = u32::from_be_bytes(index);
                    if u64::from(index) >= layout.pages() {
                        let why =
                            format!("page {index} is outside the layout's {}", layout.pages());
                        return Err(corrupt("page", at, why));
                    }
                    expand(Some(v), page_size)
                        .map_err(|e| corrupt(format!("page {index}"), at, e))?;
                    pages += 1;
                    Ok(())
                },
            )?;
            report.pages += pages;
            for (variable, kind, handle) in structures {
                check_structure(
                    kv,
                    Trie::Structure(key, variable),
                    &kind,
                    handle,
                    &mut report,
                )?;
            }
        }
        Ok(report)
    }
}
