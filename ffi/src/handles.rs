//! Opaque handles: what `SvmDb *` and `SvmVm *` stand for.
//!
//! A handle is a number svm never reuses (not an address), registered
//! while it is open. Every call looks it up first, so a closed, freed or
//! made-up handle is `SVM_STATUS_BAD_HANDLE`, never a read of freed memory.
//! A call takes a reference-counted hold on what the handle names: closing
//! a handle while another thread is inside a call on it ends the handle at
//! once, and the object when that call returns.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, LazyLock, RwLock};

use crate::db::DbHandle;
use crate::status::{FfiError, SvmStatus};
use crate::vm::VmHandle;

/// A state database, opened by `svm_db_open` or `svm_db_open_memory`,
/// closed by `svm_db_close`. Opaque: never dereferenced.
pub struct SvmDb {
    _private: [u8; 0],
}

/// A VM over a state database, created by `svm_vm_new`, freed by
/// `svm_vm_free`. Opaque: never dereferenced.
pub struct SvmVm {
    _private: [u8; 0],
}

/// What an open handle names.
enum Entry {
    Db(Arc<DbHandle>),
    Vm(Arc<VmHandle>),
}

static OPEN: LazyLock<RwLock<HashMap<usize, Entry>>> =
    LazyLock::new(|| RwLock::new(HashMap::new()));

/// Handles count up from here: far from NULL and from small integers a
/// caller might pass by mistake, and never reused.
const FIRST: usize = 0x5356_0000;
static NEXT: AtomicUsize = AtomicUsize::new(FIRST);

fn open_handles() -> std::sync::RwLockReadGuard<'static, HashMap<usize, Entry>> {
    OPEN.read().unwrap_or_else(|e| e.into_inner())
}

fn open_handles_mut() -> std::sync::RwLockWriteGuard<'static, HashMap<usize, Entry>> {
    OPEN.write().unwrap_or_else(|e| e.into_inner())
}

fn register(entry: Entry) -> usize {
    let id = NEXT.fetch_add(1, Ordering::Relaxed);
    open_handles_mut().insert(id, entry);
    id
}

fn bad(kind: &str) -> FfiError {
    FfiError::new(
        SvmStatus::BadHandle,
        format!("not an open {kind} handle (closed, freed, or never one)"),
    )
}

/// Registers an open database.
pub(crate) fn add_db(db: DbHandle) -> *mut SvmDb {
    register(Entry::Db(Arc::new(db))) as *mut SvmDb
}

/// Registers a VM.
pub(crate) fn add_vm(vm: VmHandle) -> *mut SvmVm {
    register(Entry::Vm(Arc::new(vm))) as *mut SvmVm
}

/// The database `handle` names.
pub(crate) fn db(handle: *const SvmDb) -> Result<Arc<DbHandle>, FfiError> {
    if handle.is_null() {
        return Err(FfiError::null("the database handle"));
    }
    match open_handles().get(&(handle as usize)) {
        Some(Entry::Db(db)) => Ok(db.clone()),
        _ => Err(bad("database")),
    }
}

/// The VM `handle` names.
pub(crate) fn vm(handle: *const SvmVm) -> Result<Arc<VmHandle>, FfiError> {
    if handle.is_null() {
        return Err(FfiError::null("the VM handle"));
    }
    match open_handles().get(&(handle as usize)) {
        Some(Entry::Vm(vm)) => Ok(vm.clone()),
        _ => Err(bad("VM")),
    }
}

/// Ends the database handle; the database closes when nothing holds it.
pub(crate) fn remove_db(handle: *const SvmDb) -> Result<Arc<DbHandle>, FfiError> {
    if handle.is_null() {
        return Err(FfiError::null("the database handle"));
    }
    let mut open = open_handles_mut();
    match open.get(&(handle as usize)) {
        Some(Entry::Db(_)) => match open.remove(&(handle as usize)) {
            Some(Entry::Db(db)) => Ok(db),
            _ => Err(bad("database")),
        },
        _ => Err(bad("database")),
    }
}

/// Ends the VM handle.
pub(crate) fn remove_vm(handle: *const SvmVm) -> Result<Arc<VmHandle>, FfiError> {
    if handle.is_null() {
        return Err(FfiError::null("the VM handle"));
    }
    let mut open = open_handles_mut();
    match open.get(&(handle as usize)) {
        Some(Entry::Vm(_)) => match open.remove(&(handle as usize)) {
            Some(Entry::Vm(vm)) => Ok(vm),
            _ => Err(bad("VM")),
        },
        _ => Err(bad("VM")),
    }
}

/// How many handles are open (for leak tests).
pub(crate) fn open_count() -> usize {
    open_handles().len()
}
