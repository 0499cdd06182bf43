//! Sessions: typed errors that change nothing, the page cache, checkpoints
//! over accounts, balances and contract creation, archive reads and reopening.

use svm_state::code::module_declaring;
use svm_state::kv::MemoryKv;
use svm_state::layout::{Layout, LayoutError};
use svm_state::{Address, Head, StateConfig, StateDb, StateError, VIEW_READS_PER_RESET};

fn db() -> StateDb<MemoryKv> {
    StateDb::open(MemoryKv::new(), &StateConfig::default()).unwrap()
}

fn code(sizes: &[u32]) -> Vec<u8> {
    module_declaring(&Layout::new(4096, sizes).unwrap())
}

const C: Address = Address::repeat_byte(0xc0);
const ALICE: Address = Address::repeat_byte(0xa1);
const BOB: Address = Address::repeat_byte(0xb0);

/// A database with one contract (variables of 8, 32 and 5,000 bytes) and Alice
/// holding 100.
fn setup() -> (StateDb<MemoryKv>, Head) {
    let db = db();
    let mut s = db.begin().unwrap();
    s.create_contract(&C, &code(&[8, 32, 5000]), 7u64.into())
        .unwrap();
    s.create_account(&ALICE, 100u64.into()).unwrap();
    let head = s.commit().unwrap().head;
    (db, head)
}

#[test]
fn bad_requests_are_typed_errors_and_change_nothing() {
    let (db, head) = setup();
    let mut s = db.begin().unwrap();
    assert!(matches!(
        s.variable(&C, 3),
        Err(StateError::NoSuchVariable {
            source: LayoutError::NoSuchVariable { index: 3, count: 3 },
            ..
        })
    ));
    assert!(matches!(
        s.write_variable(&C, 3, &[1]),
        Err(StateError::NoSuchVariable { .. })
    ));
    assert!(matches!(
        s.write_variable(&C, 0, &[1; 9]),
        Err(StateError::VariableLength {
            index: 0,
            expected: 8,
            got: 9,
            ..
        })
    ));
    assert!(matches!(
        s.write_variable(&C, 0, &[]),
        Err(StateError::VariableLength { .. })
    ));
    assert!(matches!(s.variable(&BOB, 0), Err(StateError::NoAccount(a)) if a == BOB));
    assert!(matches!(s.variable(&ALICE, 0), Err(StateError::NotAContract(a)) if a == ALICE));
    assert!(matches!(
        s.page(&C, 3),
        Err(StateError::NoSuchPage {
            index: 3,
            pages: 3,
            ..
        })
    ));
    assert!(matches!(
        s.set_balance(&BOB, 1u64.into()),
        Err(StateError::NoAccount(_))
    ));
    assert!(matches!(
        s.transfer(&ALICE, &BOB, 101u64.into()),
        Err(StateError::InsufficientBalance { .. })
    ));
    assert!(matches!(
        s.create_account(&ALICE, 0u64.into()),
        Err(StateError::AccountExists(_))
    ));
    assert!(matches!(
        s.create_contract(&BOB, b"not wasm", 0u64.into()),
        Err(StateError::Code(_))
    ));
    assert!(matches!(
        s.commit_checkpoint(),
        Err(StateError::NoCheckpoint)
    ));
    assert!(matches!(
        s.revert_checkpoint(),
        Err(StateError::NoCheckpoint)
    ));
    assert!(!s.is_dirty());
    let out = s.commit().unwrap();
    assert_eq!(
        out.head.root, head.root,
        "failed requests changed the state"
    );
    assert!(out.accounts.is_empty());
    let unknown = svm_trie::hash(b"never committed");
    assert!(matches!(db.at(unknown), Err(StateError::UnknownRoot(r)) if r == unknown));
}

#[test]
fn a_page_is_loaded_once_per_session() {
    let (db, _) = setup();
    let mut s = db.begin().unwrap();
    s.write_variable(&C, 0, &[1; 8]).unwrap();
    s.commit().unwrap();
    let mut s = db.begin().unwrap();
    assert_eq!(s.variable(&C, 0).unwrap(), &[1; 8]);
    assert_eq!(s.variable(&C, 1).unwrap(), &[0; 32]);
    s.write_variable(&C, 1, &[2; 32]).unwrap();
    assert_eq!(
        s.page(&C, 0).unwrap()[..40],
        [[1u8; 8].as_slice(), &[2; 32]].concat()
    );
    assert_eq!(s.stats().page_loads, 1, "variables 0 and 1 share page 0");
    // Variable 2 (5,000 bytes) spans pages 1 and 2.
    assert_eq!(s.variable(&C, 2).unwrap(), vec![0; 5000].as_slice());
    assert_eq!(s.stats().page_loads, 3);
    s.variable(&C, 2).unwrap();
    s.commit().unwrap();
    assert_eq!(
        db.at(db.head().root).unwrap().variable(&C, 1).unwrap(),
        &[2; 32]
    );
}

