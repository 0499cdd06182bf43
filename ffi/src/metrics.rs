//! Metrics: what a database and a VM did since they were opened, as one
//! JSON object an embedding node can log or export.

use serde_json::{Value, json};
use svm_state::StateMetrics;

use crate::db::with_db;
use crate::guard::guard_buffer;
use crate::handles::{self, SvmDb, SvmVm};
use crate::memory::SvmBuffer;
use crate::status::SvmStatus;

fn state_json(m: &StateMetrics) -> Value {
    json!({
        "head": m.head,
        "kept_from": m.kept_from,
        "commits": m.commits,
        "nodes_written": m.nodes_written,
        "node_bytes_written": m.node_bytes_written,
        "nodes_deleted": m.nodes_deleted,
        "occurrences_swept": m.occurrences_swept,
        "sweep_pending": m.sweep_pending,
        "cache_hits": m.cache.hits,
        "cache_misses": m.cache.misses,
        "cache_bytes": m.cache.bytes,
    })
}

fn bytes(v: &Value) -> Vec<u8> {
    v.to_string().into_bytes()
}

/// The database's metrics as a JSON object `{"state": {...}}`: head,
/// kept_from, and since opening commits, nodes_written,
/// node_bytes_written, nodes_deleted, occurrences_swept, sweep_pending,
/// cache_hits, cache_misses, cache_bytes.
///
/// # Safety
/// `out` and `err` must be NULL or writable (`out` NULL is an error).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn svm_db_metrics(
    db: *const SvmDb,
    out: *mut SvmBuffer,
    err: *mut SvmBuffer,
) -> SvmStatus {
    guard_buffer(out, err, || {
        let m = with_db(db, |h| Ok(h.db.metrics()))?;
        Ok(bytes(&json!({ "state": state_json(&m) })))
    })
}

/// The VM's metrics as a JSON object: `"state"` (as `svm_db_metrics`),
/// `"phases"` (runs, instantiate_ns, execute_ns, commits, commit_ns) and
/// `"modules"` (memory_hits, disk_hits, compiles, disk_rejects, tier_ups,
/// tier_refusals, optimized_calls).
///
/// # Safety
/// `out` and `err` must be NULL or writable (`out` NULL is an error).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn svm_vm_metrics(
    vm: *const SvmVm,
    out: *mut SvmBuffer,
    err: *mut SvmBuffer,
) -> SvmStatus {
    guard_buffer(out, err, || {
        let m = handles::vm(vm)?.vm.metrics();
        let nanos = |d: std::time::Duration| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX);
        Ok(bytes(&json!({
            "state": state_json(&m.state),
            "phases": {
                "runs": m.phases.runs,
                "instantiate_ns": nanos(m.phases.instantiate),
                "execute_ns": nanos(m.phases.execute),
                "commits": m.phases.commits,
                "commit_ns": nanos(m.phases.commit),
            },
            "modules": {
                "memory_hits": m.modules.memory_hits,
                "disk_hits": m.modules.disk_hits,
                "compiles": m.modules.compiles,
                "disk_rejects": m.modules.disk_rejects,
                "tier_ups": m.modules.tier_ups,
                "tier_refusals": m.modules.tier_refusals,
                "optimized_calls": m.modules.optimized_calls,
            },
        })))
    })
}
