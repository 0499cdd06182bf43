//! Over random states: every variable proof, exclusion proof and multiproof
//! verifies to the model's value; any single-byte change, dropped or
//! reordered node, wrong root, address or variable fails with an error,
//! never a wrong value and never a panic. Account proofs also pass
//! alloy-trie's Ethereum verifier.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};

use alloy_primitives::{B256, Bytes};
use alloy_trie::Nibbles;
use primitive_types::H256;
use quickcheck::{Arbitrary, Gen, QuickCheck};
use svm_proofs::verify::binary;
use svm_proofs::verify::layout::Layout;
use svm_proofs::{ProveError, json, prove_many, prove_variable};
use svm_state::kv::MemoryKv;
use svm_state::{Address, StateConfig, StateDb};
use svm_verify::{Request, VariableProof, VerifyError, world_key};

/// A random state: contracts with random layouts and random writes, plain
/// accounts, all committed at once.
#[derive(Clone, Debug)]
struct State {
    contracts: Vec<(u32, Vec<u32>)>,
    writes: Vec<(usize, usize, u8)>,
    plain: usize,
}

impl Arbitrary for State {
    fn arbitrary(g: &mut Gen) -> Self {
        let contracts = (0..1 + usize::arbitrary(g) % 3)
            .map(|_| {
                let page = *g.choose(&[32u32, 64, 4096]).unwrap();
                let sizes = (0..1 + usize::arbitrary(g) % 12)
                    .map(|_| match u8::arbitrary(g) % 8 {
                        0 => 70 + u32::arbitrary(g) % 100, // may span pages
                        _ => 1 + u32::arbitrary(g) % 32,
                    })
                    .collect();
                (page, sizes)
            })
            .collect();
        let writes = (0..usize::arbitrary(g) % 20)
            .map(|_| (usize::arbitrary(g), usize::arbitrary(g), u8::arbitrary(g)))
            .collect();
        State {
            contracts,
            writes,
            plain: usize::arbitrary(g) % 4,
        }
    }
}

type Model = BTreeMap<(Address, u32), Vec<u8>>;

fn contract_address(i: usize) -> Address {
    Address::from_low_u64_be(0xc000 + i as u64)
}

/// Builds the state; returns the database, its root, the contracts with
/// their layouts, and every variable's value.
fn build(s: &State) -> (StateDb<MemoryKv>, H256, Vec<(Address, Layout)>, Model) {
    let db = StateDb::open(MemoryKv::new(), &StateConfig::default()).unwrap();
    let mut session = db.begin().unwrap();
    let mut contracts = Vec::new();
    let mut model = Model::new();
    for (i, (page, sizes)) in s.contracts.iter().enumerate() {
        let layout = Layout::new(*page, sizes).unwrap();
        let code = svm_state::code::module_declaring(&layout);
        let a = contract_address(i);
        session
            .create_contract(&a, &code, (i as u64).into())
            .unwrap();
        for (v, size) in sizes.iter().enumerate() {
            model.insert((a, v as u32), vec![0; *size as usize]);
        }
        contracts.push((a, layout));
    }
    for &(c, v, byte) in &s.writes {
        let (a, layout) = &contracts[c % contracts.len()];
        let v = (v % layout.len()) as u32;
        let value: Vec<u8> = (0..layout.placement(v as usize).unwrap().len)
            .map(|i| byte.wrapping_add(i as u8) & 0xf3)
            .collect();
        session.write_variable(a, v, &value).unwrap();
        model.insert((*a, v), value);
    }
    for i in 0..s.plain {
        session
            .create_account(&Address::from_low_u64_be(0xa000 + i as u64), 7u64.into())
            .unwrap();
    }
    let root = session.commit().unwrap().head.root;
    (db, root, contracts, model)
}

/// The account's RLP (as the world trie holds it) from a proof.
fn account_rlp(root: &H256, p: &VariableProof) -> Option<Vec<u8>> {
    svm_verify::mpt::verify(&root.0, &world_key(&p.address), &p.account).unwrap()
}

static ALLOY_CHECKED: AtomicUsize = AtomicUsize::new(0);
static SPOILED_DECODED: AtomicUsize = AtomicUsize::new(0);

fn alloy_accepts(root: &H256, p: &VariableProof) {
    ALLOY_CHECKED.fetch_add(1, Ordering::Relaxed);
    let nodes: Vec<Bytes> = p.account.iter().map(|n| Bytes::from(n.clone())).collect();
    alloy_trie::proof::verify_proof(
        B256::from(root.0),
        Nibbles::unpack(world_key(&p.address)),
        account_rlp(root, p),
        &nodes,
    )
    .expect("alloy-trie accepts the account proof");
}

/// Every single-byte change of the binary proof fails (checks `limit`
/// positions spread over the proof).
fn every_changed_byte_fails(
    bytes: &[u8],
    root: &H256,
    question: (&Address, u32),
    layout: Option<&Layout>,
    limit: usize,
) {
    let step = (bytes.len() / limit).max(1);
    for at in (0..bytes.len()).step_by(step) {
        for flip in [0x01, 0x80] {
            let mut spoiled = bytes.to_vec();
            spoiled[at] ^= flip;
            if let Ok(p) = binary::decode_variable(&spoiled) {
                SPOILED_DECODED.fetch_add(1, Ordering::Relaxed);
                let r = p.verify_for(&root.0, &question.0.0, question.1, layout);
                assert!(r.is_err(), "byte {at} ^ {flip:#x} still verified: {r:?}");
            }
        }
    }
}

