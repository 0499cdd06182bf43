//! The C API's overhead: token transfers in blocks of 1,000 driven from
//! Rust (svm-vm directly), from Rust through the C API, and from Go (the
//! `go/` package over the C library), each in its own process on its own
//! copy of one prepared RocksDB database, all allocating with the C
//! library's malloc; and the cost of a call that does no work.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use serde_json::{Value, json};
use svm_ffi::*;
use svm_state::{Address, StateConfig, StateDb};
use svm_vm::{Arg, BlockContext, Call, Deploy, Tx, Vm, VmConfig};

use crate::report::{Table, count, median, ratio};
use svm_tests::{Rng, contract, wide_token};

/// Sizes of the run.
pub(crate) struct Config {
    /// Token holders (each sends from its own account).
    pub(crate) holders: usize,
    /// Blocks of 1,000 transfers per pass.
    pub(crate) blocks: usize,
    /// Passes of each driver, interleaved (medians are reported).
    pub(crate) reps: usize,
}

const PER_BLOCK: usize = 1_000;
const TX_GAS: u64 = 200_000;
const HEADS: usize = 200_000;
const GETS: usize = 2_000;
const AUTHOR: Address = Address::repeat_byte(0x05);
/// The argument that makes svm-bench a child running one driver.
const CHILD: &str = "--ffi-child";

fn sender(i: usize) -> Address {
    Address::from_low_u64_be(0x1000_0000 + i as u64)
}

fn config() -> VmConfig {
    VmConfig {
        max_block_gas: PER_BLOCK as u64 * TX_GAS,
        ..VmConfig::default()
    }
}

/// The database every pass starts from (the counter, and the token with
/// every holder's balance), and the workload files.
fn prepare(dir: &Path, cfg: &Config) -> (PathBuf, PathBuf) {
    let base = dir.join("base");
    let work = dir.join("work");
    std::fs::create_dir_all(&work).expect("workload directory");
    let db = StateDb::open_rocks(&base, &StateConfig::default()).expect("database");
    let vm = Vm::new(db, config());
    let deploy = |code: Vec<u8>, nonce| {
        let tx = Deploy {
            author: AUTHOR,
            nonce,
            code,
            balance: 0u64.into(),
            constructor: None,
            gas_limit: 30_000_000,
        };
        let r = vm.deploy(&tx, BlockContext::default()).expect("deploy");
        assert!(r.success, "{r:?}");
        r.contract
    };
    let counter = deploy(contract("counter.wat"), 0);
    let token = deploy(wide_token(cfg.holders), 1);
    let mut session = vm.db().begin().expect("session");
    let balances = (1u64 << 40).to_le_bytes().repeat(4);
    for v in 0..cfg.holders.div_ceil(4) {
        session
            .write_variable(&token, v as u32 + 1, &balances)
            .expect("balances");
    }
    session.commit().expect("commit");
    drop(vm);
    std::fs::write(work.join("contracts"), [token.0, counter.0].concat()).expect("contracts");
    let mut rng = Rng::new(5);
    let mut blocks = Vec::with_capacity(cfg.blocks * PER_BLOCK * 28);
    for _ in 0..cfg.blocks * PER_BLOCK {
        let (from, to) = (rng.below(cfg.holders), rng.below(cfg.holders));
        blocks.extend_from_slice(sender(from).as_bytes());
        blocks.extend_from_slice(&(from as u32).to_le_bytes());
        blocks.extend_from_slice(&(to as u32).to_le_bytes());
    }
    std::fs::write(work.join("blocks.bin"), blocks).expect("blocks");
    (base, work)
}

