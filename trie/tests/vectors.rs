//! Ethereum's trie test vectors (ethereum/tests `TrieTests`, MIT licence; see
//! `tests/data/LICENSE-NOTE.md`), applied one update at a time and as one batch.

use serde_json::Value;
use svm_trie::{H256, MemoryStore, TrieMut, hash};

fn load(name: &str) -> serde_json::Map<String, Value> {
    let path = format!("{}/tests/data/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    match serde_json::from_str(&text).expect("vector file is JSON") {
        Value::Object(m) => m,
        _ => panic!("{name}: not an object"),
    }
}

fn bytes(v: &Value, hex_encoded: bool) -> Option<Vec<u8>> {
    let s = v.as_str()?;
    Some(match s.strip_prefix("0x") {
        Some(h) => hex::decode(h).expect("hex"),
        None if hex_encoded => hex::decode(s).expect("hex"),
        None => s.as_bytes().to_vec(),
    })
}

fn updates(input: &Value, hex_encoded: bool, secure: bool) -> Vec<(Vec<u8>, Vec<u8>)> {
    let pairs: Vec<(Value, Value)> = match input {
        Value::Array(a) => a.iter().map(|p| (p[0].clone(), p[1].clone())).collect(),
        Value::Object(o) => o
            .iter()
            .map(|(k, v)| (Value::String(k.clone()), v.clone()))
            .collect(),
        _ => panic!("bad input"),
    };
    pairs
        .into_iter()
        .map(|(k, v)| {
            let mut key = bytes(&k, hex_encoded).expect("key");
            if secure {
                key = hash(&key).as_bytes().to_vec();
            }
            (key, bytes(&v, hex_encoded).unwrap_or_default())
        })
        .collect()
}

fn root_hex(v: &Value) -> H256 {
    let s = v.as_str().expect("root");
    H256::from_slice(&hex::decode(s.trim_start_matches("0x")).expect("hex"))
}

/// Runs every case of a file three ways: key by key with a commit after each,
/// key by key with one commit, and as one batch; all must give the root.
fn run(name: &str, secure: bool) -> usize {
    let cases = load(name);
    for (case, body) in &cases {
        let hex_encoded = body
            .get("hexEncoded")
            .and_then(Value::as_bool)
            .unwrap_or(false);
        let ups = updates(&body["in"], hex_encoded, secure);
        let want = root_hex(&body["root"]);

        let mut store = MemoryStore::new();
        let mut root = svm_trie::EMPTY_ROOT;
        for (k, v) in &ups {
            let mut t = TrieMut::open(&store, root).expect("open committed root");
            t.insert(k, v).unwrap();
            let c = t.commit().unwrap();
            drop(t);
            store.insert_all(&c.nodes);
            root = c.root;
        }
        assert_eq!(root, want, "{name}/{case}: reopened after every update");

        let mut t = TrieMut::new(MemoryStore::new());
        for (k, v) in &ups {
            t.insert(k, v).unwrap();
        }
        assert_eq!(t.commit().unwrap().root, want, "{name}/{case}: one commit");

        let mut t = TrieMut::new(MemoryStore::new());
        t.apply(ups.iter().map(|(k, v)| (k, v))).unwrap();
        assert_eq!(t.commit().unwrap().root, want, "{name}/{case}: one batch");
    }
    cases.len()
}

#[test]
fn trietest() {
    assert_eq!(run("trietest.json", false), 5);
}

#[test]
fn trietest_secure() {
    assert_eq!(run("trietest_secureTrie.json", true), 3);
}

#[test]
fn trieanyorder() {
    assert_eq!(run("trieanyorder.json", false), 7);
}

#[test]
fn trieanyorder_secure() {
    assert_eq!(run("trieanyorder_secureTrie.json", true), 7);
}

#[test]
fn hex_encoded_secure() {
    assert_eq!(run("hex_encoded_securetrie_test.json", true), 3);
}

/// `[key, prev, next]`: the largest key before `key` must be `prev`, the
/// smallest key after it `next`.
#[test]
fn next_prev() {
    let cases = load("trietestnextprev.json");
    for (case, body) in &cases {
        let keys: Vec<Vec<u8>> = body["in"]
            .as_array()
            .unwrap()
            .iter()
            .map(|k| bytes(k, false).unwrap())
            .collect();
        let mut t = TrieMut::new(MemoryStore::new());
        t.apply(keys.iter().map(|k| (k, k))).unwrap();
        let c = t.commit().unwrap();
        let mut store = MemoryStore::new();
        store.insert_all(&c.nodes);
        let reopened = TrieMut::open(&store, c.root).unwrap();
        for test in body["tests"].as_array().unwrap() {
            let key = bytes(&test[0], false).unwrap();
            let prev = bytes(&test[1], false).unwrap();
            let next = bytes(&test[2], false).unwrap();
            let mut succ = key.clone();
            succ.push(0);
            for trie in [&t as &dyn NextKey, &reopened] {
                let got = trie.next_key(&succ);
                assert_eq!(got.unwrap_or_default(), next, "{case}: next after {key:?}");
                let got = trie.prev_key(&key);
                assert_eq!(got.unwrap_or_default(), prev, "{case}: prev before {key:?}");
            }
        }
    }
}

trait NextKey {
    fn next_key(&self, from: &[u8]) -> Option<Vec<u8>>;
    fn prev_key(&self, before: &[u8]) -> Option<Vec<u8>>;
}

impl<S: svm_trie::NodeStore> NextKey for TrieMut<S> {
    fn next_key(&self, from: &[u8]) -> Option<Vec<u8>> {
        self.iter_from(from).next().map(|r| r.unwrap().0)
    }

    fn prev_key(&self, before: &[u8]) -> Option<Vec<u8>> {
        self.iter_back_from(Some(before))
            .map(|r| r.unwrap().0)
            .find(|k| k.as_slice() != before)
    }
}
