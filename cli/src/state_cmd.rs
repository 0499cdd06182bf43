//! `svm state …`: the state database on disk — its head, accounts, pages and
//! variables, a full integrity check, and a file of changes to commit.

use clap::Subcommand;
use serde::{Deserialize, Serialize};
use svm_state::code::module_declaring;
use svm_state::kv::RocksKv;
use svm_state::layout::{DEFAULT_PAGE_SIZE, Layout};
use svm_state::structure::{PathKey, Structure};
use svm_state::{Account, Address, StateDb, StructurePath};

use crate::db_arg::DbArg;
use crate::error::CliError;
use crate::{hexarg, input};

/// State commands.
#[derive(Subcommand)]
pub(crate) enum StateCommand {
    /// Print the head: the last committed world root and its sequence number.
    Root {
        /// Print the root committed at this sequence number instead.
        #[arg(long)]
        seq: Option<u64>,
    },
    /// Print an account (and, for a contract, its layout).
    Account {
        /// The 20-byte address, as 0x-hex.
        address: String,
        /// Read at this committed world root instead of the head.
        #[arg(long)]
        root: Option<String>,
    },
    /// Print page INDEX of a contract's storage (all zeros if never written).
    Page {
        /// The contract's address, as 0x-hex.
        address: String,
        /// The page index.
        index: u32,
        /// Read at this committed world root instead of the head.
        #[arg(long)]
        root: Option<String>,
    },
    /// Print variable INDEX of a contract's storage.
    Variable {
        /// The contract's address, as 0x-hex.
        address: String,
        /// The variable's index in the contract's layout.
        index: u32,
        /// Read at this committed world root instead of the head.
        #[arg(long)]
        root: Option<String>,
    },
    /// Verify every node, account, code and page reachable from a root.
    Check {
        /// The committed world root to check (default: the head).
        #[arg(long)]
        root: Option<String>,
        /// Also recompute every reference count of a pruning database and
        /// compare it with the stored one (memory grows with the number of
        /// nodes).
        #[arg(long)]
        refs: bool,
    },
    /// Apply the changes in FILE and commit them as one new state.
    Apply {
        /// JSON lines, one change each:
        /// `{"contract":"0x…","sizes":[…],"page_size":4096}` deploys a
        /// code-less contract with that layout (unless already deployed),
        /// `{"account":"0x…","balance":"0x…"}` creates an account (unless it exists),
        /// `{"write":"0x…","variable":N,"value":"0x…"}` sets a variable,
        /// `{"contract":"0x…","layout":"0x…"}` deploys a code-less contract
        /// with that `svm-layout` section (structures allowed),
        /// `{"push":"0x…","variable":N,"key":[…],"value":"0x…"}` appends to the
        /// list at that path, `{"put":…,"variable":N,"key":[…],"value":…}` sets
        /// the element whose path is `key` (its last key is the element's),
        /// `{"insert":…,"variable":N,"key":[…],"member":"0x…"}` adds to a set.
        /// Keys: list indices as numbers, map keys as "0x…".
        file: String,
    },
    /// Print the length of a structure variable (or of the structure nested
    /// at its path).
    Structure {
        /// The contract's address, as 0x-hex.
        address: String,
        /// The structure variable's index in the layout.
        variable: u32,
        /// The path to a nested structure, one `--key` per level (a decimal
        /// list index or a 0x-hex key).
        #[arg(long = "key")]
        keys: Vec<String>,
        /// Read at this committed world root instead of the head.
        #[arg(long)]
        root: Option<String>,
    },
    /// Print an element of a structure: its path is one `--key` per level,
    /// the last naming the element.
    Element {
        /// The contract's address, as 0x-hex.
        address: String,
        /// The structure variable's index in the layout.
        variable: u32,
        /// The path, one `--key` per level (a decimal list index or a
        /// 0x-hex key or member).
        #[arg(long = "key", required = true)]
        keys: Vec<String>,
        /// Read at this committed world root instead of the head.
        #[arg(long)]
        root: Option<String>,
    },
}

/// One line of an `apply` file.
#[derive(Deserialize)]
#[serde(untagged, deny_unknown_fields)]
enum Change {
    Contract {
        contract: String,
        sizes: Vec<u32>,
        page_size: Option<u32>,
    },
    Account {
        account: String,
        balance: String,
    },
    Write {
        write: String,
        variable: u32,
        value: String,
    },
    ContractLayout {
        contract: String,
        layout: String,
    },
    Push {
        push: String,
        variable: u32,
        key: Vec<serde_json::Value>,
        value: String,
    },
    Put {
        put: String,
        variable: u32,
        key: Vec<serde_json::Value>,
        value: String,
    },
    Insert {
        insert: String,
        variable: u32,
        key: Vec<serde_json::Value>,
        member: String,
    },
}

