//! Complete ranges of sorted sets proven from the database: a top-level
//! sorted set and sorted sets nested in a map, changed over several commits
//! on RocksDB; at every committed root random ranges are proven by
//! svm-proofs and verified by svm-verify (from their binary form too) to
//! exactly the model's members in the range; every dropped, spoiled or
//! extra node, and a proof offered for another range, fails. Element
//! multiproofs on the same roots agree with one element proof per element
//! (binary and JSON too); a dropped node or a repeated request fails.

use std::collections::{BTreeMap, BTreeSet};

use svm_proofs::verify::{ElementRequest, RangeProof, VerifyError, binary};
use svm_proofs::{prove_element, prove_elements, prove_range};
use svm_state::code::module_declaring;
use svm_state::layout::{Kind, Layout};
use svm_state::structure::{Element, PathKey, Structure};
use svm_state::{Address, StateConfig, StateDb, StructurePath};
use svm_tests::Rng;

const C: Address = Address::repeat_byte(0x5d);
const SORTED: u32 = 0;
const NESTED: u32 = 1;

fn layout() -> Layout {
    let sorted = Element::Structure(Box::new(Structure::SortedSet));
    Layout::with_kinds(
        4096,
        &[
            Kind::Structure(Structure::SortedSet),
            Kind::Structure(Structure::Map(sorted)),
        ],
    )
    .unwrap()
}

/// A member: short, over a small alphabet, so ranges and prefixes meet.
fn member(rng: &mut Rng) -> Vec<u8> {
    let len = rng.below(5);
    (0..len)
        .map(|_| [0x00, 0x01, 0x10, 0x7f, 0xff][rng.below(5)])
        .collect()
}

type Members = BTreeSet<Vec<u8>>;

#[derive(Clone, Default)]
struct Model {
    sorted: BTreeSet<Vec<u8>>,
    nested: BTreeMap<Vec<u8>, BTreeSet<Vec<u8>>>,
}

/// Every way of spoiling a proof's range nodes fails to verify.
fn spoiled_fail(p: &RangeProof, root: &[u8; 32]) {
    for i in 0..p.nodes.len() {
        let mut q = p.clone();
        q.nodes.remove(i);
        assert!(q.verify(root, None).is_err(), "node {i} dropped");
        let mut q = p.clone();
        let j = (i * 7) % q.nodes[i].len();
        q.nodes[i][j] ^= 0x20;
        assert!(q.verify(root, None).is_err(), "node {i} spoiled");
        let mut q = p.clone();
        q.nodes.push(p.nodes[i].clone());
        assert!(q.verify(root, None).is_err(), "node {i} twice");
    }
}