/// The workload: the contracts and the blocks of transfers.
fn workload(work: &Path) -> (Address, Address, Vec<Vec<Tx>>) {
    let contracts = std::fs::read(work.join("contracts")).expect("contracts");
    let (token, counter) = (
        Address::from_slice(&contracts[..20]),
        Address::from_slice(&contracts[20..40]),
    );
    let raw = std::fs::read(work.join("blocks.bin")).expect("blocks");
    let blocks = raw
        .chunks(28 * PER_BLOCK)
        .map(|block| {
            block
                .chunks(28)
                .map(|rec| {
                    let from = u32::from_le_bytes(rec[20..24].try_into().expect("4 bytes"));
                    let to = u32::from_le_bytes(rec[24..28].try_into().expect("4 bytes"));
                    Tx::Call(Call {
                        contract: token,
                        sender: Address::from_slice(&rec[..20]),
                        function: "transfer".into(),
                        args: vec![Arg::I32(from as i32), Arg::I32(to as i32), Arg::I64(1)],
                        gas_limit: TX_GAS,
                        value: 0u64.into(),
                    })
                })
                .collect()
        })
        .collect();
    (token, counter, blocks)
}

fn get_call(counter: Address) -> Call {
    Call {
        contract: counter,
        sender: Address::from_low_u64_be(1),
        function: "get".into(),
        args: vec![],
        gas_limit: TX_GAS,
        value: 0u64.into(),
    }
}

/// Runs one driver as a child (`svm-bench --ffi-child rust|c DB WORK`),
/// printing its timings as JSON. False if `raw` is not a child's command.
pub(crate) fn child(raw: &[String]) -> bool {
    let [flag, mode, db, work] = raw else {
        return false;
    };
    if flag != CHILD {
        return false;
    }
    let (db, work) = (Path::new(db), Path::new(work));
    let out = match mode.as_str() {
        "rust" => drive_rust(db, work),
        "c" => drive_c(db, work),
        other => panic!("no driver {other}"),
    };
    println!("{out}");
    true
}

fn drive_rust(dir: &Path, work: &Path) -> Value {
    let (_, counter, blocks) = workload(work);
    let db = StateDb::open_rocks(dir, &StateConfig::default()).expect("database");
    let vm = Vm::new(db, config());
    let first = vm.db().head().seq + 1;
    let mut secs = Vec::new();
    for (i, txs) in blocks.iter().enumerate() {
        let t = Instant::now();
        let block = BlockContext {
            height: first + i as u64,
            time: 0,
        };
        let r = vm.execute_block(txs, block).expect("block");
        secs.push(t.elapsed().as_secs_f64());
        assert!(r.receipts.iter().all(|r| r.success));
    }
    let t = Instant::now();
    for _ in 0..HEADS {
        std::hint::black_box(vm.db().head());
    }
    let head_ns = t.elapsed().as_secs_f64() * 1e9 / HEADS as f64;
    let get = get_call(counter);
    let t = Instant::now();
    for _ in 0..GETS {
        let r = vm.call(&get, BlockContext::default()).expect("get");
        assert!(r.success);
    }
    let get_us = t.elapsed().as_secs_f64() * 1e6 / GETS as f64;
    json!({ "block_secs": secs, "head_ns": head_ns, "get_us": get_us })
}

fn view(b: &[u8]) -> SvmBytes {
    SvmBytes {
        ptr: b.as_ptr(),
        len: b.len(),
    }
}

fn empty() -> SvmBuffer {
    SvmBuffer {
        ptr: std::ptr::null_mut(),
        len: 0,
        cap: 0,
    }
}

/// A successful C call (or the benchmark stops with its message).
fn ok(s: SvmStatus, mut err: SvmBuffer) {
    if s != SvmStatus::Ok {
        // SAFETY: svm's message buffer.
        let m = unsafe { std::slice::from_raw_parts(err.ptr, err.len) };
        panic!("{s:?}: {}", String::from_utf8_lossy(m));
    }
    // SAFETY: svm's buffer (empty on success).
    unsafe { svm_buffer_free(&mut err) };
}

