//! Opening and closing a state database, and reading it: the head, roots,
//! blocks, accounts, variables, structure elements, code.

use std::sync::{Arc, Mutex};

use primitive_types::H256;
use serde::Deserialize;
use svm_state::kv::{KvStore, MemoryKv, RocksConfig, RocksKv};
use svm_state::{Address, StateConfig, StateDb, StructurePath, View};

use crate::codec::decode_path;
use crate::guard::{guard, guard_buffer};
use crate::handles::{self, SvmDb};
use crate::memory::{SvmBuffer, SvmBytes};
use crate::status::{FfiError, SvmStatus};

/// The key-value store under every database the C API opens.
pub(crate) type Kv = Arc<dyn KvStore>;

/// An open database.
pub(crate) struct DbHandle {
    /// The database.
    pub(crate) db: StateDb<Kv>,
    /// Opened read-only: no VM may be created over it.
    pub(crate) read_only: bool,
    /// Held by every transaction of every VM over this database: one
    /// writer at a time, so no commit finds its base stale.
    pub(crate) writer: Mutex<()>,
}

/// A 32-byte hash (a root, a code hash).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SvmHash {
    /// The bytes.
    pub bytes: [u8; 32],
}

impl From<H256> for SvmHash {
    fn from(h: H256) -> Self {
        SvmHash { bytes: h.0 }
    }
}

/// The last committed state.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct SvmHead {
    /// Commits so far (0: the empty world).
    pub seq: u64,
    /// The world root.
    pub root: SvmHash,
}

/// What the database keeps of a committed block.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct SvmBlockInfo {
    /// The block's height.
    pub height: u64,
    /// Its time (seconds since the Unix epoch).
    pub time: u64,
    /// The commit that wrote it.
    pub seq: u64,
    /// How many receipts (transactions) it holds.
    pub receipts: u64,
    /// The world root after it.
    pub world_root: SvmHash,
    /// The root of its receipts trie.
    pub receipts_root: SvmHash,
}

/// Options of `svm_db_open` and `svm_db_open_memory`, as a JSON object
/// (every field optional; unknown fields are refused).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct DbOptions {
    /// Open without taking the lock; every write fails.
    #[serde(default)]
    read_only: bool,
    /// Bytes of trie node encodings cached (default 256 MiB).
    node_cache_bytes: Option<usize>,
    /// RocksDB's memory budget per column, MiB (default 128).
    memory_budget_mib: Option<usize>,
    /// Sync the write-ahead log every this many commits (default 0).
    sync_every: Option<u64>,
    /// What a new database keeps: the last this many roots (default 128).
    keep: Option<u64>,
    /// A new database keeps every root (archive) instead.
    #[serde(default)]
    archive: bool,
}

impl DbOptions {
    fn parse(bytes: &[u8]) -> Result<Self, FfiError> {
        if bytes.is_empty() {
            return Ok(DbOptions::default());
        }
        let options: DbOptions = serde_json::from_slice(bytes)
            .map_err(|e| FfiError::invalid(format!("options: {e}")))?;
        match (options.archive, options.keep) {
            (true, Some(_)) => Err(FfiError::invalid("options: keep and archive both given")),
            (_, Some(0)) => Err(FfiError::invalid("options: keep is at least 1")),
            _ => Ok(options),
        }
    }

    fn config(&self) -> StateConfig {
        let defaults = StateConfig::default();
        StateConfig {
            node_cache_bytes: self.node_cache_bytes.unwrap_or(defaults.node_cache_bytes),
            rocks: RocksConfig {
                memory_budget_mib: self
                    .memory_budget_mib
                    .unwrap_or(defaults.rocks.memory_budget_mib),
                sync_every: self.sync_every.unwrap_or(defaults.rocks.sync_every),
                read_only: self.read_only,
            },
            history: match (self.archive, self.keep) {
                (true, _) => svm_state::History::Archive,
                (false, Some(n)) => svm_state::History::Recent(n),
                (false, None) => defaults.history,
            },
            ..defaults
        }
    }
}

