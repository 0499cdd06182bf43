//! The event index against a model: random blocks of events with random
//! times-to-live (blocks committed again at a height included), every
//! query answered as the model answers it, on memory and on RocksDB with
//! reopening between blocks.

use std::collections::BTreeMap;

use quickcheck::{Arbitrary, Gen, QuickCheck};
use svm_format::event::Event;
use svm_state::events::{EventPosition, EventQuery, IndexedEvent};
use svm_state::kv::{KvStore, MemoryKv};
use svm_state::{Address, BlockRecord, StateConfig, StateDb};

/// A block: its height step (0: the same height again) and its events, as
/// (tx, contract, topics, data, ttl) drawn from small sets so queries hit.
#[derive(Clone, Debug)]
struct Block {
    step: u8,
    events: Vec<(u8, u8, Vec<u8>, u8, u8)>,
}

impl Arbitrary for Block {
    fn arbitrary(g: &mut Gen) -> Self {
        let n = usize::arbitrary(g) % 6;
        Block {
            step: u8::arbitrary(g) % 4,
            events: (0..n)
                .map(|_| {
                    let topics = (0..u8::arbitrary(g) % 5)
                        .map(|_| u8::arbitrary(g) % 3)
                        .collect();
                    (
                        u8::arbitrary(g) % 3,
                        u8::arbitrary(g) % 3,
                        topics,
                        u8::arbitrary(g),
                        u8::arbitrary(g) % 6,
                    )
                })
                .collect(),
        }
    }
}

fn topic(t: u8) -> [u8; 32] {
    [t + 1; 32]
}

fn contract(c: u8) -> Address {
    Address::repeat_byte(c + 0x10)
}

fn indexed(height: u64, block: &Block) -> Vec<IndexedEvent> {
    let mut per_tx = BTreeMap::<u8, u32>::new();
    let mut out: Vec<IndexedEvent> = block
        .events
        .iter()
        .map(|(tx, c, topics, data, ttl)| {
            let index = per_tx.entry(*tx).or_default();
            let e = IndexedEvent {
                position: EventPosition {
                    height,
                    tx: u32::from(*tx),
                    index: *index,
                },
                event: Event {
                    contract: contract(*c).0,
                    topics: topics.iter().map(|t| topic(*t)).collect(),
                    data: vec![*data; usize::from(*data % 7)],
                    ttl: u64::from(*ttl),
                },
            };
            *index += 1;
            e
        })
        .collect();
    out.sort_by_key(|e| e.position);
    out
}

/// What the index must hold: every event with a time-to-live that has not
/// expired at the last committed height.
#[derive(Default)]
struct Model(BTreeMap<EventPosition, Event>);

impl Model {
    fn commit(&mut self, height: u64, events: &[IndexedEvent]) {
        self.0
            .retain(|p, e| p.height != height && e.expiry(p.height) > height);
        for e in events.iter().filter(|e| e.event.ttl > 0) {
            self.0.insert(e.position, e.event.clone());
        }
    }

    fn query(&self, q: &EventQuery) -> Vec<IndexedEvent> {
        self.0
            .iter()
            .filter(|(p, e)| {
                (q.from..=q.to).contains(&p.height)
                    && q.after.is_none_or(|a| **p > a)
                    && q.contract.is_none_or(|c| c.0 == e.contract)
                    && q.topic.is_none_or(|t| e.topics.contains(&t))
            })
            .take(q.limit)
            .map(|(p, e)| IndexedEvent {
                position: *p,
                event: e.clone(),
            })
            .collect()
    }
}

fn commit<K: KvStore>(db: &StateDb<K>, height: u64, events: &[IndexedEvent]) {
    let s = db.begin().unwrap();
    let record = BlockRecord {
        height,
        time: height,
        receipts_root: svm_trie::EMPTY_ROOT,
        receipts: 0,
    };
    s.commit_block(record, svm_trie::NodeSet::new(), events)
        .unwrap();
}