/// A structure path from an apply line's `key` array.
fn json_path(variable: u32, keys: &[serde_json::Value]) -> Result<StructurePath, String> {
    let mut path = StructurePath::variable(variable);
    for k in keys {
        let key = match k {
            serde_json::Value::Number(n) => n
                .as_u64()
                .and_then(|n| u32::try_from(n).ok())
                .map(PathKey::Index)
                .ok_or_else(|| format!("key {n}: not a 32-bit index"))?,
            serde_json::Value::String(s) => PathKey::Key(hexarg::parse(s)?),
            other => return Err(format!("key {other}: a number or 0x-hex")),
        };
        path = path.child(key);
    }
    Ok(path)
}

/// A structure operation's contract, path and bytes, from an apply line.
fn target(
    address: &str,
    variable: u32,
    keys: &[serde_json::Value],
    bytes: &str,
) -> Result<(Address, StructurePath, Vec<u8>), String> {
    let a = hexarg::address(address).map_err(|e| e.to_string())?;
    let path = json_path(variable, keys)?;
    let b = hexarg::parse(bytes)?;
    Ok((a, path, b))
}

/// Creates a code-less contract with `layout` at `address` (nothing if it
/// is there with the same layout).
fn create_codeless<K: svm_state::kv::KvStore>(
    s: &mut svm_state::Session<K>,
    address: &Address,
    layout: &Layout,
) -> Result<Result<(), String>, CliError> {
    let code = module_declaring(layout);
    match s.account(address)? {
        None => {
            s.create_contract(address, &code, 0u64.into())?;
        }
        Some(acc) if acc.code_hash == svm_state::code::code_hash(&code) => {}
        Some(_) => return Ok(Err(format!("{address:#x} exists with other code"))),
    }
    Ok(Ok(()))
}

/// The path of `--key` arguments.
fn arg_path(variable: u32, keys: &[String]) -> Result<StructurePath, CliError> {
    let mut path = StructurePath::variable(variable);
    for k in keys {
        path = path.child(hexarg::path_key(k)?);
    }
    Ok(path)
}

#[derive(Serialize)]
struct HeadJson {
    seq: u64,
    root: String,
}

#[derive(Serialize)]
struct LayoutJson {
    page_size: u32,
    variables: usize,
    pages: u64,
}

#[derive(Serialize)]
struct AccountJson {
    address: String,
    nonce: u64,
    balance: String,
    storage_root: String,
    code_hash: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    layout: Option<LayoutJson>,
}

fn account_json(address: &Address, a: &Account, layout: Option<&Layout>) -> AccountJson {
    AccountJson {
        address: hexarg::format(address.as_bytes()),
        nonce: a.nonce,
        balance: a.balance.to_string(),
        storage_root: hexarg::format(a.storage_root.as_bytes()),
        code_hash: hexarg::format(a.code_hash.as_bytes()),
        layout: layout.map(|l| LayoutJson {
            page_size: l.page_size(),
            variables: l.len(),
            pages: l.pages(),
        }),
    }
}

fn print(value: &impl Serialize) -> Result<(), CliError> {
    println!("{}", serde_json::to_string_pretty(value)?);
    Ok(())
}

/// A read-only session at `--root`, or at the head.
fn view(db: &StateDb<RocksKv>, at: Option<&str>) -> Result<svm_state::View<RocksKv>, CliError> {
    let r = match at {
        Some(r) => hexarg::root(r)?,
        None => db.head().root,
    };
    Ok(db.at(r)?)
}