/// Writes a new handle to `out`.
///
/// # Safety
/// `out` must be NULL or valid for a write of a pointer.
unsafe fn hand_out(out: *mut *mut SvmDb, handle: DbHandle) -> Result<(), FfiError> {
    if out.is_null() {
        return Err(FfiError::null("the output handle"));
    }
    // SAFETY: non-NULL and writable by the caller's promise.
    unsafe { out.write(handles::add_db(handle)) };
    Ok(())
}

/// Opens (creating it if missing, unless read-only) the RocksDB state
/// database in directory `path` (UTF-8), resuming at its last committed
/// head. `options`: a JSON object, or empty for the defaults:
/// `read_only` (bool: no lock, every write refused, a missing database an
/// error), `node_cache_bytes`, `memory_budget_mib`, `sync_every` (sync the
/// write-ahead log every N commits; 0 never), `keep` (a new database keeps
/// the last N roots, default 128) or `archive` (bool: every root). A
/// directory another process
/// holds open is `SVM_STATUS_NODE`.
///
/// The handle may be used from any number of threads at once.
///
/// # Safety
/// Byte views must be readable for their lengths; `out` and `err` must be
/// NULL or writable (`out` NULL is an error).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn svm_db_open(
    path: SvmBytes,
    options: SvmBytes,
    out: *mut *mut SvmDb,
    err: *mut SvmBuffer,
) -> SvmStatus {
    guard(err, || {
        // SAFETY: the caller's promise on the views.
        let (path, options) = unsafe { (path.slice("path")?, options.slice("options")?) };
        let path = std::str::from_utf8(path)
            .map_err(|_| FfiError::invalid("path: not UTF-8"))?
            .to_string();
        if path.is_empty() {
            return Err(FfiError::invalid("path: empty"));
        }
        let options = DbOptions::parse(options)?;
        let config = options.config();
        let kv = RocksKv::open(std::path::Path::new(&path), &config.rocks)
            .map_err(|e| FfiError::new(SvmStatus::Node, format!("opening {path}: {e}")))?;
        let db = StateDb::open(Arc::new(kv) as Kv, &config)?;
        let handle = DbHandle {
            db,
            read_only: options.read_only,
            writer: Mutex::new(()),
        };
        // SAFETY: the caller's promise on `out`.
        unsafe { hand_out(out, handle) }
    })
}

/// Opens a new, empty state database in memory (gone when closed).
/// `options` as for `svm_db_open` (`read_only` is refused: an empty
/// database nobody can write is of no use).
///
/// # Safety
/// As `svm_db_open`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn svm_db_open_memory(
    options: SvmBytes,
    out: *mut *mut SvmDb,
    err: *mut SvmBuffer,
) -> SvmStatus {
    guard(err, || {
        // SAFETY: the caller's promise on the view.
        let options = DbOptions::parse(unsafe { options.slice("options") }?)?;
        if options.read_only {
            return Err(FfiError::invalid(
                "options: an in-memory database cannot be read-only",
            ));
        }
        let db = StateDb::open(Arc::new(MemoryKv::new()) as Kv, &options.config())?;
        let handle = DbHandle {
            db,
            read_only: false,
            writer: Mutex::new(()),
        };
        // SAFETY: the caller's promise on `out`.
        unsafe { hand_out(out, handle) }
    })
}

/// Closes a database handle: the handle is invalid from now on (any call
/// with it, a second close included, is `SVM_STATUS_BAD_HANDLE`). VMs
/// created over the database keep it open until they are freed; so does a
/// call running on another thread, until it returns. Every commit was
/// already written when its call returned: closing loses nothing.
///
/// # Safety
/// `err` must be NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn svm_db_close(db: *mut SvmDb, err: *mut SvmBuffer) -> SvmStatus {
    guard(err, || {
        let handle = handles::remove_db(db)?;
        handle.db.flush()?;
        drop(handle);
        Ok(())
    })
}

