//! Crash safety: a child process commits random variable writes and
//! structure operations (a map of lists and a sorted set) to a RocksDB
//! database in a loop and is killed with SIGKILL at random moments, many
//! times. After every kill the database must reopen at the last commit the
//! child reported, or at the one it was reporting when it died; every node
//! reachable from the head must be present and hash correctly; and the state
//! must be exactly what replaying the same commits from scratch gives.
//!
//! The database prunes, keeping the last 4 roots (nested lists removed
//! from the map drop whole tries, swept over later commits): after every
//! kill every kept root must pass `check` and every reference count must be
//! exactly right, with no node left that nothing counts (`audit_refs`).
//!
//! Every other child writes behind (each commit's batch written while the
//! next one runs): its head may then also be the commit before the last one
//! it reported, never anything else.
//!
//! The binary is its own child: `crash --child DIR [--write-behind]` runs the
//! commit loop.

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use svm_state::code::module_declaring;
use svm_state::kv::{KvStore, MemoryKv};
use svm_state::layout::{Kind, Layout};
use svm_state::structure::{Element, PathKey, Structure};
use svm_state::{Address, History, StateConfig, StateDb, StructurePath};
use svm_trie::H256;

const KILLS: usize = 60;
const CONTRACTS: u64 = 8;
const VARIABLES: u32 = 300;
/// Roots kept.
const KEEP: u64 = 4;

fn config(write_behind: bool) -> StateConfig {
    StateConfig {
        write_behind,
        history: History::Recent(KEEP),
        ..StateConfig::default()
    }
}

/// splitmix64: deterministic pseudo-random numbers from a seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
}

fn contract(i: u64) -> Address {
    Address::from_low_u64_be(0xc0_0000 + i)
}

/// Variables of 1 to 100 bytes, plus a few of 5,000 (two pages), then a
/// map of lists (variable `VARIABLES`) and a sorted set (`VARIABLES + 1`).
fn layout() -> Layout {
    let mut kinds: Vec<Kind> = (0..VARIABLES)
        .map(|i| {
            Kind::Bytes(if i % 50 == 49 {
                5000
            } else {
                1 + (i * 37) % 100
            })
        })
        .collect();
    let list = Element::Structure(Box::new(Structure::List(Element::Bytes)));
    kinds.push(Kind::Structure(Structure::Map(list)));
    kinds.push(Kind::Structure(Structure::SortedSet));
    Layout::with_kinds(4096, &kinds).expect("a valid layout")
}

/// Commit number `seq`: the first creates the contracts, every later one
/// writes 1 to 40 variables with bytes derived from `seq`.
fn commit<K: KvStore>(db: &StateDb<K>, seq: u64, layout: &Layout) -> H256 {
    let mut s = db.begin().expect("begin");
    assert_eq!(s.base().seq + 1, seq);
    if seq == 1 {
        let code = module_declaring(layout);
        for i in 0..CONTRACTS {
            s.create_contract(&contract(i), &code, 0u64.into())
                .expect("create");
        }
    } else {
        let mut rng = Rng(seq);
        for _ in 0..1 + rng.next() % 40 {
            let c = contract(rng.next() % CONTRACTS);
            let var = (rng.next() % u64::from(VARIABLES)) as u32;
            let len = layout.placement(var as usize).expect("in layout").len as usize;
            let fill = rng.next() as u8;
            let bytes: Vec<u8> = (0..len).map(|i| fill.wrapping_add(i as u8)).collect();
            s.write_variable(&c, var, &bytes).expect("write");
        }
        let map = StructurePath::variable(VARIABLES);
        let sorted = StructurePath::variable(VARIABLES + 1);
        for _ in 0..rng.next() % 20 {
            let c = contract(rng.next() % CONTRACTS);
            let key = vec![(rng.next() % 16) as u8];
            let value = vec![rng.next() as u8; (rng.next() % 60) as usize];
            match rng.next() % 4 {
                0 | 1 => {
                    s.push(&c, &map.child(PathKey::Key(key)), &value)
                        .expect("push");
                }
                2 => {
                    s.remove(&c, &map, &key).expect("remove");
                }
                _ => {
                    s.insert(&c, &sorted, &value[..value.len().min(8)])
                        .expect("insert");
                }
            }
        }
    }
    s.commit().expect("commit").head.root
}

/// The child: commit forever, reporting `seq root` after each commit.
fn child(dir: &Path, write_behind: bool) {
    let db = StateDb::open_rocks(dir, &config(write_behind)).expect("open");
    let layout = layout();
    let mut out = std::io::stdout().lock();
    loop {
        let seq = db.head().seq + 1;
        let root = commit(&db, seq, &layout);
        writeln!(out, "{seq} {root:x}").expect("report");
        out.flush().expect("report");
    }
}