/// Every query shape: each contract and topic alone and together, height
/// windows, a continued listing, small limits.
fn check<K: KvStore>(db: &StateDb<K>, model: &Model, top: u64) -> bool {
    let mut queries = Vec::new();
    for c in [None, Some(0), Some(2)] {
        for t in [None, Some(0), Some(1)] {
            for (from, to) in [(0, u64::MAX), (top.saturating_sub(2), top), (1, 1)] {
                for limit in [1_000, 2] {
                    queries.push(EventQuery {
                        contract: c.map(contract),
                        topic: t.map(topic),
                        from,
                        to,
                        after: None,
                        limit,
                    });
                }
            }
        }
    }
    for q in &mut queries {
        let want = model.query(q);
        if db.events(q).unwrap() != want {
            eprintln!("{q:?}");
            return false;
        }
        // Continue after the first answer's last: the rest.
        if let Some(last) = want.last() {
            q.after = Some(last.position);
            if db.events(q).unwrap() != model.query(q) {
                eprintln!("continued: {q:?}");
                return false;
            }
        }
    }
    true
}

fn run<K: KvStore>(open: impl Fn() -> StateDb<K>, blocks: Vec<Block>) -> bool {
    let mut db = open();
    let mut model = Model::default();
    let mut height = 0u64;
    for b in blocks {
        height += u64::from(b.step);
        let events = indexed(height, &b);
        commit(&db, height, &events);
        model.commit(height, &events);
        if !check(&db, &model, height) {
            return false;
        }
        drop(db);
        db = open();
    }
    true
}

#[test]
fn the_index_answers_as_the_model_does() {
    fn prop(blocks: Vec<Block>) -> bool {
        let kv = std::sync::Arc::new(MemoryKv::new());
        run(
            || StateDb::open(kv.clone(), &StateConfig::default()).unwrap(),
            blocks,
        )
    }
    QuickCheck::new()
        .tests(300)
        .quickcheck(prop as fn(Vec<Block>) -> bool);
}

#[test]
fn expiry_survives_reopening_rocksdb() {
    fn prop(blocks: Vec<Block>) -> bool {
        let dir = tempfile::tempdir().unwrap();
        run(
            || StateDb::open_rocks(dir.path(), &StateConfig::default()).unwrap(),
            blocks,
        )
    }
    QuickCheck::new()
        .tests(25)
        .quickcheck(prop as fn(Vec<Block>) -> bool);
}

#[test]
fn an_event_lives_exactly_its_time_to_live() {
    let db = StateDb::open(MemoryKv::new(), &StateConfig::default()).unwrap();
    let event = |ttl| IndexedEvent {
        position: EventPosition {
            height: 10,
            tx: 0,
            index: ttl as u32,
        },
        event: Event {
            contract: [1; 20],
            topics: vec![[7; 32]],
            data: vec![],
            ttl,
        },
    };
    commit(&db, 10, &[event(0), event(1), event(3)]);
    let all = EventQuery {
        contract: None,
        topic: Some([7; 32]),
        from: 0,
        to: u64::MAX,
        after: None,
        limit: 10,
    };
    let ttls = |db: &StateDb<MemoryKv>| -> Vec<u64> {
        db.events(&all)
            .unwrap()
            .iter()
            .map(|e| e.event.ttl)
            .collect()
    };
    assert_eq!(ttls(&db), [1, 3], "time-to-live 0 is never indexed");
    commit(&db, 11, &[]);
    assert_eq!(ttls(&db), [3], "ttl 1: kept through its own block only");
    commit(&db, 12, &[]);
    assert_eq!(ttls(&db), [3]);
    commit(&db, 13, &[]);
    assert_eq!(ttls(&db), Vec::<u64>::new());
    // Nothing of the index is left behind.
    assert!(
        db.kv()
            .iter_prefix(svm_state::kv::Column::Meta, b"ev")
            .unwrap()
            .is_empty()
    );
}
