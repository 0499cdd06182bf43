//! VMs over a database: deploy, call, execute blocks.

use std::path::PathBuf;
use std::sync::Arc;

use serde::Deserialize;
use svm_vm::{BlockContext, CompilerKind, TIERING_AVAILABLE, Tiering, Tx, Vm, VmConfig};

use crate::codec::{decode_block, decode_tx, encode_block_result, encode_receipt};
use crate::db::{DbHandle, Kv, address, put_value};
use crate::guard::{guard, guard_buffer};
use crate::handles::{self, SvmDb, SvmVm};
use crate::memory::{SvmBuffer, SvmBytes};
use crate::status::{FfiError, SvmStatus};

/// A VM and the database it writes.
pub(crate) struct VmHandle {
    pub(crate) vm: Vm<Kv>,
    pub(crate) db: Arc<DbHandle>,
}

/// The block a transaction runs in.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct SvmBlock {
    /// Its height.
    pub height: u64,
    /// Its time, seconds since the Unix epoch.
    pub time: u64,
}

impl From<SvmBlock> for BlockContext {
    fn from(b: SvmBlock) -> Self {
        BlockContext {
            height: b.height,
            time: b.time,
        }
    }
}

/// Options of `svm_vm_new`, as a JSON object (every field optional;
/// unknown fields are refused). The limits that decide results (memory,
/// call depth, gas prices) are not options: every node must use the same.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct VmOptions {
    /// `"singlepass"` (default) or `"cranelift"` (if built in).
    compiler: Option<String>,
    /// The most gas one transaction may ask for.
    max_tx_gas: Option<u64>,
    /// The most gas a block's transactions may ask for together.
    max_block_gas: Option<u64>,
    /// Bytes of compiled modules kept in memory.
    module_cache_bytes: Option<usize>,
    /// A directory where compiled modules persist across runs.
    artifact_dir: Option<PathBuf>,
    /// Tiered compilation: `false` off, `true` the defaults, or an object
    /// (`hot_calls`, `compile_budget_ms`, `max_code_bytes`, each optional).
    tiering: Option<TieringOption>,
}

/// The `tiering` option.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum TieringOption {
    /// On (the defaults) or off.
    Switch(bool),
    /// On, with these settings.
    With(TieringFields),
}

/// Tiering's settings (each optional: the defaults).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TieringFields {
    hot_calls: Option<u64>,
    compile_budget_ms: Option<u64>,
    max_code_bytes: Option<usize>,
}

impl TieringOption {
    fn config(self) -> Result<Option<Tiering>, FfiError> {
        let on = !matches!(self, TieringOption::Switch(false));
        if on && !TIERING_AVAILABLE {
            return Err(FfiError::invalid(
                "config: tiering needs Cranelift, which this library was built without",
            ));
        }
        let d = Tiering::default();
        Ok(match self {
            TieringOption::Switch(false) => None,
            TieringOption::Switch(true) => Some(d),
            TieringOption::With(f) => Some(Tiering {
                hot_calls: f.hot_calls.unwrap_or(d.hot_calls).max(1),
                compile_budget: f
                    .compile_budget_ms
                    .map_or(d.compile_budget, std::time::Duration::from_millis),
                max_code_bytes: f.max_code_bytes.unwrap_or(d.max_code_bytes),
            }),
        })
    }
}

impl VmOptions {
    fn config(bytes: &[u8]) -> Result<VmConfig, FfiError> {
        let o: VmOptions = if bytes.is_empty() {
            VmOptions::default()
        } else {
            serde_json::from_slice(bytes).map_err(|e| FfiError::invalid(format!("config: {e}")))?
        };
        let d = VmConfig::default();
        let compiler = match o.compiler.as_deref() {
            None | Some("singlepass") => CompilerKind::Singlepass,
            #[cfg(feature = "cranelift")]
            Some("cranelift") => CompilerKind::Cranelift,
            Some(other) => {
                return Err(FfiError::invalid(format!(
                    "config: compiler {other:?} is not one this library has (singlepass{})",
                    if cfg!(feature = "cranelift") {
                        ", cranelift"
                    } else {
                        "; cranelift needs the feature `cranelift`"
                    }
                )));
            }
        };
        let tiering = match o.tiering {
            None => d.tiering.clone(),
            Some(t) => t.config()?,
        };
        Ok(VmConfig {
            compiler,
            tiering,
            max_tx_gas: o.max_tx_gas.unwrap_or(d.max_tx_gas),
            max_block_gas: o.max_block_gas.unwrap_or(d.max_block_gas),
            module_cache_bytes: o.module_cache_bytes.unwrap_or(d.module_cache_bytes),
            artifact_dir: o.artifact_dir.or(d.artifact_dir),
            ..d
        })
    }
}