#[test]
fn variable_proofs_verify_and_spoiled_ones_fail() {
    fn prop(s: State, with_code: bool) -> bool {
        let (db, root, contracts, model) = build(&s);
        for ((a, v), value) in &model {
            let layout = &contracts.iter().find(|(c, _)| c == a).unwrap().1;
            let (p, proven) = prove_variable(&db, root, a, *v, with_code).unwrap();
            let given = (!with_code).then_some(layout);
            assert_eq!(proven.value.as_ref(), Some(value));
            let again = p.verify_for(&root.0, &a.0, *v, given).unwrap();
            assert_eq!(again, proven);
            // Both encodings round-trip.
            let bytes = binary::encode_variable(&p);
            assert_eq!(binary::decode_variable(&bytes).unwrap(), p);
            let j = json::variable_to_json(&p, &proven);
            assert_eq!(json::variable_from_json(&j).unwrap(), p);
            assert_eq!(
                json::verify_variable_json(&j, Some(&root.0), given).unwrap(),
                proven
            );
            if p.account.first().is_some_and(|n| n.len() >= 32) {
                alloy_accepts(&root, &p);
            }
            every_changed_byte_fails(&bytes, &root, (a, *v), given, 64);
            // Dropped and reordered nodes fail.
            for i in 0..p.account.len() {
                let mut q = p.clone();
                q.account.remove(i);
                assert!(q.verify(&root.0, given).is_err());
            }
            if p.account.len() >= 2 {
                let mut q = p.clone();
                q.account.swap(0, 1);
                assert!(q.verify(&root.0, given).is_err());
            }
            for (i, page) in p.pages.iter().enumerate() {
                if !page.nodes.is_empty() {
                    let mut q = p.clone();
                    q.pages[i].nodes.pop();
                    assert!(q.verify(&root.0, given).is_err());
                }
            }
            if p.pages.len() >= 2 {
                let mut q = p.clone();
                q.pages.swap(0, 1);
                assert!(q.verify(&root.0, given).is_err());
            }
            // A wrong root, address or variable fails.
            let mut wrong = root.0;
            wrong[0] ^= 1;
            assert!(p.verify(&wrong, given).is_err());
            let mut q = p.clone();
            q.root = wrong;
            assert!(q.verify(&wrong, given).is_err());
            assert!(p.verify_for(&root.0, &[9; 20], *v, given).is_err());
            assert!(p.verify_for(&root.0, &a.0, v + 1, given).is_err());
            // A wrong claim in the JSON is refused.
            let mut j = j.clone();
            j["variable"] = (v + 1).into();
            assert!(json::verify_variable_json(&j, Some(&root.0), given).is_err());
        }
        // Accounts that do not exist are proven absent.
        for i in [1u64, 2, 3] {
            let absent = Address::from_low_u64_be(0xdead_0000 + i);
            let (p, proven) = prove_variable(&db, root, &absent, 0, with_code).unwrap();
            assert_eq!((proven.account, proven.value), (None, None));
            assert!(p.pages.is_empty() && p.code.is_none());
            let j = json::variable_to_json(&p, &p.verify(&root.0, None).unwrap());
            assert_eq!(j["exists"], false);
            if p.account.first().is_some_and(|n| n.len() >= 32) {
                alloy_accepts(&root, &p);
            }
            // Carrying pages for an absent account is refused.
            let (contract_proof, _) = prove_variable(&db, root, &contracts[0].0, 0, true).unwrap();
            let mut q = p.clone();
            q.pages = contract_proof.pages;
            assert_eq!(q.verify(&root.0, None), Err(VerifyError::UnexpectedData));
        }
        // Plain accounts hold no variables.
        if s.plain > 0 {
            let plain = Address::from_low_u64_be(0xa000);
            assert!(matches!(
                prove_variable(&db, root, &plain, 0, true),
                Err(ProveError::NotAContract(_))
            ));
        }
        // The layout given must agree with the code.
        let (a, layout) = &contracts[0];
        let (p, _) = prove_variable(&db, root, a, 0, true).unwrap();
        // A layout that differs from the contract's (its page size with one
        // 7-byte variable, or, if that is the contract's, two).
        let mut other = Layout::new(layout.page_size(), &[7]).unwrap();
        if other == *layout {
            other = Layout::new(layout.page_size(), &[7, 7]).unwrap();
        }
        assert_eq!(
            p.verify(&root.0, Some(&other)),
            Err(VerifyError::LayoutMismatch)
        );
        let (mut p, _) = prove_variable(&db, root, a, 0, false).unwrap();
        assert_eq!(p.verify(&root.0, None), Err(VerifyError::NoLayout));
        // Code other than the contract's does not hash to its code hash.
        p.code = Some(svm_state::code::module_declaring(&other));
        assert_eq!(
            p.verify(&root.0, Some(layout)),
            Err(VerifyError::CodeHashMismatch)
        );
        true
    }
    QuickCheck::new()
        .tests(60)
        .quickcheck(prop as fn(State, bool) -> bool);
    // The checks above ran: alloy-trie saw account proofs, and spoiled
    // proofs that still decoded reached verification.
    assert!(ALLOY_CHECKED.load(Ordering::Relaxed) > 50);
    assert!(SPOILED_DECODED.load(Ordering::Relaxed) > 1000);
}