#[test]
fn sorted_set_ranges_are_provable_at_every_committed_root() {
    let dir = tempfile::tempdir().unwrap();
    let db = StateDb::open_rocks(dir.path(), &StateConfig::default()).unwrap();
    let mut s = db.begin().unwrap();
    s.create_contract(&C, &module_declaring(&layout()), 0u64.into())
        .unwrap();
    s.commit().unwrap();
    let mut rng = Rng::new(11);
    let mut model = Model::default();
    let mut roots = Vec::new();
    let sorted = StructurePath::variable(SORTED);
    let nested = StructurePath::variable(NESTED);
    for _ in 0..5 {
        let mut s = db.begin().unwrap();
        for _ in 0..60 {
            let m = member(&mut rng);
            let key = vec![rng.below(3) as u8];
            match rng.below(5) {
                0 | 1 => {
                    s.insert(&C, &sorted, &m).unwrap();
                    model.sorted.insert(m);
                }
                2 => {
                    s.remove(&C, &sorted, &m).unwrap();
                    model.sorted.remove(&m);
                }
                3 => {
                    s.insert(&C, &nested.child(PathKey::Key(key.clone())), &m)
                        .unwrap();
                    model.nested.entry(key).or_default().insert(m);
                }
                _ => {
                    s.remove(&C, &nested.child(PathKey::Key(key.clone())), &m)
                        .unwrap();
                    if let Some(set) = model.nested.get_mut(&key) {
                        set.remove(&m);
                        if set.is_empty() {
                            model.nested.remove(&key);
                        }
                    }
                }
            }
        }
        let root = s.commit().unwrap().head.root;
        roots.push((root, model.clone()));
    }
    let mut proven = 0;
    for (root, m) in &roots {
        let empty = BTreeSet::new();
        let mut questions: Vec<(u32, Vec<PathKey>, &Members)> = vec![(SORTED, vec![], &m.sorted)];
        for k in 0..4u8 {
            let set = m.nested.get(&vec![k]).unwrap_or(&empty);
            questions.push((NESTED, vec![PathKey::Key(vec![k])], set));
        }
        for (var, path, set) in questions {
            for round in 0..6 {
                let (a, b) = (member(&mut rng), member(&mut rng));
                let (from, to) = if a <= b { (a, b) } else { (b, a) };
                let with_code = round % 2 == 0;
                let (p, got) =
                    prove_range(&db, *root, &C, var, &path, (&from, &to), with_code).unwrap();
                let want: Vec<Vec<u8>> = set.range(from.clone()..=to.clone()).cloned().collect();
                assert_eq!(got.members, want, "{var} {path:?} [{from:02x?}, {to:02x?}]");
                assert_eq!(got.len, set.len() as u64);
                if with_code {
                    let q = binary::decode_range(&binary::encode_range(&p)).unwrap();
                    assert_eq!(
                        q.verify_for(&root.0, &C.0, var, &path, (&from, &to), None)
                            .unwrap(),
                        got
                    );
                    if round == 0 {
                        spoiled_fail(&p, &root.0);
                    }
                    // Offered for a wider range, it fails or proves the
                    // truth about that range (its nodes may cover it).
                    let mut wider = p.clone();
                    wider.to.push(0x00);
                    if let Ok(w) = wider.verify(&root.0, None) {
                        let want: Vec<Vec<u8>> = set
                            .range(from.clone()..=wider.to.clone())
                            .cloned()
                            .collect();
                        assert_eq!(w.members, want);
                    }
                    assert!(matches!(
                        p.verify_for(&root.0, &C.0, var, &path, (&from, &wider.to), None),
                        Err(VerifyError::WrongQuestion(_))
                    ));
                }
                proven += 1;
            }
        }
    }
    assert!(proven >= 150);
    // Element multiproofs over the same roots: each element as its own
    // proof says, every node once.
    for (root, m) in &roots {
        let mut requests = Vec::new();
        for member in m.sorted.iter().take(3).cloned().chain([vec![0x42]]) {
            requests.push(ElementRequest {
                address: C.0,
                variable: SORTED,
                path: vec![PathKey::Key(member)],
            });
        }
        for k in 0..4u8 {
            let first = m
                .nested
                .get(&vec![k])
                .and_then(|s| s.iter().next().cloned());
            requests.push(ElementRequest {
                address: C.0,
                variable: NESTED,
                path: vec![PathKey::Key(vec![k])],
            });
            requests.push(ElementRequest {
                address: C.0,
                variable: NESTED,
                path: vec![
                    PathKey::Key(vec![k]),
                    PathKey::Key(first.unwrap_or_default()),
                ],
            });
        }
        requests.push(ElementRequest {
            address: [0x77; 20],
            variable: SORTED,
            path: vec![PathKey::Key(vec![1])],
        });
        for with_code in [true, false] {
            let (p, got) = prove_elements(&db, *root, &requests, with_code).unwrap();
            assert_eq!(got.len(), requests.len());
            for (r, g) in requests.iter().zip(&got) {
                let (_, single) = prove_element(
                    &db,
                    *root,
                    &Address::from(r.address),
                    r.variable,
                    &r.path,
                    true,
                )
                .unwrap();
                assert_eq!(*g, single);
            }
            let layouts: BTreeMap<[u8; 20], _> = if with_code {
                BTreeMap::new()
            } else {
                [(C.0, layout())].into_iter().collect()
            };
            let q = binary::decode_elements(&binary::encode_elements(&p)).unwrap();
            assert_eq!(q.verify(&root.0, &layouts).unwrap(), got);
            let doc = svm_proofs::json::elements_to_json(&p, &got);
            assert_eq!(
                svm_proofs::json::verify_elements_json(&doc, Some(&root.0), &layouts).unwrap(),
                got
            );
            for i in 0..p.nodes.len() {
                let mut q = p.clone();
                q.nodes.remove(i);
                assert!(q.verify(&root.0, &layouts).is_err(), "node {i} dropped");
            }
            let mut twice = p.clone();
            twice.requests.push(twice.requests[0].clone());
            assert_eq!(
                twice.verify(&root.0, &layouts),
                Err(VerifyError::DuplicateRequest)
            );
        }
    }
    // A range of something not a sorted set is the asker's error.
    let (root, _) = roots[0];
    assert!(prove_range(&db, root, &C, NESTED, &[], (b"a", b"b"), true).is_err());
    // The whole set: from the empty member to the largest.
    let (root, m) = roots.last().unwrap();
    let (_, got) = prove_range(&db, *root, &C, SORTED, &[], (&[], &[0xff; 64]), false).unwrap();
    assert_eq!(got.members, m.sorted.iter().cloned().collect::<Vec<_>>());
}