/// Runs a state command.
pub(crate) fn run(cmd: StateCommand, args: DbArg) -> Result<(), CliError> {
    let db = if matches!(cmd, StateCommand::Apply { .. }) {
        args.open_write()?
    } else {
        args.open_read()?
    };
    match cmd {
        StateCommand::Root { seq } => {
            let head = match seq {
                None => db.head(),
                Some(seq) => {
                    let root = db.root_at(seq)?.ok_or_else(|| {
                        CliError::Arg(format!("no commit {seq}: the head is {}", db.head().seq))
                    })?;
                    svm_state::Head { seq, root }
                }
            };
            print(&HeadJson {
                seq: head.seq,
                root: hexarg::format(head.root.as_bytes()),
            })?;
        }
        StateCommand::Account { address: a, root } => {
            let a = hexarg::address(&a)?;
            let s = view(&db, root.as_deref())?;
            let account = s.account(&a)?.ok_or(svm_state::StateError::NoAccount(a))?;
            let layout = if account.code_hash == svm_state::EMPTY_CODE_HASH {
                None
            } else {
                Some(s.layout(&a)?)
            };
            print(&account_json(&a, &account, layout.as_deref()))?;
        }
        StateCommand::Page {
            address: a,
            index,
            root,
        } => {
            let a = hexarg::address(&a)?;
            let s = view(&db, root.as_deref())?;
            let page = s.page(&a, index)?;
            print(&serde_json::json!({
                "address": hexarg::format(a.as_bytes()),
                "index": index,
                "page_size": page.len(),
                "data": hexarg::format(&page),
            }))?;
        }
        StateCommand::Variable {
            address: a,
            index,
            root,
        } => {
            let a = hexarg::address(&a)?;
            let s = view(&db, root.as_deref())?;
            let layout = s.layout(&a)?;
            let at = layout.placement(index as usize).ok();
            let bytes = s.variable(&a, index)?;
            print(&serde_json::json!({
                "address": hexarg::format(a.as_bytes()),
                "variable": index,
                "page": at.map(|s| s.page),
                "offset": at.map(|s| s.offset),
                "len": bytes.len(),
                "value": hexarg::format(&bytes),
            }))?;
        }
        StateCommand::Check { root: r, refs } => {
            let r = match r {
                Some(r) => hexarg::root(&r)?,
                None => db.head().root,
            };
            let report = db.check(r)?;
            let history = match db.history() {
                svm_state::History::Archive => serde_json::json!("archive"),
                svm_state::History::Recent(n) => serde_json::json!(n),
            };
            let audit = if refs {
                let a = db.audit_refs()?;
                if !a.is_clean() {
                    return Err(CliError::Refs(format!(
                        "{} mismatched (first: {:?}), {} nodes stored but not counted, {} counted but missing",
                        a.mismatches,
                        a.mismatched.first(),
                        a.leaked,
                        a.missing
                    )));
                }
                serde_json::json!({ "nodes": a.nodes, "occurrences": a.occurrences })
            } else {
                serde_json::Value::Null
            };
            print(&serde_json::json!({
                "keep": history,
                "kept_from": db.kept_from(),
                "refs": audit,
                "root": hexarg::format(report.root.as_bytes()),
                "ok": true,
                "nodes": report.nodes,
                "node_bytes": report.node_bytes,
                "accounts": report.accounts,
                "contracts": report.contracts,
                "pages": report.pages,
                "structures": report.structures,
                "elements": report.elements,
            }))?;
        }
        StateCommand::Apply { file } => apply(&db, &file)?,
        StateCommand::Structure {
            address,
            variable,
            keys,
            root,
        } => {
            let a = hexarg::address(&address)?;
            let path = arg_path(variable, &keys)?;
            let len = view(&db, root.as_deref())?.structure_len(&a, &path)?;
            print(&serde_json::json!({ "length": len }))?;
        }
        StateCommand::Element {
            address,
            variable,
            keys,
            root,
        } => {
            let a = hexarg::address(&address)?;
            let mut path = arg_path(variable, &keys)?;
            let key = path
                .keys
                .pop()
                .ok_or_else(|| CliError::Arg("give the element's path with --key".into()))?;
            let v = view(&db, root.as_deref())?;
            let layout = v.layout(&a)?;
            let mut kind = layout
                .structure(variable as usize)
                .map_err(|e| CliError::Arg(e.to_string()))?;
            for _ in &path.keys {
                kind = kind.nested().ok_or_else(|| {
                    CliError::Arg("the path is deeper than the structures".into())
                })?;
            }
            let out = match (kind, &key) {
                (Structure::Set | Structure::SortedSet, PathKey::Key(member)) => {
                    serde_json::json!({ "member": v.contains(&a, &path, member)? })
                }
                _ => serde_json::json!({
                    "value": v.element(&a, &path, &key)?.map(|b| hexarg::format(&b)),
                }),
            };
            print(&out)?;
        }
    }
    Ok(())
}