fn drive_c(dir: &Path, work: &Path) -> Value {
    let (_, counter, blocks) = workload(work);
    let path = dir.to_str().expect("UTF-8 path");
    let vm_config = json!({ "max_block_gas": PER_BLOCK as u64 * TX_GAS }).to_string();
    let (mut db, mut vm) = (std::ptr::null_mut(), std::ptr::null_mut());
    let mut err = empty();
    // SAFETY: valid views and outputs, for this and every call below.
    unsafe {
        ok(
            svm_db_open(view(path.as_bytes()), view(b""), &mut db, &mut err),
            err,
        );
        let mut err = empty();
        ok(
            svm_vm_new(db, view(vm_config.as_bytes()), &mut vm, &mut err),
            err,
        );
    }
    let mut head = SvmHead::default();
    let mut err = empty();
    // SAFETY: as above.
    ok(unsafe { svm_db_head(db, &mut head, &mut err) }, err);
    let first = head.seq + 1;
    let mut secs = Vec::new();
    for (i, txs) in blocks.iter().enumerate() {
        let t = Instant::now();
        let bytes = encode_block(txs);
        let (mut out, mut err) = (empty(), empty());
        let block = SvmBlock {
            height: first + i as u64,
            time: 0,
        };
        // SAFETY: as above.
        ok(
            unsafe { svm_vm_execute_block(vm, view(&bytes), block, &mut out, &mut err) },
            err,
        );
        // SAFETY: svm's buffer.
        let result = unsafe { std::slice::from_raw_parts(out.ptr, out.len) };
        let fields =
            svm_format::rlp::items(svm_format::rlp::one(result).expect("RLP")).expect("a list");
        let receipts = svm_format::rlp::items(fields[2]).expect("receipts");
        let all_ok = receipts
            .iter()
            .all(|r| svm_format::rlp::items(*r).is_ok_and(|f| f[0].payload.is_empty()));
        // SAFETY: svm's buffer, freed once.
        unsafe { svm_buffer_free(&mut out) };
        secs.push(t.elapsed().as_secs_f64());
        assert!(all_ok && receipts.len() == txs.len());
    }
    let t = Instant::now();
    for _ in 0..HEADS {
        // SAFETY: as above; a NULL error buffer.
        let s = unsafe { svm_db_head(db, &mut head, std::ptr::null_mut()) };
        assert_eq!(s, SvmStatus::Ok);
    }
    let head_ns = t.elapsed().as_secs_f64() * 1e9 / HEADS as f64;
    let get = Tx::Call(get_call(counter));
    let t = Instant::now();
    for _ in 0..GETS {
        let bytes = encode_tx(&get);
        let (mut out, mut err) = (empty(), empty());
        let block = SvmBlock::default();
        // SAFETY: as above.
        ok(
            unsafe { svm_vm_call(vm, view(&bytes), block, &mut out, &mut err) },
            err,
        );
        // SAFETY: svm's buffer, freed once.
        unsafe { svm_buffer_free(&mut out) };
    }
    let get_us = t.elapsed().as_secs_f64() * 1e6 / GETS as f64;
    let mut err = empty();
    // SAFETY: as above.
    unsafe {
        ok(svm_vm_free(vm, &mut err), err);
        let mut err = empty();
        ok(svm_db_close(db, &mut err), err);
    }
    json!({ "block_secs": secs, "head_ns": head_ns, "get_us": get_us })
}

/// Copies the prepared database directory (flat: RocksDB's files).
fn copy_db(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("copy");
    for entry in std::fs::read_dir(from).expect("read dir") {
        let entry = entry.expect("entry");
        if entry.file_type().expect("type").is_file() {
            std::fs::copy(entry.path(), to.join(entry.file_name())).expect("copy");
        }
    }
}

/// The directory of the C library cargo built beside this benchmark.
fn library_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("own path");
    let dir = exe.parent().expect("a directory").to_path_buf();
    for d in [dir.clone(), dir.join("deps")] {
        if d.join("libsvm_ffi.so").exists() {
            return d;
        }
    }
    panic!(
        "no libsvm_ffi.so beside {}: build it with `cargo build --release --locked`",
        exe.display()
    );
}