#[test]
fn multiproofs_verify_send_each_node_once_and_spoiled_ones_fail() {
    fn prop(s: State, with_code: bool, picks: Vec<u16>) -> bool {
        let (db, root, contracts, model) = build(&s);
        let all: Vec<(Address, u32)> = model.keys().copied().collect();
        let mut requests: Vec<Request> = picks
            .iter()
            .take(12)
            .map(|i| {
                let (a, v) = all[*i as usize % all.len()];
                Request {
                    address: a.0,
                    variable: v,
                }
            })
            .collect();
        requests.push(Request {
            address: [0xee; 20],
            variable: 3,
        });
        let (p, proven) = prove_many(&db, root, &requests, with_code).unwrap();
        let layouts: BTreeMap<[u8; 20], Layout> =
            contracts.iter().map(|(a, l)| (a.0, l.clone())).collect();
        let given = if with_code { BTreeMap::new() } else { layouts };
        assert_eq!(p.verify(&root.0, &given).unwrap(), proven);
        // Each variable once, in the order first asked.
        let mut distinct = requests.clone();
        let mut seen = std::collections::BTreeSet::new();
        distinct.retain(|r| seen.insert(*r));
        assert_eq!(p.requests, distinct);
        for (r, got) in p.requests.iter().zip(&proven) {
            let want = model.get(&(Address::from(r.address), r.variable));
            assert_eq!(got.value.as_ref(), want);
        }
        // A repeated request is refused, not verified again.
        let mut twice = p.clone();
        twice.requests.push(p.requests[0]);
        assert_eq!(
            twice.verify(&root.0, &given),
            Err(VerifyError::DuplicateRequest)
        );
        // Both encodings round-trip.
        let bytes = binary::encode_multi(&p);
        assert_eq!(binary::decode_multi(&bytes).unwrap(), p);
        let j = json::multi_to_json(&p);
        assert_eq!(json::multi_from_json(&j).unwrap(), p);
        // Never larger than the single proofs of the same variables.
        let singles: usize = requests
            .iter()
            .map(|r| {
                let (q, _) =
                    prove_variable(&db, root, &Address::from(r.address), r.variable, with_code)
                        .unwrap();
                binary::encode_variable(&q).len()
            })
            .sum();
        assert!(bytes.len() <= singles, "{} > {singles}", bytes.len());
        // Spoiled bytes fail (or change the question: then the requests differ).
        let step = (bytes.len() / 64).max(1);
        for at in (0..bytes.len()).step_by(step) {
            let mut spoiled = bytes.clone();
            spoiled[at] ^= 0x01;
            if let Ok(q) = binary::decode_multi(&spoiled)
                && let Ok(got) = q.verify(&root.0, &given)
            {
                assert_ne!(q.requests, p.requests, "byte {at} still verified");
                for (r, g) in q.requests.iter().zip(&got) {
                    let want = model.get(&(Address::from(r.address), r.variable));
                    assert_eq!(g.value.as_ref(), want, "a wrong value");
                }
            }
        }
        // A dropped node fails; a wrong root fails.
        if !p.account_nodes.is_empty() {
            let mut q = p.clone();
            q.account_nodes.pop();
            assert!(q.verify(&root.0, &given).is_err());
        }
        let mut wrong = root.0;
        wrong[5] ^= 1;
        assert!(p.verify(&wrong, &given).is_err());
        true
    }
    QuickCheck::new()
        .tests(60)
        .quickcheck(prop as fn(State, bool, Vec<u16>) -> bool);
}

#[test]
fn a_root_the_database_never_committed_is_an_error() {
    let (db, _, contracts, _) = build(&State {
        contracts: vec![(32, vec![8])],
        writes: vec![],
        plain: 0,
    });
    let r = prove_variable(&db, H256::repeat_byte(7), &contracts[0].0, 0, true);
    assert!(matches!(r, Err(ProveError::UnknownRoot(_))), "{r:?}");
}

#[test]
fn arbitrary_bytes_never_panic_the_decoders() {
    fn prop(bytes: Vec<u8>) -> bool {
        let mut framed = b"svmP\x01\x01".to_vec();
        framed.extend_from_slice(&bytes);
        let _ = binary::decode_variable(&framed).map(|p| p.verify(&p.root, None));
        framed[5] = 2;
        let _ = binary::decode_multi(&framed).map(|p| p.verify(&p.root, &BTreeMap::new()));
        true
    }
    QuickCheck::new()
        .tests(3000)
        .quickcheck(prop as fn(Vec<u8>) -> bool);
}