fn apply(db: &StateDb<RocksKv>, path: &str) -> Result<(), CliError> {
    const EXPECTED: &str = "expected {\"contract\",\"sizes\"[,\"page_size\"]}, \
        {\"account\",\"balance\"}, {\"write\",\"variable\",\"value\"}, {\"contract\",\"layout\"}, \
        {\"push\"|\"put\",\"variable\",\"key\",\"value\"} or {\"insert\",\"variable\",\"key\",\"member\"}";
    let changes = input::json_lines::<Change>(path, Some(EXPECTED))?;
    let mut s = db.begin()?;
    for (n, change) in changes {
        let bad = |message: String| input::bad_line(path, n, message);
        match change {
            Change::Contract {
                contract,
                sizes,
                page_size,
            } => {
                let a = hexarg::address(&contract).map_err(|e| bad(e.to_string()))?;
                let layout = Layout::new(page_size.unwrap_or(DEFAULT_PAGE_SIZE), &sizes)
                    .map_err(|e| bad(e.to_string()))?;
                create_codeless(&mut s, &a, &layout)?.map_err(&bad)?;
            }
            Change::Account { account, balance } => {
                let a = hexarg::address(&account).map_err(|e| bad(e.to_string()))?;
                let b = hexarg::parse(&balance).map_err(|e| bad(format!("balance: {e}")))?;
                if b.len() > 32 {
                    return Err(bad("a balance is at most 32 bytes".into()));
                }
                if s.account(&a)?.is_none() {
                    s.create_account(&a, primitive_types::U256::from_big_endian(&b))?;
                }
            }
            Change::Write {
                write,
                variable,
                value,
            } => {
                let a = hexarg::address(&write).map_err(|e| bad(e.to_string()))?;
                let v = hexarg::parse(&value).map_err(|e| bad(format!("value: {e}")))?;
                s.write_variable(&a, variable, &v)
                    .map_err(|e| bad(e.to_string()))?;
            }
            Change::ContractLayout { contract, layout } => {
                let a = hexarg::address(&contract).map_err(|e| bad(e.to_string()))?;
                let payload = hexarg::parse(&layout).map_err(|e| bad(format!("layout: {e}")))?;
                let layout = Layout::decode(&payload).map_err(|e| bad(e.to_string()))?;
                create_codeless(&mut s, &a, &layout)?.map_err(&bad)?;
            }
            Change::Push {
                push,
                variable,
                key,
                value,
            } => {
                let (a, path, v) = target(&push, variable, &key, &value).map_err(&bad)?;
                s.push(&a, &path, &v).map_err(|e| bad(e.to_string()))?;
            }
            Change::Put {
                put,
                variable,
                key,
                value,
            } => {
                let (a, mut path, v) = target(&put, variable, &key, &value).map_err(&bad)?;
                let last = path
                    .keys
                    .pop()
                    .ok_or_else(|| bad("put needs the element's key".into()))?;
                s.set_element(&a, &path, &last, &v)
                    .map_err(|e| bad(e.to_string()))?;
            }
            Change::Insert {
                insert,
                variable,
                key,
                member,
            } => {
                let (a, path, m) = target(&insert, variable, &key, &member).map_err(&bad)?;
                s.insert(&a, &path, &m).map_err(|e| bad(e.to_string()))?;
            }
        }
    }
    let out = s.commit()?;
    let accounts: Vec<serde_json::Value> = out
        .accounts
        .iter()
        .map(|(a, acc)| match acc {
            Some(acc) => serde_json::to_value(account_json(a, acc, None)),
            None => {
                Ok(serde_json::json!({ "address": hexarg::format(a.as_bytes()), "removed": true }))
            }
        })
        .collect::<Result<_, _>>()?;
    print(&serde_json::json!({
        "seq": out.head.seq,
        "root": hexarg::format(out.head.root.as_bytes()),
        "previous_root": hexarg::format(out.previous.root.as_bytes()),
        "changed_accounts": accounts,
        "nodes_written": out.nodes_written,
        "node_bytes_written": out.node_bytes_written,
    }))
}

/// Runs `svm block HEIGHT`.
pub(crate) fn block(height: u64, db: &DbArg) -> Result<(), CliError> {
    let db = db.open_read()?;
    let b = db
        .block(height)?
        .ok_or_else(|| CliError::Arg(format!("no block was committed at height {height}")))?;
    let out = serde_json::json!({
        "height": b.height,
        "time": b.time,
        "commit": b.seq,
        "worldRoot": hexarg::format(b.world_root.as_bytes()),
        "receiptsRoot": hexarg::format(b.receipts_root.as_bytes()),
        "receipts": b.receipts,
    });
    println!("{}", serde_json::to_string_pretty(&out)?);
    Ok(())
}
