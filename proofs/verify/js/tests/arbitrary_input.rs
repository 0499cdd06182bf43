//! Whatever a page passes — any kind name, proof bytes, root text and
//! options text — `verify` answers or refuses with a message; it never
//! panics (a panic in WebAssembly would abort the page's verifier).

use quickcheck::{QuickCheck, TestResult};

const KINDS: [&str; 9] = [
    "variable", "multi", "element", "elements", "range", "receipt", "any", "", "Variable",
];

fn prop(kind: u8, proof: Vec<u8>, root: String, options: String, magic: bool) -> TestResult {
    let kind = KINDS[usize::from(kind) % KINDS.len()];
    // Half the proofs start like a binary proof, so the decoders get them.
    let proof = if magic {
        let mut p = b"svmP\x01".to_vec();
        p.push(proof.first().copied().unwrap_or(1) % 8);
        p.extend_from_slice(&proof);
        p
    } else {
        proof
    };
    match svm_verify_js::verify(kind, &proof, &root, &options) {
        Ok(_) => TestResult::passed(),
        Err(why) => TestResult::from_bool(!why.is_empty()),
    }
}

#[test]
fn arbitrary_input_never_panics() {
    QuickCheck::new()
        .tests(3000)
        .quickcheck(prop as fn(u8, Vec<u8>, String, String, bool) -> TestResult);
}

#[test]
fn a_trusted_root_must_be_32_bytes_of_hex() {
    let none = svm_verify_js::verify("variable", b"svmP", "0x12", "").unwrap_err();
    assert_eq!(none, "root: 1 bytes, not 32");
    let bad = svm_verify_js::verify("variable", b"svmP", "0xzz", "").unwrap_err();
    assert!(bad.starts_with("root: not hex"), "{bad}");
}

#[test]
fn options_are_checked_before_the_proof() {
    let root = format!("0x{}", "00".repeat(32));
    for (options, why) in [
        ("[1]", "options: not an object"),
        ("{\"variable\": 4294967296}", "variable: over 32 bits"),
        ("{\"contract\": \"0x12\"}", "contract: 1 bytes, not 20"),
        ("{\"path\": [true]}", "path: not a hex string"),
        ("{\"layout\": \"0x00\"}", "layout: "),
        ("{\"nonsense\": 1}", "options: unknown field \"nonsense\""),
    ] {
        let got = svm_verify_js::verify("any", b"{}", &root, options).unwrap_err();
        assert!(got.starts_with(why), "{options}: {got}");
    }
    let kind = svm_verify_js::verify("proof", b"{}", &root, "").unwrap_err();
    assert!(
        kind.starts_with("unknown kind of proof \"proof\""),
        "{kind}"
    );
}
