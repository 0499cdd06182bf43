//! Offline snapshots: `export` writes the ranges a syncing node would ask
//! for as files (and a manifest); `import` syncs from them with the same
//! verification and resumability as from a server.

use std::collections::{HashSet, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use primitive_types::H256;
use svm_state::kv::KvStore;
use svm_state::{StateDb, StateError};

use crate::client::{Observer, SyncConfig, SyncError, SyncReport, sync};
use crate::kind::{Malformed, TrieKind, TrieRef, discover};
use crate::plan::{Task, next_tasks};
use crate::source::{DirSource, Source, code_file, range_file};
use crate::wire::{RangeRequest, encode_range};

/// The manifest's file name in a snapshot directory.
pub const MANIFEST: &str = "manifest.json";

/// What a snapshot directory holds, as its manifest says.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Manifest {
    /// Always `svm-snapshot`.
    pub format: String,
    /// The protocol version of the range files.
    pub version: u8,
    /// The world root the snapshot holds, 0x-hex.
    pub root: String,
    /// Entry bytes per range file (the import asks for the same).
    pub max_bytes: usize,
    /// Ranges a large trie was split into.
    pub parts: usize,
    /// Range files.
    pub ranges: u64,
    /// Code files.
    pub code: u64,
    /// Bytes of all files.
    pub bytes: u64,
}

/// Why an export or import failed.
#[derive(Debug, thiserror::Error)]
pub enum SnapshotError {
    /// The database failed.
    #[error(transparent)]
    State(#[from] StateError),
    /// A trie could not be read.
    #[error("reading the state failed: {0}")]
    Trie(#[from] svm_trie::TrieError),
    /// The state is malformed.
    #[error("the state at the root is malformed: {0}")]
    Malformed(#[from] Malformed),
    /// The root is not in the database.
    #[error("the database holds no committed root {0:#x}")]
    UnknownRoot(H256),
    /// A file could not be written or read.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// The manifest is missing or wrong.
    #[error("{0}")]
    Manifest(String),
    /// The import failed.
    #[error(transparent)]
    Sync(#[from] SyncError),
}

fn io(path: &Path) -> impl Fn(std::io::Error) -> SnapshotError + '_ {
    move |source| SnapshotError::Io {
        path: path.display().to_string(),
        source,
    }
}

/// Writes `bytes` to `path` through a temporary file, so a file is whole
/// or absent.
fn write_file(path: &Path, bytes: &[u8]) -> Result<(), SnapshotError> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(io(dir))?;
    }
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, bytes).map_err(io(&tmp))?;
    std::fs::rename(&tmp, path).map_err(io(path))
}

/// Writes the state at `root` to directory `dir` as range and code files
/// and a manifest (written last: a directory without one is unfinished).
/// Memory grows with the number of tries (their ids), not their size.
pub fn export<K: KvStore>(
    db: &StateDb<K>,
    root: H256,
    dir: &Path,
    config: &SyncConfig,
) -> Result<Manifest, SnapshotError> {
    match db.kept(&root) {
        Ok(_) => {}
        Err(StateError::UnknownRoot(r)) => return Err(SnapshotError::UnknownRoot(r)),
        Err(e) => return Err(e.into()),
    }
    let mut manifest = Manifest {
        format: "svm-snapshot".into(),
        version: crate::wire::VERSION,
        root: format!("{root:#x}"),
        max_bytes: config.max_bytes,
        parts: config.parts,
        ranges: 0,
        code: 0,
        bytes: 0,
    };
    let world = TrieRef {
        root,
        kind: TrieKind::World,
    };
    let mut seen = HashSet::from([world.id()]);
    let mut codes = HashSet::new();
    let mut queue = VecDeque::new();
    if root != svm_trie::EMPTY_ROOT {
        queue.push_back(Task::whole(world));
    }
    let mut written = HashSet::<PathBuf>::new();
    while let Some(task) = queue.pop_front() {
        let req = RangeRequest {
            root: task.trie.root,
            from: task.from.clone(),
            to: task.to.clone(),
            max_bytes: config.max_bytes,
        };
        let proof = svm_trie::proof::prove_range_capped(
            db.store(),
            req.root,
            &req.from,
            req.to.as_deref(),
            usize::MAX,
            req.max_bytes,
        )?;
        let file = range_file(&req);
        if written.insert(file.clone()) {
            let bytes = encode_range(&proof);
            write_file(&dir.join(&file), &bytes)?;
            manifest.ranges += 1;
            manifest.bytes += bytes.len() as u64;
        }
        let short = proof.end != task.to;
        let end = if short { proof.end.as_deref() } else { None };
        queue.extend(next_tasks(&task, end, config.parts));
        let layout = match &task.trie.kind {
            TrieKind::Storage { code_hash } => {
                let code = db
                    .code(code_hash)?
                    .ok_or(StateError::MissingCode(*code_hash))?;
                Some(svm_state::code::layout_of(&code).map_err(StateError::Code)?)
            }
            _ => None,
        };
        let found = discover(&task.trie.kind, &proof.entries, layout.as_ref())?;
        for hash in found.code {
            if codes.insert(hash) {
                let code = db.code(&hash)?.ok_or(StateError::MissingCode(hash))?;
                write_file(&dir.join(code_file(&hash)), &code)?;
                manifest.code += 1;
                manifest.bytes += code.len() as u64;
            }
        }
        for trie in found.tries {
            if seen.insert(trie.id()) {
                queue.push_back(Task::whole(trie));
            }
        }
    }
    let json =
        serde_json::to_vec_pretty(&manifest).map_err(|e| SnapshotError::Manifest(e.to_string()))?;
    write_file(&dir.join(MANIFEST), &json)?;
    Ok(manifest)
}

/// Reads a snapshot directory's manifest.
pub fn read_manifest(dir: &Path) -> Result<Manifest, SnapshotError> {
    let path = dir.join(MANIFEST);
    let bytes = std::fs::read(&path).map_err(io(&path))?;
    let m: Manifest = serde_json::from_slice(&bytes)
        .map_err(|e| SnapshotError::Manifest(format!("{}: {e}", path.display())))?;
    if m.format != "svm-snapshot" || m.version != crate::wire::VERSION {
        return Err(SnapshotError::Manifest(format!(
            "{}: not a version {} svm snapshot",
            path.display(),
            crate::wire::VERSION
        )));
    }
    Ok(m)
}

/// Imports the snapshot in `dir` into `db`, verifying every range against
/// `root` (the root the caller trusts, which the manifest must name).
/// Resumable like a sync.
pub async fn import<K: KvStore>(
    db: Arc<StateDb<K>>,
    dir: &Path,
    root: H256,
    config: &SyncConfig,
    observer: &dyn Observer,
) -> Result<SyncReport, SnapshotError> {
    let m = read_manifest(dir)?;
    if m.root != format!("{root:#x}") {
        return Err(SnapshotError::Manifest(format!(
            "the snapshot holds root {}, not {root:#x}",
            m.root
        )));
    }
    let config = SyncConfig {
        max_bytes: m.max_bytes,
        parts: m.parts,
        ..config.clone()
    };
    let source: Arc<dyn Source> = Arc::new(DirSource::new(dir.to_path_buf()));
    Ok(sync(db, root, vec![source], &config, observer).await?)
}