#[test]
fn a_failed_run_discards_its_writes() {
    let (db, head) = setup();
    let mut s = db.begin().unwrap();
    s.write_variable(&C, 1, &[9; 32]).unwrap();
    s.transfer(&ALICE, &BOB, 5u64.into()).unwrap();
    drop(s); // the run failed
    assert_eq!(db.head(), head);
    let mut s = db.begin().unwrap();
    assert_eq!(s.variable(&C, 1).unwrap(), &[0; 32]);
    assert_eq!(s.account(&BOB).unwrap(), None);
}

#[test]
fn checkpoints_undo_accounts_contracts_and_variables() {
    let (db, _) = setup();
    let mut s = db.begin().unwrap();
    s.write_variable(&C, 0, &[1; 8]).unwrap();
    s.checkpoint();
    s.transfer(&ALICE, &BOB, 30u64.into()).unwrap();
    s.write_variable(&C, 0, &[2; 8]).unwrap();
    assert_eq!(s.checkpoint(), 2);
    let d = Address::repeat_byte(0xd0);
    s.create_contract(&d, &code(&[4]), 0u64.into()).unwrap();
    s.write_variable(&d, 0, &[4; 4]).unwrap();
    s.write_variable(&C, 0, &[3; 8]).unwrap();
    s.increment_nonce(&ALICE).unwrap();
    s.revert_checkpoint().unwrap(); // the inner call failed
    assert_eq!(s.account(&d).unwrap(), None);
    assert!(matches!(s.variable(&d, 0), Err(StateError::NoAccount(_))));
    assert_eq!(s.variable(&C, 0).unwrap(), &[2; 8]);
    assert_eq!(s.account(&ALICE).unwrap().unwrap().nonce, 0);
    assert_eq!(s.account(&BOB).unwrap().unwrap().balance, 30u64.into());
    s.commit_checkpoint().unwrap();
    s.checkpoint();
    s.set_balance(&BOB, 1u64.into()).unwrap();
    s.revert_checkpoint().unwrap();
    let out = s.commit().unwrap();
    let view = db.at(out.head.root).unwrap();
    assert_eq!(view.variable(&C, 0).unwrap(), &[2; 8]);
    assert_eq!(view.account(&ALICE).unwrap().unwrap().balance, 70u64.into());
    assert_eq!(view.account(&BOB).unwrap().unwrap().balance, 30u64.into());
    assert_eq!(view.account(&d).unwrap(), None);
    // The reverted contract's code was not stored.
    assert_eq!(
        db.code(&svm_state::code::code_hash(&code(&[4]))).unwrap(),
        None
    );
    // The commit reports every changed account, the contract with its new
    // storage root.
    let changed: Vec<Address> = out.accounts.iter().map(|(a, _)| *a).collect();
    let mut want = vec![C, ALICE, BOB];
    want.sort();
    assert_eq!(changed, want);
    let c = out
        .accounts
        .iter()
        .find(|(a, _)| *a == C)
        .unwrap()
        .1
        .unwrap();
    assert_eq!(
        c.storage_root,
        view.account(&C).unwrap().unwrap().storage_root
    );
    assert_ne!(c.storage_root, svm_trie::EMPTY_ROOT);
}

#[test]
fn a_stale_session_cannot_commit() {
    let (db, start) = setup();
    let mut first = db.begin().unwrap();
    let mut second = db.begin().unwrap();
    first.write_variable(&C, 0, &[1; 8]).unwrap();
    let new = first.commit().unwrap().head;
    second.write_variable(&C, 0, &[2; 8]).unwrap();
    assert!(matches!(
        second.commit(),
        Err(StateError::StaleBase { base, head }) if base == start.root && head == new.root
    ));
    assert_eq!(db.head(), new);
}