/// Creates a VM over the database `db`. `config`: a JSON object, or empty
/// for the defaults: `compiler` (`"singlepass"`, `"cranelift"`),
/// `max_tx_gas`, `max_block_gas`, `module_cache_bytes`, `artifact_dir`
/// (compiled modules kept on disk), `tiering` (`false`, `true`, or
/// `{"hot_calls": N, "compile_budget_ms": M, "max_code_bytes": B}`: hot
/// contracts compiled again with Cranelift on a background thread; on by
/// default when the library has Cranelift). A read-only database is
/// `SVM_STATUS_READ_ONLY`.
///
/// The VM may be used from any number of threads at once: transactions
/// (deploy, call, blocks) of every VM over one database run one at a time,
/// in the order they take its write lock; reads and proofs (on the
/// database handle) run beside them.
///
/// # Safety
/// `config` must be readable for its length; `out` and `err` must be NULL
/// or writable (`out` NULL is an error).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn svm_vm_new(
    db: *const SvmDb,
    config: SvmBytes,
    out: *mut *mut SvmVm,
    err: *mut SvmBuffer,
) -> SvmStatus {
    guard(err, || {
        // SAFETY: the caller's promise on the view.
        let config = VmOptions::config(unsafe { config.slice("config") }?)?;
        let db = handles::db(db)?;
        if db.read_only {
            return Err(FfiError::new(
                SvmStatus::ReadOnly,
                "the database was opened read-only: a VM writes",
            ));
        }
        if out.is_null() {
            return Err(FfiError::null("the output handle"));
        }
        let vm = Vm::new(db.db.clone(), config);
        let handle = handles::add_vm(VmHandle { vm, db });
        // SAFETY: non-NULL and writable by the caller's promise.
        unsafe { out.write(handle) };
        Ok(())
    })
}

/// Frees a VM: the handle is invalid from now on (a second free is
/// `SVM_STATUS_BAD_HANDLE`). A call running on another thread finishes
/// first. Every transaction was committed when its call returned.
///
/// # Safety
/// `err` must be NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn svm_vm_free(vm: *mut SvmVm, err: *mut SvmBuffer) -> SvmStatus {
    guard(err, || {
        drop(handles::remove_vm(vm)?);
        Ok(())
    })
}

/// Runs `f` with the VM `vm` names, holding its database's write lock.
fn write<T>(
    vm: *const SvmVm,
    f: impl FnOnce(&Vm<Kv>) -> Result<T, FfiError>,
) -> Result<T, FfiError> {
    let handle = handles::vm(vm)?;
    let _writer = handle.db.writer.lock().unwrap_or_else(|e| e.into_inner());
    f(&handle.vm)
}

/// One transaction (of the kind `expect`s), committed on its own: its
/// receipt.
///
/// # Safety
/// As `svm_vm_call`.
unsafe fn single(
    vm: *const SvmVm,
    tx: SvmBytes,
    block: SvmBlock,
    expect: Expect,
) -> Result<Vec<u8>, FfiError> {
    // SAFETY: the caller's promise on the view.
    let tx = decode_tx(unsafe { tx.slice("transaction") }?)?;
    let r = write(vm, |vm| match (&tx, expect) {
        (Tx::Deploy(_), Expect::Deploy) | (Tx::Call(_), Expect::Call) | (_, Expect::Any) => {
            Ok(vm.execute(&tx, block.into())?)
        }
        (_, Expect::Deploy) => Err(FfiError::invalid("not a deploy, passed to svm_vm_deploy")),
        (_, Expect::Call) => Err(FfiError::invalid("not a call, passed to svm_vm_call")),
    })?;
    Ok(encode_receipt(&r))
}

/// The kind of transaction an entry point takes.
#[derive(Clone, Copy)]
enum Expect {
    Deploy,
    Call,
    Any,
}

/// Deploys a contract: `tx` is a deploy transaction (FORMATS.md, "C API
/// encodings"). Writes its receipt (the C API form: the consensus fields,
/// the failure's message, the contract's storage root and the world root
/// after it) to `receipt`. A failed deploy is a receipt and `SVM_STATUS_OK`
/// (it changed nothing); a status is returned only when no receipt could
/// be: bad input, an invalid transaction, the node's failure.
///
/// # Safety
/// `tx` must be readable for its length; `receipt` and `err` must be NULL
/// or writable (`receipt` NULL is an error).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn svm_vm_deploy(
    vm: *const SvmVm,
    tx: SvmBytes,
    block: SvmBlock,
    receipt: *mut SvmBuffer,
    err: *mut SvmBuffer,
) -> SvmStatus {
    // SAFETY: the caller's promises, passed on.
    guard_buffer(receipt, err, || unsafe {
        single(vm, tx, block, Expect::Deploy)
    })
}