/// Runs `f` on the database `db` names.
pub(crate) fn with_db<T>(
    db: *const SvmDb,
    f: impl FnOnce(&DbHandle) -> Result<T, FfiError>,
) -> Result<T, FfiError> {
    let handle = handles::db(db)?;
    f(&handle)
}

/// A view at `root` (32 bytes), or at the head when `root` is empty.
pub(crate) fn view_at(db: &StateDb<Kv>, root: &[u8]) -> Result<View<Kv>, FfiError> {
    Ok(db.at(root_or_head(db, root)?)?)
}

/// `root` (32 bytes), or the head's when empty.
pub(crate) fn root_or_head(db: &StateDb<Kv>, root: &[u8]) -> Result<H256, FfiError> {
    match root.len() {
        0 => Ok(db.head().root),
        32 => Ok(H256::from_slice(root)),
        n => Err(FfiError::invalid(format!(
            "root: {n} bytes, not 32 (or 0 for the head)"
        ))),
    }
}

/// A 20-byte address.
pub(crate) fn address(bytes: &[u8]) -> Result<Address, FfiError> {
    if bytes.len() != 20 {
        return Err(FfiError::invalid(format!(
            "address: {} bytes, not 20",
            bytes.len()
        )));
    }
    Ok(Address::from_slice(bytes))
}

/// Writes `value` to `out`, which must not be NULL.
///
/// # Safety
/// `out` must be NULL or writable.
pub(crate) unsafe fn put_value<T>(out: *mut T, value: T) -> Result<(), FfiError> {
    if out.is_null() {
        return Err(FfiError::null("the output"));
    }
    // SAFETY: non-NULL and writable by the caller's promise.
    unsafe { out.write(value) };
    Ok(())
}

/// The last committed state: its sequence number and world root.
///
/// # Safety
/// `out` and `err` must be NULL or writable (`out` NULL is an error).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn svm_db_head(
    db: *const SvmDb,
    out: *mut SvmHead,
    err: *mut SvmBuffer,
) -> SvmStatus {
    guard(err, || {
        let head = with_db(db, |h| Ok(h.db.head()))?;
        let head = SvmHead {
            seq: head.seq,
            root: head.root.into(),
        };
        // SAFETY: the caller's promise on `out`.
        unsafe { put_value(out, head) }
    })
}

/// The world root committed at sequence number `seq` (0: the empty world);
/// `SVM_STATUS_NOT_FOUND` past the head.
///
/// # Safety
/// As `svm_db_head`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn svm_db_root_at(
    db: *const SvmDb,
    seq: u64,
    out: *mut SvmHash,
    err: *mut SvmBuffer,
) -> SvmStatus {
    guard(err, || {
        let root = with_db(db, |h| Ok(h.db.root_at(seq)?))?
            .ok_or_else(|| FfiError::not_found(format!("no commit {seq}")))?;
        // SAFETY: the caller's promise on `out`.
        unsafe { put_value(out, root.into()) }
    })
}

/// What the database keeps of the block committed at `height`;
/// `SVM_STATUS_NOT_FOUND` if none was.
///
/// # Safety
/// As `svm_db_head`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn svm_db_block(
    db: *const SvmDb,
    height: u64,
    out: *mut SvmBlockInfo,
    err: *mut SvmBuffer,
) -> SvmStatus {
    guard(err, || {
        let b = with_db(db, |h| Ok(h.db.block(height)?))?
            .ok_or_else(|| FfiError::not_found(format!("no block at height {height}")))?;
        let info = SvmBlockInfo {
            height: b.height,
            time: b.time,
            seq: b.seq,
            receipts: b.receipts,
            world_root: b.world_root.into(),
            receipts_root: b.receipts_root.into(),
        };
        // SAFETY: the caller's promise on `out`.
        unsafe { put_value(out, info) }
    })
}