#[test]
fn committed_roots_are_listed_and_reopen_resumes_the_head() {
    let dir = tempfile::tempdir().unwrap();
    let config = StateConfig {
        history: svm_state::History::Archive,
        ..StateConfig::default()
    };
    let mut roots = vec![svm_trie::EMPTY_ROOT];
    {
        let db = StateDb::open_rocks(dir.path(), &config).unwrap();
        let mut s = db.begin().unwrap();
        s.create_contract(&C, &code(&[8]), 0u64.into()).unwrap();
        roots.push(s.commit().unwrap().head.root);
        for i in 1..=5u8 {
            let mut s = db.begin().unwrap();
            s.write_variable(&C, 0, &[i; 8]).unwrap();
            roots.push(s.commit().unwrap().head.root);
        }
        // An empty commit is still a commit: same root, next sequence number.
        let out = db.begin().unwrap().commit().unwrap();
        assert_eq!(out.head.seq, 7);
        assert_eq!(out.head.root, roots[6]);
        roots.push(out.head.root);
    }
    let db = StateDb::open_rocks(dir.path(), &config).unwrap();
    assert_eq!(
        db.head(),
        Head {
            seq: 7,
            root: roots[7]
        }
    );
    for (seq, root) in roots.iter().enumerate() {
        assert_eq!(db.root_at(seq as u64).unwrap(), Some(*root));
    }
    assert_eq!(db.root_at(8).unwrap(), None);
    assert_eq!(
        db.seq_of(&roots[6]).unwrap(),
        Some(6),
        "first commit of the root (archive mode)"
    );
    assert_eq!(db.history(), svm_state::History::Archive);
    for i in 1..=5u8 {
        let view = db.at(roots[i as usize + 1]).unwrap();
        assert_eq!(view.variable(&C, 0).unwrap(), &[i; 8]);
    }
    let mut s = db.begin().unwrap();
    s.write_variable(&C, 0, &[9; 8]).unwrap();
    assert_eq!(s.commit().unwrap().head.seq, 8);
}

/// A store whose writes fail once `fail` is set.
#[derive(Default)]
struct Flaky {
    inner: MemoryKv,
    fail: std::sync::atomic::AtomicBool,
}

impl svm_state::kv::KvStore for Flaky {
    fn get(
        &self,
        column: svm_state::kv::Column,
        key: &[u8],
    ) -> Result<Option<Vec<u8>>, svm_state::kv::KvError> {
        self.inner.get(column, key)
    }

    fn write(&self, batch: svm_state::kv::WriteBatch) -> Result<(), svm_state::kv::KvError> {
        if self.fail.load(std::sync::atomic::Ordering::SeqCst) {
            return Err(std::io::Error::other("disk full").into());
        }
        self.inner.write(batch)
    }

    fn iter_prefix(
        &self,
        column: svm_state::kv::Column,
        prefix: &[u8],
    ) -> Result<svm_state::kv::Entries, svm_state::kv::KvError> {
        self.inner.iter_prefix(column, prefix)
    }

    fn scan(
        &self,
        column: svm_state::kv::Column,
        prefix: &[u8],
        after: Option<&[u8]>,
        limit: usize,
    ) -> Result<svm_state::kv::Entries, svm_state::kv::KvError> {
        self.inner.scan(column, prefix, after, limit)
    }
}

#[test]
fn write_behind_serves_reads_and_reports_a_failed_write() {
    let kv = std::sync::Arc::new(Flaky::default());
    let config = StateConfig {
        write_behind: true,
        node_cache_bytes: 0, // every read goes below the cache
        ..StateConfig::default()
    };
    let db = StateDb::open(kv.clone(), &config).unwrap();
    let mut s = db.begin().unwrap();
    s.create_contract(&C, &code(&[8]), 0u64.into()).unwrap();
    let first = s.commit().unwrap().head;
    // The next session reads what may still be being written.
    let mut s = db.begin().unwrap();
    assert_eq!(s.variable(&C, 0).unwrap(), &[0; 8]);
    s.write_variable(&C, 0, &[1; 8]).unwrap();
    let second = s.commit().unwrap().head;
    db.flush().unwrap();
    assert_eq!(
        db.at(second.root).unwrap().variable(&C, 0).unwrap(),
        &[1; 8]
    );

    kv.fail.store(true, std::sync::atomic::Ordering::SeqCst);
    let mut s = db.begin().unwrap();
    s.write_variable(&C, 0, &[2; 8]).unwrap();
    s.commit().unwrap(); // handed to the writer, which fails
    let mut s = db.begin().unwrap();
    s.write_variable(&C, 0, &[3; 8]).unwrap();
    assert!(matches!(
        s.commit(),
        Err(StateError::Kv(svm_state::kv::KvError::WriteBehind(_)))
    ));
    assert!(db.flush().is_err(), "the failure sticks");
    kv.fail.store(false, std::sync::atomic::Ordering::SeqCst);
    assert!(
        matches!(
            db.begin(),
            Err(StateError::Kv(svm_state::kv::KvError::WriteBehind(_)))
        ),
        "still failed until reopened"
    );
    drop(db);
    // Reopened, the head is the last commit that reached the store.
    let db = StateDb::open(kv.clone(), &StateConfig::default()).unwrap();
    assert_eq!(db.head(), second);
    assert_ne!(first, second);
}

