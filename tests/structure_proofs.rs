//! Structures proven from the database: a contract's map of lists and
//! sorted set, written through sessions over several commits on RocksDB;
//! at every committed root, elements present and absent at depth 1 and 2
//! are proven by svm-proofs and verified by svm-verify (from their binary
//! form too) to exactly what that root held.

use std::collections::{BTreeMap, BTreeSet};

use svm_proofs::prove_element;
use svm_proofs::verify::{ElementValue, binary};
use svm_state::code::module_declaring;
use svm_state::layout::{Kind, Layout};
use svm_state::structure::{Element, PathKey, Structure};
use svm_state::{Address, StateConfig, StateDb, StructurePath};
use svm_tests::Rng;

const C: Address = Address::repeat_byte(0x5c);
const MAP: u32 = 1;
const SORTED: u32 = 2;

fn layout() -> Layout {
    let list = Element::Structure(Box::new(Structure::List(Element::Bytes)));
    Layout::with_kinds(
        4096,
        &[
            Kind::Bytes(8),
            Kind::Structure(Structure::Map(list)),
            Kind::Structure(Structure::SortedSet),
        ],
    )
    .unwrap()
}

#[derive(Clone, Default)]
struct Model {
    map: BTreeMap<Vec<u8>, Vec<Vec<u8>>>,
    sorted: BTreeSet<Vec<u8>>,
}

#[test]
fn elements_are_provable_at_every_committed_root() {
    let dir = tempfile::tempdir().unwrap();
    let db = StateDb::open_rocks(dir.path(), &StateConfig::default()).unwrap();
    let mut s = db.begin().unwrap();
    s.create_contract(&C, &module_declaring(&layout()), 0u64.into())
        .unwrap();
    s.commit().unwrap();
    let mut rng = Rng::new(5);
    let mut model = Model::default();
    let mut roots = Vec::new();
    let map = StructurePath::variable(MAP);
    let sorted = StructurePath::variable(SORTED);
    for _ in 0..6 {
        let mut s = db.begin().unwrap();
        for _ in 0..40 {
            let key = vec![rng.below(6) as u8];
            let value = vec![rng.below(256) as u8; rng.below(50)];
            match rng.below(4) {
                0 | 1 => {
                    s.push(&C, &map.child(PathKey::Key(key.clone())), &value)
                        .unwrap();
                    model.map.entry(key).or_default().push(value);
                }
                2 => {
                    s.remove(&C, &map, &key).unwrap();
                    model.map.remove(&key);
                }
                _ => {
                    s.insert(&C, &sorted, &value[..value.len().min(8)]).unwrap();
                    model.sorted.insert(value[..value.len().min(8)].to_vec());
                }
            }
        }
        let root = s.commit().unwrap().head.root;
        roots.push((root, model.clone()));
    }
    // Reopened: every root still answers, each as it was.
    drop(db);
    let db = StateDb::open_rocks(dir.path(), &StateConfig::default()).unwrap();
    let mut proven = 0;
    for (root, m) in &roots {
        for k in 0..7u8 {
            let key = PathKey::Key(vec![k]);
            let list = m.map.get(&vec![k]);
            let mut questions = vec![(MAP, vec![key.clone()], list.map(|l| l.len() as u64), None)];
            for i in 0..4u32 {
                let want = list.and_then(|l| l.get(i as usize)).cloned();
                questions.push((MAP, vec![key.clone(), PathKey::Index(i)], None, want));
            }
            for (var, path, want_len, want_bytes) in questions {
                for with_code in [true, false] {
                    let (p, got) = prove_element(&db, *root, &C, var, &path, with_code).unwrap();
                    match (&got.element, want_len, &want_bytes) {
                        (Some(ElementValue::Structure(h)), Some(len), _) => assert_eq!(h.len, len),
                        (Some(ElementValue::Bytes(b)), None, Some(w)) => assert_eq!(b, w),
                        (None, None, None) => {}
                        other => panic!("{path:?} at {root:#x}: {other:?}"),
                    }
                    if with_code {
                        let bytes = binary::encode_element(&p);
                        let q = binary::decode_element(&bytes).unwrap();
                        assert_eq!(q.verify_for(&root.0, &C.0, var, &path, None).unwrap(), got);
                    }
                    proven += 1;
                }
            }
        }
        let members: Vec<Vec<u8>> = m.sorted.iter().take(5).cloned().collect();
        for member in members.into_iter().chain([vec![0xee; 9]]) {
            let path = [PathKey::Key(member.clone())];
            let (_, got) = prove_element(&db, *root, &C, SORTED, &path, true).unwrap();
            let want = m.sorted.contains(&member).then_some(ElementValue::Member);
            assert_eq!(got.element, want);
        }
        // The view of the root agrees with the model too.
        let view = db.at(*root).unwrap();
        assert_eq!(
            view.structure_len(&C, &StructurePath::variable(MAP))
                .unwrap(),
            m.map.len() as u64
        );
        assert_eq!(db.check(*root).unwrap().structures as usize, {
            usize::from(!m.map.is_empty()) + m.map.len() + usize::from(!m.sorted.is_empty())
        });
    }
    assert!(proven > 300);
    // Paths that do not fit the layout are the asker's error.
    let (root, _) = roots[0];
    let deep = [PathKey::Key(vec![1]), PathKey::Index(0), PathKey::Index(0)];
    assert!(matches!(
        prove_element(&db, root, &C, MAP, &deep, true),
        Err(svm_proofs::ProveError::BadPath { .. })
    ));
    assert!(prove_element(&db, root, &C, 0, &deep[..1], true).is_err());
}