fn parse(line: &str) -> (u64, H256) {
    let (seq, root) = line.split_once(' ').expect("`seq root`");
    (seq.parse().expect("seq"), root.parse().expect("root"))
}

fn parent() {
    let dir = tempfile::tempdir().expect("tempdir");
    let exe = std::env::current_exe().expect("own path");
    let layout = layout();
    let replay = StateDb::open(MemoryKv::new(), &StateConfig::default()).expect("memory");
    let mut rng = Rng(0x5eed);
    let mut last = (0u64, svm_trie::EMPTY_ROOT);
    let mut reported_roots = std::collections::HashMap::new();
    let mut lost = 0;
    let (mut mid_run, mut unreported) = (0, 0);
    let start = Instant::now();
    for kill in 0..KILLS {
        let write_behind = kill % 2 == 1;
        let mut child = Command::new(&exe)
            .arg("--child")
            .arg(dir.path())
            .args(write_behind.then_some("--write-behind"))
            .stdout(Stdio::piped())
            .spawn()
            .expect("spawn the child");
        let stdout = child.stdout.take().expect("piped");
        let (tx, rx) = mpsc::channel();
        let reader = std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(parse(&line)).is_err() {
                    break;
                }
            }
        });
        // Let it commit a while, then kill it (SIGKILL) at a random moment;
        // one time in four, possibly while it is still opening the database.
        let first = if kill % 4 == 3 {
            std::thread::sleep(Duration::from_micros(rng.next() % 30_000));
            Err(mpsc::RecvTimeoutError::Timeout)
        } else {
            let first = rx.recv_timeout(Duration::from_secs(30));
            std::thread::sleep(Duration::from_micros(rng.next() % 150_000));
            first
        };
        child.kill().expect("SIGKILL");
        let status = child.wait().expect("wait");
        assert!(!status.success(), "the child was killed");
        reader.join().expect("reader");
        let reported: Vec<(u64, H256)> = first.into_iter().chain(rx.try_iter()).collect();
        if let Some(&r) = reported.last() {
            last = r;
            mid_run += 1;
        }
        reported_roots.extend(reported.iter().copied());

        let db = StateDb::open_rocks(dir.path(), &config(false)).expect("reopen");
        let head = db.head();
        let lowest = if write_behind {
            last.0.saturating_sub(1)
        } else {
            last.0
        };
        assert!(
            (lowest..=last.0 + 1).contains(&head.seq),
            "kill {kill}: head {head:?} but the child last reported {last:?}"
        );
        for seq in 1..=head.seq.min(last.0) {
            let reported = reported_roots.get(&seq).copied();
            let stored = db.root_at(seq).expect("roots");
            assert!(
                reported.is_none() || reported == stored,
                "kill {kill}: commit {seq}"
            );
        }
        if head.seq > last.0 {
            unreported += 1;
        }
        if head.seq < last.0 {
            lost += 1;
        }
        // Replaying the same commits from scratch gives the same state.
        while replay.head().seq < head.seq {
            let seq = replay.head().seq + 1;
            let root = commit(&replay, seq, &layout);
            assert_eq!(db.root_at(seq).expect("roots"), Some(root), "commit {seq}");
        }
        assert_eq!(replay.head(), head, "kill {kill}");
        let report = db
            .check(head.root)
            .unwrap_or_else(|e| panic!("kill {kill}: {e}"));
        assert_eq!(report.contracts, CONTRACTS.min(head.seq * CONTRACTS));
        for seq in db.kept_from().max(1)..head.seq {
            let root = db.root_at(seq).expect("roots").expect("kept");
            db.check(root)
                .unwrap_or_else(|e| panic!("kill {kill}: kept commit {seq}: {e}"));
        }
        assert_eq!(db.kept_from(), (head.seq + 1).saturating_sub(KEEP));
        let audit = db.audit_refs().expect("audit");
        assert!(audit.is_clean(), "kill {kill}: {audit:?}");
        last = (head.seq, head.root);
    }
    assert!(
        mid_run >= KILLS / 2,
        "only {mid_run} kills hit a committing child"
    );
    println!(
        "crash: {KILLS} kills in {:.1} s, {mid_run} after commits were reported, \
         {unreported} with a commit written but not yet reported, {lost} (write-behind) \
         with the last reported commit not yet written; head at commit {}",
        start.elapsed().as_secs_f64(),
        last.0
    );
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("--child") {
        let dir = args.get(2).expect("crash --child DIR");
        child(
            Path::new(dir),
            args.get(3).map(String::as_str) == Some("--write-behind"),
        );
    } else {
        parent();
    }
}