#[test]
fn readers_on_other_threads_never_miss_a_node_being_written() {
    let dir = tempfile::tempdir().unwrap();
    let config = StateConfig {
        write_behind: true,
        node_cache_bytes: 0,
        ..StateConfig::default()
    };
    let db = StateDb::open_rocks(dir.path(), &config).unwrap();
    let mut s = db.begin().unwrap();
    s.create_contract(&C, &code(&[8, 8]), 0u64.into()).unwrap();
    s.commit().unwrap();
    let done = std::sync::atomic::AtomicBool::new(false);
    std::thread::scope(|scope| {
        let reader = scope.spawn(|| {
            let mut reads = 0u64;
            while !done.load(std::sync::atomic::Ordering::SeqCst) {
                let head = db.head();
                let view = db.at(head.root).expect("a committed root opens");
                let v = view.variable(&C, 1).expect("reads never miss").to_vec();
                // Writer sets variable 1 to the commit's number.
                assert_eq!(
                    u64::from_be_bytes(v.try_into().unwrap()),
                    head.seq.saturating_sub(1)
                );
                reads += 1;
            }
            reads
        });
        for i in 1..=300u64 {
            let mut s = db.begin().unwrap();
            s.write_variable(&C, 1, &i.to_be_bytes()).unwrap();
            s.commit().unwrap();
        }
        done.store(true, std::sync::atomic::Ordering::SeqCst);
        assert!(reader.join().unwrap() > 0);
    });
}

#[test]
fn a_failed_write_leaves_no_node_in_the_cache() {
    let kv = std::sync::Arc::new(Flaky::default());
    let db = StateDb::open(kv.clone(), &StateConfig::default()).unwrap();
    let mut s = db.begin().unwrap();
    s.create_contract(&C, &code(&[8]), 0u64.into()).unwrap();
    let head = s.commit().unwrap().head;
    let cached = db.cache_stats().bytes;
    kv.fail.store(true, std::sync::atomic::Ordering::SeqCst);
    let mut s = db.begin().unwrap();
    s.write_variable(&C, 0, &[7; 8]).unwrap();
    assert!(s.commit().is_err());
    assert_eq!(db.head(), head);
    assert_eq!(
        db.cache_stats().bytes,
        cached,
        "nodes that never reached the store are not served from the cache"
    );
    kv.fail.store(false, std::sync::atomic::Ordering::SeqCst);
    let mut s = db.begin().unwrap();
    s.write_variable(&C, 0, &[7; 8]).unwrap();
    let out = s.commit().unwrap();
    assert!(db.cache_stats().bytes > cached);
    assert!(db.check(out.head.root).is_ok());
}

/// A store that takes its time to write and notices overlapping writes.
#[derive(Default)]
struct Slow {
    inner: MemoryKv,
    writing: std::sync::atomic::AtomicBool,
    overlaps: std::sync::atomic::AtomicU64,
}

impl svm_state::kv::KvStore for Slow {
    fn get(
        &self,
        column: svm_state::kv::Column,
        key: &[u8],
    ) -> Result<Option<Vec<u8>>, svm_state::kv::KvError> {
        self.inner.get(column, key)
    }

    fn write(&self, batch: svm_state::kv::WriteBatch) -> Result<(), svm_state::kv::KvError> {
        use std::sync::atomic::Ordering::SeqCst;
        if self.writing.swap(true, SeqCst) {
            self.overlaps.fetch_add(1, SeqCst);
        }
        std::thread::sleep(std::time::Duration::from_micros(300));
        let r = self.inner.write(batch);
        self.writing.store(false, SeqCst);
        r
    }

