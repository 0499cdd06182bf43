//! The module caches: memory, then disk (artifacts survive a restart; a
//! corrupt or foreign artifact is recompiled, never trusted).

mod common;

use common::*;
use svm_state::{StateConfig, StateDb};
use svm_vm::{Arg, ModuleStats, Vm, VmConfig};

#[test]
fn artifacts_persist_and_corrupt_ones_are_recompiled() {
    let dir = tempfile::tempdir().unwrap();
    let artifacts = dir.path().join("artifacts");
    let config = VmConfig {
        artifact_dir: Some(artifacts.clone()),
        ..VmConfig::default()
    };
    let open = || {
        let db = StateDb::open_rocks(&dir.path().join("db"), &StateConfig::default()).unwrap();
        Vm::new(db, config.clone())
    };
    let c = {
        let vm = open();
        let c = deploy(&vm, contract("counter.wat")).contract;
        assert!(call(&vm, c, "increment", vec![Arg::I64(2)], 100_000).success);
        assert!(call(&vm, c, "increment", vec![Arg::I64(2)], 100_000).success);
        let s = vm.module_stats();
        // Compiled once at deploy; both calls found it in memory.
        assert_eq!((s.compiles, s.memory_hits, s.disk_hits), (1, 2, 0));
        c
    };
    // A restart loads the artifact from disk instead of compiling.
    let vm = open();
    assert!(call(&vm, c, "increment", vec![Arg::I64(2)], 100_000).success);
    assert_eq!(
        vm.module_stats(),
        ModuleStats {
            disk_hits: 1,
            ..ModuleStats::default()
        }
    );
    drop(vm);
    // Corrupt every artifact: the next start recompiles and still runs.
    let mut corrupted = 0;
    for entry in std::fs::read_dir(&artifacts).unwrap() {
        let path = entry.unwrap().path();
        let mut bytes = std::fs::read(&path).unwrap();
        let last = bytes.len() - 1;
        bytes[last] ^= 0xff;
        std::fs::write(&path, bytes).unwrap();
        corrupted += 1;
    }
    assert_eq!(corrupted, 1);
    let vm = open();
    let r = call(&vm, c, "get", vec![], 100_000);
    assert_eq!(r.return_data, 6u64.to_le_bytes(), "{r:?}");
    let s = vm.module_stats();
    assert_eq!((s.disk_rejects, s.compiles, s.disk_hits), (1, 1, 0));
}
