//! The key-length limit: the deepest trie it allows works end to end on an
//! ordinary 2 MiB thread stack, and longer keys are refused without change.

use svm_trie::proof::{self, ProofError, RangeProof};
use svm_trie::{MAX_KEY_LEN, MemoryStore, TrieError, TrieMut};

/// Keys `a`, `aa`, … each a prefix of the next: two trie levels per byte.
fn chain(n: usize) -> Vec<(Vec<u8>, Vec<u8>)> {
    (1..=n)
        .map(|i| (vec![b'a'; i], vec![i as u8; 40]))
        .collect()
}

#[test]
fn deepest_trie_works_end_to_end() {
    // Run on a thread with the default 2 MiB stack, as rayon's workers have.
    std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(|| {
            let keys = chain(MAX_KEY_LEN);
            let mut t = TrieMut::new(MemoryStore::new());
            t.apply(keys.iter().map(|(k, v)| (k, v))).unwrap();
            let c = t.commit().unwrap();
            let mut store = MemoryStore::new();
            store.insert_all(&c.nodes);
            let mut t = TrieMut::open(&store, c.root).unwrap();
            let deepest = vec![b'a'; MAX_KEY_LEN];
            assert_eq!(t.get(&deepest).unwrap(), Some(vec![MAX_KEY_LEN as u8; 40]));
            t.remove(&[b'a'; MAX_KEY_LEN / 2]).unwrap();
            t.insert(&deepest, b"new").unwrap();
            let c2 = t.commit().unwrap();
            assert_eq!(t.iter().count(), MAX_KEY_LEN - 1);
            assert_eq!(t.iter_back_from(None).count(), MAX_KEY_LEN - 1);
            let p = proof::prove(&store, c.root, &deepest).unwrap();
            assert!(proof::verify(c.root, &deepest, &p.nodes).unwrap().is_some());
            let r = proof::prove_range(&store, c.root, b"", None, MAX_KEY_LEN).unwrap();
            proof::verify_range(c.root, &r).unwrap();
            drop(t);
            assert_ne!(c.root, c2.root);
        })
        .unwrap()
        .join()
        .unwrap();
}

#[test]
fn longer_keys_are_refused_without_change() {
    let mut t = TrieMut::new(MemoryStore::new());
    t.insert(b"k", b"v").unwrap();
    let root = t.commit().unwrap().root;
    let long = vec![7u8; MAX_KEY_LEN + 1];
    assert!(matches!(t.insert(&long, b"v"), Err(TrieError::KeyTooLong(n)) if n == MAX_KEY_LEN + 1));
    let batch = vec![
        (b"other".to_vec(), b"v".to_vec()),
        (long.clone(), b"v".to_vec()),
    ];
    assert!(matches!(t.apply(batch), Err(TrieError::KeyTooLong(_))));
    // Refused before any change: the trie is clean, usable and unchanged.
    assert!(!t.is_dirty());
    assert_eq!(t.get(b"other").unwrap(), None);
    assert_eq!(t.commit().unwrap().root, root);
    assert!(svm_trie::root_of([(long.clone(), vec![1])]).is_err());

    let store = MemoryStore::new();
    assert!(matches!(
        proof::prove_range(&store, root, &long, None, 10),
        Err(TrieError::KeyTooLong(_))
    ));
    let bad = RangeProof {
        start: vec![0; 1 << 20],
        end: None,
        entries: vec![],
        nodes: vec![],
    };
    assert_eq!(
        proof::verify_range(root, &bad),
        Err(ProofError::KeyTooLong(1 << 20))
    );
}