    fn iter_prefix(
        &self,
        column: svm_state::kv::Column,
        prefix: &[u8],
    ) -> Result<svm_state::kv::Entries, svm_state::kv::KvError> {
        self.inner.iter_prefix(column, prefix)
    }

    fn scan(
        &self,
        column: svm_state::kv::Column,
        prefix: &[u8],
        after: Option<&[u8]>,
        limit: usize,
    ) -> Result<svm_state::kv::Entries, svm_state::kv::KvError> {
        self.inner.scan(column, prefix, after, limit)
    }
}

/// Flushes from other threads while commits hand batches to the writer:
/// no batch may stop being served before it is written, and batches are
/// written one after another, in order.
#[test]
fn flushes_racing_commits_never_lose_a_batch() {
    let kv = std::sync::Arc::new(Slow::default());
    let config = StateConfig {
        write_behind: true,
        node_cache_bytes: 0,
        ..StateConfig::default()
    };
    let db = StateDb::open(kv.clone(), &config).unwrap();
    let mut s = db.begin().unwrap();
    s.create_contract(&C, &code(&[8]), 0u64.into()).unwrap();
    s.commit().unwrap();
    /// Stops the flushers however the committing thread ends.
    struct Done<'a>(&'a std::sync::atomic::AtomicBool);
    impl Drop for Done<'_> {
        fn drop(&mut self) {
            self.0.store(true, std::sync::atomic::Ordering::SeqCst);
        }
    }
    let done = std::sync::atomic::AtomicBool::new(false);
    std::thread::scope(|scope| {
        for _ in 0..2 {
            scope.spawn(|| {
                while !done.load(std::sync::atomic::Ordering::SeqCst) {
                    db.flush().unwrap();
                }
            });
        }
        let _done = Done(&done);
        for i in 1..=300u64 {
            let mut s = db.begin().unwrap();
            let prev = u64::from_be_bytes(s.variable(&C, 0).unwrap().try_into().unwrap());
            assert_eq!(prev, i - 1, "the previous commit is readable");
            s.write_variable(&C, 0, &i.to_be_bytes()).unwrap();
            s.commit().unwrap();
        }
    });
    db.flush().unwrap();
    assert_eq!(kv.overlaps.load(std::sync::atomic::Ordering::SeqCst), 0);
    let head = db.head();
    drop(db);
    let db = StateDb::open(kv.clone(), &StateConfig::default()).unwrap();
    assert_eq!(db.head(), head);
    assert!(db.check(head.root).is_ok());
}

#[test]
fn zero_transfers_create_no_account_and_deploys_land_on_funded_addresses() {
    let db = StateDb::open(MemoryKv::new(), &StateConfig::default()).unwrap();
    let mut s = db.begin().unwrap();
    s.create_account(&ALICE, 100u64.into()).unwrap();
    s.transfer(&ALICE, &BOB, 0u64.into()).unwrap();
    assert_eq!(s.account(&BOB).unwrap(), None);
    s.transfer(&ALICE, &BOB, 5u64.into()).unwrap();
    assert_eq!(s.account(&BOB).unwrap().unwrap().balance, 5u64.into());
    // An account that only received value becomes a contract, keeping it.
    s.create_contract(&BOB, &code(&[8]), 2u64.into()).unwrap();
    let bob = s.account(&BOB).unwrap().unwrap();
    assert_eq!(bob.balance, 7u64.into());
    assert_ne!(bob.code_hash, svm_state::EMPTY_CODE_HASH);
    // Not onto a contract, nor onto an account that has a nonce.
    assert!(matches!(
        s.create_contract(&BOB, &code(&[8]), 0u64.into()),
        Err(StateError::AccountExists(_))
    ));
    s.increment_nonce(&ALICE).unwrap();
    assert!(matches!(
        s.create_contract(&ALICE, &code(&[8]), 0u64.into()),
        Err(StateError::AccountExists(_))
    ));
}