/// Calls a contract: `tx` is a call transaction. Commits on success,
/// changes nothing on failure; the receipt as for `svm_vm_deploy`.
///
/// # Safety
/// As `svm_vm_deploy`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn svm_vm_call(
    vm: *const SvmVm,
    tx: SvmBytes,
    block: SvmBlock,
    receipt: *mut SvmBuffer,
    err: *mut SvmBuffer,
) -> SvmStatus {
    // SAFETY: the caller's promises, passed on.
    guard_buffer(receipt, err, || unsafe {
        single(vm, tx, block, Expect::Call)
    })
}

/// Runs a transaction of any kind (deploy, call, template, spawn) on its
/// own and commits it if it succeeds; the receipt as for `svm_vm_deploy`.
///
/// # Safety
/// As `svm_vm_deploy`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn svm_vm_execute(
    vm: *const SvmVm,
    tx: SvmBytes,
    block: SvmBlock,
    receipt: *mut SvmBuffer,
    err: *mut SvmBuffer,
) -> SvmStatus {
    // SAFETY: the caller's promises, passed on.
    guard_buffer(receipt, err, || unsafe {
        single(vm, tx, block, Expect::Any)
    })
}

/// Executes a block: `txs` is an RLP list of transactions, run in order
/// (a failed one is reverted alone) and committed once, with the block's
/// record and receipts trie. Writes the result (`[world_root,
/// receipts_root, [receipt…]]`, receipts without roots) to `result`. An
/// invalid transaction or block, or the node's failure, commits nothing.
///
/// # Safety
/// As `svm_vm_deploy`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn svm_vm_execute_block(
    vm: *const SvmVm,
    txs: SvmBytes,
    block: SvmBlock,
    result: *mut SvmBuffer,
    err: *mut SvmBuffer,
) -> SvmStatus {
    guard_buffer(result, err, || {
        // SAFETY: the caller's promises.
        let txs = decode_block(unsafe { txs.slice("block") }?)?;
        let r = write(vm, |vm| Ok(vm.execute_block(&txs, block.into())?))?;
        Ok(encode_block_result(&r))
    })
}

/// The nonce the next deploy of `author` (20 bytes) must carry.
///
/// # Safety
/// `author` must be readable for its length; `out` and `err` must be NULL
/// or writable (`out` NULL is an error).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn svm_vm_next_nonce(
    vm: *const SvmVm,
    author: SvmBytes,
    out: *mut u64,
    err: *mut SvmBuffer,
) -> SvmStatus {
    guard(err, || {
        // SAFETY: the caller's promise on the view.
        let author = address(unsafe { author.slice("author") }?)?;
        let nonce = handles::vm(vm)?.vm.next_nonce(&author)?;
        // SAFETY: the caller's promise on `out`.
        unsafe { put_value(out, nonce) }
    })
}

/// Converts WebAssembly text to a module binary (the `name` section
/// dropped: labels are not code). Needs no handle.
///
/// # Safety
/// `wat` must be readable for its length; `out` and `err` must be NULL or
/// writable (`out` NULL is an error).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn svm_wat_to_wasm(
    wat: SvmBytes,
    out: *mut SvmBuffer,
    err: *mut SvmBuffer,
) -> SvmStatus {
    guard_buffer(out, err, || {
        // SAFETY: the caller's promises.
        let wat = unsafe { wat.slice("text") }?;
        let wasm = svm_vm::wat_to_wasm(wat).map_err(FfiError::invalid)?;
        Ok(wasm)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tiering(json: &str) -> Result<Option<Tiering>, FfiError> {
        VmOptions::config(json.as_bytes()).map(|c| c.tiering)
    }

    #[test]
    fn tiering_options() {
        let defaults = VmConfig::default().tiering;
        assert_eq!(tiering("").unwrap(), defaults);
        assert_eq!(tiering("{}").unwrap(), defaults);
        assert_eq!(tiering(r#"{"tiering": false}"#).unwrap(), None);
        assert!(tiering(r#"{"tiering": "yes"}"#).is_err());
        assert!(tiering(r#"{"tiering": {"hot": 3}}"#).is_err());
        let custom = tiering(r#"{"tiering": {"hot_calls": 5, "compile_budget_ms": 250}}"#);
        if TIERING_AVAILABLE {
            assert_eq!(
                tiering(r#"{"tiering": true}"#).unwrap(),
                Some(Tiering::default())
            );
            let t = custom.unwrap().unwrap();
            assert_eq!(t.hot_calls, 5);
            assert_eq!(t.compile_budget, std::time::Duration::from_millis(250));
            assert_eq!(t.max_code_bytes, Tiering::default().max_code_bytes);
        } else {
            assert!(custom.is_err());
            assert!(tiering(r#"{"tiering": true}"#).is_err());
        }
    }
}