/// Builds the Go driver (go/cmd/ffibench) against the C library.
fn build_go(out: &Path) -> PathBuf {
    let lib = library_dir();
    let bin = out.join("ffibench");
    let go_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../go");
    let status = Command::new("go")
        .args(["build", "-o"])
        .arg(&bin)
        .arg("./cmd/ffibench")
        .current_dir(&go_dir)
        .env(
            "CGO_LDFLAGS",
            format!("-L{0} -Wl,-rpath,{0}", lib.display()),
        )
        .status()
        .expect("the Go side needs Go (apt-get install golang-go)");
    assert!(status.success(), "go build failed");
    bin
}

fn run_child(cmd: &mut Command) -> Value {
    let out = cmd
        .env("SVM_BENCH_ALLOCATOR", "system")
        .output()
        .expect("a driver runs");
    assert!(
        out.status.success(),
        "driver failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("the driver's JSON")
}

/// Per-transfer seconds, the head call's nanoseconds and the get call's
/// microseconds of one pass.
fn figures(v: &Value, transfers: usize) -> (f64, f64, f64) {
    let total: f64 = v["block_secs"]
        .as_array()
        .expect("block_secs")
        .iter()
        .filter_map(Value::as_f64)
        .sum();
    (
        total / transfers as f64,
        v["head_ns"].as_f64().expect("head_ns"),
        v["get_us"].as_f64().expect("get_us"),
    )
}

pub(crate) fn run(cfg: &Config) -> Vec<Table> {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let (base, work) = prepare(dir.path(), cfg);
    let go = build_go(dir.path());
    let exe = std::env::current_exe().expect("own path");
    let transfers = cfg.blocks * PER_BLOCK;
    // Per driver: per-transfer seconds, head ns, get µs of each pass.
    let mut samples: [Vec<(f64, f64, f64)>; 3] = Default::default();
    for rep in 0..cfg.reps {
        for (d, sample) in samples.iter_mut().enumerate() {
            let db = dir.path().join(format!("pass-{rep}-{d}"));
            copy_db(&base, &db);
            let v = match d {
                0 | 1 => run_child(
                    Command::new(&exe)
                        .arg(CHILD)
                        .arg(if d == 0 { "rust" } else { "c" })
                        .arg(&db)
                        .arg(&work),
                ),
                _ => run_child(Command::new(&go).arg(&db).arg(&work)),
            };
            sample.push(figures(&v, transfers));
            std::fs::remove_dir_all(&db).expect("clean up");
        }
    }
    let med = |d: usize, f: fn(&(f64, f64, f64)) -> f64| {
        let mut xs: Vec<f64> = samples[d].iter().map(f).collect();
        median(&mut xs)
    };
    let names = [
        "Rust (svm-vm)",
        "Rust through the C API",
        "Go (package svm, cgo)",
    ];
    let mut blocks = Table::new(
        &format!(
            "Token transfers in blocks of 1,000 on RocksDB, {} holders, {} blocks per pass, {} passes (malloc everywhere)",
            count(cfg.holders as f64),
            cfg.blocks,
            cfg.reps
        ),
        &["driver", "per transfer", "transfers/s", "time vs Rust"],
    );
    let rust = med(0, |s| s.0);
    for (d, name) in names.iter().enumerate() {
        let t = med(d, |s| s.0);
        blocks.row(vec![
            name.to_string(),
            format!("{:.2} µs", t * 1e6),
            count(1.0 / t),
            ratio(t / rust),
        ]);
    }
    let mut calls = Table::new(
        "Per-call cost of a call that does no work, and of a trivial contract call",
        &[
            "driver",
            "head (ns)",
            "over Rust",
            "counter `get`, committed (µs)",
            "over Rust",
        ],
    );
    let (head, get) = (med(0, |s| s.1), med(0, |s| s.2));
    for (d, name) in names.iter().enumerate() {
        let (h, g) = (med(d, |s| s.1), med(d, |s| s.2));
        calls.row(vec![
            name.to_string(),
            format!("{h:.0}"),
            format!("+{:.0} ns", h - head),
            format!("{g:.1}"),
            format!("{:+.1} µs", g - get),
        ]);
    }
    vec![blocks, calls]
}