/// When several contracts fail to commit, the error names the first by
/// address, whatever order a hash map keeps them in.
#[test]
fn a_failed_commit_reports_the_same_error_every_time() {
    use svm_state::kv::KvStore;
    let kv = std::sync::Arc::new(MemoryKv::new());
    let db = StateDb::open(kv.clone(), &StateConfig::default()).unwrap();
    let contracts: Vec<Address> = (1..=8u8).map(|i| Address::repeat_byte(0x40 + i)).collect();
    let mut s = db.begin().unwrap();
    for (i, c) in contracts.iter().enumerate() {
        s.create_contract(c, &code(&[8]), 0u64.into()).unwrap();
        s.write_variable(c, 0, &[i as u8 + 1; 8]).unwrap();
    }
    let head = s.commit().unwrap().head;
    let view = db.at(head.root).unwrap();
    let roots: Vec<_> = contracts
        .iter()
        .map(|c| view.account(c).unwrap().unwrap().storage_root)
        .collect();
    // Lose every contract's storage root node.
    let mut batch = svm_state::kv::WriteBatch::new();
    for r in &roots {
        batch.delete(svm_state::kv::Column::Nodes, r.as_bytes());
    }
    kv.write(batch).unwrap();
    for _ in 0..20 {
        // A fresh database: nothing cached.
        let db = StateDb::open(kv.clone(), &StateConfig::default()).unwrap();
        let mut s = db.begin().unwrap();
        for c in contracts.iter().rev() {
            s.write_variable(c, 0, &[2; 8]).unwrap();
        }
        let e = s.commit().unwrap_err().to_string();
        assert!(e.contains(&format!("{:x}", roots[0])), "{e}");
    }
}

#[test]
fn a_view_is_shared_by_readers_on_many_threads() {
    let (db, first) = setup();
    let mut s = db.begin().unwrap();
    s.write_variable(&C, 0, &[9; 8]).unwrap();
    s.commit().unwrap();
    // The view of the first root, read by four threads at once through `&`.
    let view = db.at(first.root).unwrap();
    std::thread::scope(|scope| {
        for _ in 0..4 {
            scope.spawn(|| {
                for _ in 0..100 {
                    assert_eq!(view.variable(&C, 0).unwrap(), vec![0; 8]);
                    assert_eq!(view.variable(&C, 2).unwrap().len(), 5000);
                    let alice = view.account(&ALICE).unwrap().unwrap();
                    assert_eq!(alice.balance, 100u64.into());
                }
            });
        }
    });
    // Each page (0, and 1–2 for the 5,000-byte variable) was still read
    // from the store once.
    assert_eq!(view.base(), first);
    assert_eq!(view.stats().page_loads, 3);
}

/// A view held for long and read everywhere drops what it loaded every
/// `VIEW_READS_PER_RESET` reads, so what it holds stays bounded; every read
/// is still right. Once its root is pruned, a view that starts over says so.
#[test]
fn a_long_lived_view_stays_bounded_and_learns_its_root_was_pruned() {
    let value = |i: u32| i.to_be_bytes().repeat(8);
    let db = StateDb::open(
        MemoryKv::new(),
        &StateConfig {
            history: svm_state::History::Recent(1),
            ..StateConfig::default()
        },
    )
    .unwrap();
    let n = 2 * VIEW_READS_PER_RESET + 700;
    let layout = Layout::new(32, &vec![32; n as usize]).unwrap();
    let mut s = db.begin().unwrap();
    s.create_contract(&C, &module_declaring(&layout), 0u64.into())
        .unwrap();
    for i in 0..n {
        s.write_variable(&C, i, &value(i)).unwrap();
    }
    let root = s.commit().unwrap().head.root;
    let view = db.at(root).unwrap();
    for i in 0..n {
        assert_eq!(view.variable(&C, i).unwrap(), value(i), "variable {i}");
        assert!(view.stats().page_loads <= u64::from(VIEW_READS_PER_RESET));
    }
    assert_eq!(view.stats().page_loads, 700, "the third stretch's pages");

    // Another commit: the view's root leaves the window of one.
    let mut s = db.begin().unwrap();
    s.write_variable(&C, 0, &[9; 32]).unwrap();
    s.commit().unwrap();
    let mut outcome = Ok(Vec::new());
    for _ in 0..VIEW_READS_PER_RESET {
        outcome = view.variable(&C, n - 1);
        if outcome.is_err() {
            break;
        }
    }
    assert!(
        matches!(outcome, Err(StateError::Pruned { root: r, .. }) if r == root),
        "{outcome:?}"
    );
}