/// The account at `address` (20 bytes) under `root` (32 bytes; empty: the
/// head), as its world-trie encoding: RLP `[nonce, balance, storage_root,
/// code_hash]`, Ethereum's. `SVM_STATUS_NOT_FOUND` when there is no account
/// or the root was never committed.
///
/// # Safety
/// Byte views must be readable for their lengths; `out` and `err` must be
/// NULL or writable (`out` NULL is an error).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn svm_db_account(
    db: *const SvmDb,
    root: SvmBytes,
    address: SvmBytes,
    out: *mut SvmBuffer,
    err: *mut SvmBuffer,
) -> SvmStatus {
    guard_buffer(out, err, || {
        // SAFETY: the caller's promises.
        let (root, addr) = unsafe { (root.slice("root")?, address.slice("address")?) };
        let addr = self::address(addr)?;
        let account = with_db(db, |h| Ok(view_at(&h.db, root)?.account(&addr)?))?
            .ok_or_else(|| FfiError::not_found(format!("no account at {addr:#x}")))?;
        Ok(account.encode())
    })
}

/// The bytes of variable `variable` of the contract at `address` under
/// `root` (empty: the head); all zeros if never written.
///
/// # Safety
/// As `svm_db_account`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn svm_db_variable(
    db: *const SvmDb,
    root: SvmBytes,
    address: SvmBytes,
    variable: u32,
    out: *mut SvmBuffer,
    err: *mut SvmBuffer,
) -> SvmStatus {
    guard_buffer(out, err, || {
        // SAFETY: the caller's promises.
        let (root, addr) = unsafe { (root.slice("root")?, address.slice("address")?) };
        let addr = self::address(addr)?;
        let value = with_db(db, |h| Ok(view_at(&h.db, root)?.variable(&addr, variable)?))?;
        Ok(value)
    })
}

/// The bytes of an element of a list or map: structure variable
/// `variable` of the contract at `address` under `root` (empty: the head),
/// reached by `path` (FORMATS.md, "C API encodings": RLP steps `[0, index]`
/// or `[1, key]`, the last one the element's). `SVM_STATUS_NOT_FOUND` when
/// the element is absent.
///
/// # Safety
/// As `svm_db_account`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn svm_db_element(
    db: *const SvmDb,
    root: SvmBytes,
    address: SvmBytes,
    variable: u32,
    path: SvmBytes,
    out: *mut SvmBuffer,
    err: *mut SvmBuffer,
) -> SvmStatus {
    guard_buffer(out, err, || {
        // SAFETY: the caller's promises.
        let (root, addr, path) = unsafe {
            (
                root.slice("root")?,
                address.slice("address")?,
                path.slice("path")?,
            )
        };
        let addr = self::address(addr)?;
        let mut keys = decode_path(path)?;
        let key = keys
            .pop()
            .ok_or_else(|| FfiError::invalid("path: no steps (the element's key is the last)"))?;
        let at = StructurePath { variable, keys };
        let value = with_db(db, |h| Ok(view_at(&h.db, root)?.element(&addr, &at, &key)?))?
            .ok_or_else(|| FfiError::not_found("no such element"))?;
        Ok(value)
    })
}

/// The code whose keccak hash is `hash` (32 bytes); `SVM_STATUS_NOT_FOUND`
/// if not stored.
///
/// # Safety
/// As `svm_db_account`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn svm_db_code(
    db: *const SvmDb,
    hash: SvmBytes,
    out: *mut SvmBuffer,
    err: *mut SvmBuffer,
) -> SvmStatus {
    guard_buffer(out, err, || {
        // SAFETY: the caller's promises.
        let hash = H256(unsafe { hash.array::<32>("code hash") }?);
        let code = with_db(db, |h| Ok(h.db.code(&hash)?))?
            .ok_or_else(|| FfiError::not_found(format!("no code {hash:#x}")))?;
        Ok(code)
    })
}
