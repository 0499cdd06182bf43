//! The C API's binary forms (docs/FORMATS.md, "C API encodings"), all RLP:
//! transactions and blocks in; receipts, block results, element paths out
//! and in. Decoding accepts only canonical RLP and checks every length.

use primitive_types::{H256, U256};
use svm_format::rlp::{self, Item, RlpError};
use svm_state::Address;
use svm_state::structure::PathKey;
use svm_vm::{Arg, BlockResult, Call, Deploy, Receipt, Spawn, Template, Tx};

use crate::status::FfiError;

/// The kind tag of a deploy transaction.
pub const SVM_TX_DEPLOY: u8 = 0;
/// The kind tag of a call transaction.
pub const SVM_TX_CALL: u8 = 1;
/// The kind tag of a template transaction.
pub const SVM_TX_TEMPLATE: u8 = 2;
/// The kind tag of a spawn transaction.
pub const SVM_TX_SPAWN: u8 = 3;

/// The tag of a list-index step of an element path.
const STEP_INDEX: u64 = 0;
/// The tag of a key step (map key, set member).
const STEP_KEY: u64 = 1;

fn bad(what: &str, e: RlpError) -> FfiError {
    FfiError::invalid(format!("{what}: {e}"))
}

fn uint(item: Item<'_>, max: usize, what: &str) -> Result<u64, FfiError> {
    let bytes = rlp::uint(item, max.min(8)).map_err(|e| bad(what, e))?;
    Ok(bytes.iter().fold(0u64, |n, b| (n << 8) | u64::from(*b)))
}

fn u256(item: Item<'_>, what: &str) -> Result<U256, FfiError> {
    let bytes = rlp::uint(item, 32).map_err(|e| bad(what, e))?;
    Ok(U256::from_big_endian(bytes))
}

fn string<'a>(item: Item<'a>, what: &str) -> Result<&'a [u8], FfiError> {
    if item.list {
        return Err(FfiError::invalid(format!("{what}: a list, not bytes")));
    }
    Ok(item.payload)
}

fn address(item: Item<'_>, what: &str) -> Result<Address, FfiError> {
    let bytes = string(item, what)?;
    if bytes.len() != 20 {
        return Err(FfiError::invalid(format!(
            "{what}: {} bytes, not 20",
            bytes.len()
        )));
    }
    Ok(Address::from_slice(bytes))
}

fn text(item: Item<'_>, what: &str) -> Result<String, FfiError> {
    let bytes = string(item, what)?;
    String::from_utf8(bytes.to_vec()).map_err(|_| FfiError::invalid(format!("{what}: not UTF-8")))
}

fn list<'a>(item: Item<'a>, what: &str) -> Result<Vec<Item<'a>>, FfiError> {
    rlp::items(item).map_err(|e| bad(what, e))
}

fn fields<'a, const N: usize>(item: Item<'a>, what: &str) -> Result<[Item<'a>; N], FfiError> {
    let items = list(item, what)?;
    let n = items.len();
    items
        .try_into()
        .map_err(|_| FfiError::invalid(format!("{what}: {n} fields, not {N}")))
}

fn args(item: Item<'_>) -> Result<Vec<Arg>, FfiError> {
    svm_vm::args::decode_args_item(item).map_err(FfiError::invalid)
}

fn decode_constructor(item: Item<'_>) -> Result<Option<(String, Vec<Arg>)>, FfiError> {
    match list(item, "constructor")?[..] {
        [] => Ok(None),
        [name, a] => Ok(Some((text(name, "constructor name")?, args(a)?))),
        _ => Err(FfiError::invalid(
            "constructor: neither [] nor [name, [arguments]]",
        )),
    }
}

fn hash(item: Item<'_>, what: &str) -> Result<H256, FfiError> {
    let bytes = string(item, what)?;
    if bytes.len() != 32 {
        return Err(FfiError::invalid(format!(
            "{what}: {} bytes, not 32",
            bytes.len()
        )));
    }
    Ok(H256::from_slice(bytes))
}

fn tx_item(item: Item<'_>) -> Result<Tx, FfiError> {
    let items = list(item, "transaction")?;
    let Some((&kind, rest)) = items.split_first() else {
        return Err(FfiError::invalid("transaction: an empty list"));
    };
    match uint(kind, 1, "transaction kind")? {
        k if k == u64::from(SVM_TX_DEPLOY) => {
            let [author, nonce, code, balance, constructor, gas_limit] = rest else {
                return Err(FfiError::invalid(format!(
                    "deploy: {} fields after the kind, not 6",
                    rest.len()
                )));
            };
            Ok(Tx::Deploy(Deploy {
                author: address(*author, "deploy author")?,
                nonce: uint(*nonce, 8, "deploy nonce")?,
                code: string(*code, "deploy code")?.to_vec(),
                balance: u256(*balance, "deploy balance")?,
                constructor: decode_constructor(*constructor)?,
                gas_limit: uint(*gas_limit, 8, "deploy gas limit")?,
            }))
        }
        k if k == u64::from(SVM_TX_CALL) => {
            let [contract, sender, function, a, gas_limit, value] = rest else {
                return Err(FfiError::invalid(format!(
                    "call: {} fields after the kind, not 6",
                    rest.len()
                )));
            };
            Ok(Tx::Call(Call {
                contract: address(*contract, "call contract")?,
                sender: address(*sender, "call sender")?,
                function: text(*function, "call function")?,
                args: args(*a)?,
                gas_limit: uint(*gas_limit, 8, "call gas limit")?,
                value: u256(*value, "call value")?,
            }))
        }
        k if k == u64::from(SVM_TX_TEMPLATE) => {
            let [author, nonce, code, gas_limit] = rest else {
                return Err(FfiError::invalid(format!(
                    "template: {} fields after the kind, not 4",
                    rest.len()
                )));
            };
            Ok(Tx::Template(Template {
                author: address(*author, "template author")?,
                nonce: uint(*nonce, 8, "template nonce")?,
                code: string(*code, "template code")?.to_vec(),
                gas_limit: uint(*gas_limit, 8, "template gas limit")?,
            }))
        }
        k if k == u64::from(SVM_TX_SPAWN) => {
            let [author, nonce, template, balance, constructor, gas_limit] = rest else {
                return Err(FfiError::invalid(format!(
                    "spawn: {} fields after the kind, not 6",
                    rest.len()
                )));
            };
            Ok(Tx::Spawn(Spawn {
                author: address(*author, "spawn author")?,
                nonce: uint(*nonce, 8, "spawn nonce")?,
                template: hash(*template, "spawn template")?,
                balance: u256(*balance, "spawn balance")?,
                constructor: decode_constructor(*constructor)?,
                gas_limit: uint(*gas_limit, 8, "spawn gas limit")?,
            }))
        }
        other => Err(FfiError::invalid(format!(
            "transaction: unknown kind {other} (0 deploy, 1 call, 2 template, 3 spawn)"
        ))),
    }
}

fn encode_args(out: &mut Vec<u8>, args: &[Arg]) {
    svm_vm::args::encode_args_into(out, args);
}

fn encode_constructor(out: &mut Vec<u8>, constructor: &Option<(String, Vec<Arg>)>) {
    let mut c = Vec::new();
    if let Some((name, args)) = constructor {
        rlp::encode_bytes(&mut c, name.as_bytes());
        encode_args(&mut c, args);
    }
    rlp::encode_list(out, &c);
}

fn tx_into(out: &mut Vec<u8>, tx: &Tx) {
    let mut f = Vec::new();
    match tx {
        Tx::Deploy(d) => {
            rlp::encode_uint(&mut f, &[SVM_TX_DEPLOY]);
            rlp::encode_bytes(&mut f, d.author.as_bytes());
            rlp::encode_uint(&mut f, &d.nonce.to_be_bytes());
            rlp::encode_bytes(&mut f, &d.code);
            rlp::encode_uint(&mut f, &d.balance.to_big_endian());
            encode_constructor(&mut f, &d.constructor);
            rlp::encode_uint(&mut f, &d.gas_limit.to_be_bytes());
        }
        Tx::Template(t) => {
            rlp::encode_uint(&mut f, &[SVM_TX_TEMPLATE]);
            rlp::encode_bytes(&mut f, t.author.as_bytes());
            rlp::encode_uint(&mut f, &t.nonce.to_be_bytes());
            rlp::encode_bytes(&mut f, &t.code);
            rlp::encode_uint(&mut f, &t.gas_limit.to_be_bytes());
        }
        Tx::Spawn(s) => {
            rlp::encode_uint(&mut f, &[SVM_TX_SPAWN]);
            rlp::encode_bytes(&mut f, s.author.as_bytes());
            rlp::encode_uint(&mut f, &s.nonce.to_be_bytes());
            rlp::encode_bytes(&mut f, s.template.as_bytes());
            rlp::encode_uint(&mut f, &s.balance.to_big_endian());
            encode_constructor(&mut f, &s.constructor);
            rlp::encode_uint(&mut f, &s.gas_limit.to_be_bytes());
        }
        Tx::Call(c) => {
            rlp::encode_uint(&mut f, &[SVM_TX_CALL]);
            rlp::encode_bytes(&mut f, c.contract.as_bytes());
            rlp::encode_bytes(&mut f, c.sender.as_bytes());
            rlp::encode_bytes(&mut f, c.function.as_bytes());
            encode_args(&mut f, &c.args);
            rlp::encode_uint(&mut f, &c.gas_limit.to_be_bytes());
            rlp::encode_uint(&mut f, &c.value.to_big_endian());
        }
    }
    rlp::encode_list(out, &f);
}

/// A transaction's C API form (what `svm_vm_deploy`, `svm_vm_call` and,
/// in a list, `svm_vm_execute_block` read).
pub fn encode_tx(tx: &Tx) -> Vec<u8> {
    let mut out = Vec::new();
    tx_into(&mut out, tx);
    out
}

/// A block's C API form: the RLP list of its transactions.
pub fn encode_block(txs: &[Tx]) -> Vec<u8> {
    let mut items = Vec::new();
    for tx in txs {
        tx_into(&mut items, tx);
    }
    let mut out = Vec::with_capacity(items.len() + 9);
    rlp::encode_list(&mut out, &items);
    out
}

/// Decodes one transaction.
pub(crate) fn decode_tx(bytes: &[u8]) -> Result<Tx, FfiError> {
    tx_item(rlp::one(bytes).map_err(|e| bad("transaction", e))?)
}

/// Decodes a block: a list of transactions.
pub(crate) fn decode_block(bytes: &[u8]) -> Result<Vec<Tx>, FfiError> {
    let block = rlp::one(bytes).map_err(|e| bad("block", e))?;
    list(block, "block")?
        .into_iter()
        .enumerate()
        .map(|(i, t)| tx_item(t).map_err(|e| FfiError::invalid(format!("transaction {i}: {e}"))))
        .collect()
}

/// Decodes an element path: a list of steps, `[0, index]` or `[1, key]`.
pub(crate) fn decode_path(bytes: &[u8]) -> Result<Vec<PathKey>, FfiError> {
    let path = rlp::one(bytes).map_err(|e| bad("path", e))?;
    list(path, "path")?
        .into_iter()
        .enumerate()
        .map(|(i, step)| {
            let what = format!("path step {i}");
            let [tag, value] = fields(step, &what)?;
            match uint(tag, 8, &what)? {
                STEP_INDEX => Ok(PathKey::Index(uint(value, 4, &what)? as u32)),
                STEP_KEY => Ok(PathKey::Key(string(value, &what)?.to_vec())),
                other => Err(FfiError::invalid(format!("{what}: unknown tag {other}"))),
            }
        })
        .collect()
}

fn root_bytes(out: &mut Vec<u8>, root: Option<H256>) {
    rlp::encode_bytes(out, root.as_ref().map_or(&[][..], |r| r.as_bytes()));
}

/// Appends a receipt: the five fields of its consensus encoding, then the
/// failure's message, then the roots (empty when not claimed).
fn receipt_into(out: &mut Vec<u8>, r: &Receipt) {
    let record = r.record();
    // The consensus encoding's list, opened to append the rest.
    let consensus = record.encode();
    let fields = rlp::one(&consensus)
        .map(|item| item.payload)
        .unwrap_or_default();
    let mut f = Vec::with_capacity(128 + fields.len());
    f.extend_from_slice(fields);
    let message = r.error.as_ref().map(|e| e.to_string()).unwrap_or_default();
    rlp::encode_bytes(&mut f, message.as_bytes());
    root_bytes(&mut f, r.state_root);
    root_bytes(&mut f, r.world_root);
    rlp::encode_list(out, &f);
}

/// A receipt's C API form.
pub(crate) fn encode_receipt(r: &Receipt) -> Vec<u8> {
    let mut out = Vec::new();
    receipt_into(&mut out, r);
    out
}

/// A block result's C API form: `[world_root, receipts_root, [receipt…]]`.
pub(crate) fn encode_block_result(b: &BlockResult) -> Vec<u8> {
    let mut receipts = Vec::new();
    for r in &b.receipts {
        receipt_into(&mut receipts, r);
    }
    let mut f = Vec::with_capacity(70 + receipts.len() + 9);
    rlp::encode_bytes(&mut f, b.world_root.as_bytes());
    rlp::encode_bytes(&mut f, b.receipts_root.as_bytes());
    rlp::encode_list(&mut f, &receipts);
    let mut out = Vec::with_capacity(f.len() + 9);
    rlp::encode_list(&mut out, &f);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn enc_list(items: &[Vec<u8>]) -> Vec<u8> {
        let mut out = Vec::new();
        rlp::encode_list(&mut out, &items.concat());
        out
    }

    fn enc_bytes(b: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        rlp::encode_bytes(&mut out, b);
        out
    }

    fn enc_uint(n: u64) -> Vec<u8> {
        let mut out = Vec::new();
        rlp::encode_uint(&mut out, &n.to_be_bytes());
        out
    }

    #[test]
    fn a_call_decodes_with_every_argument_kind() {
        let args = enc_list(&[
            enc_list(&[enc_uint(0), enc_uint(u64::from((-5i32) as u32))]),
            enc_list(&[enc_uint(1), enc_uint(u64::MAX)]),
            enc_list(&[enc_uint(2), enc_bytes(b"hi")]),
        ]);
        let tx = enc_list(&[
            enc_uint(1),
            enc_bytes(&[7; 20]),
            enc_bytes(&[8; 20]),
            enc_bytes(b"transfer"),
            args,
            enc_uint(1_000_000),
            enc_uint(0),
        ]);
        let Tx::Call(c) = decode_tx(&tx).expect("decodes") else {
            panic!("not a call")
        };
        assert_eq!(c.contract, Address::repeat_byte(7));
        assert_eq!(c.sender, Address::repeat_byte(8));
        assert_eq!(c.function, "transfer");
        assert_eq!(
            c.args,
            vec![Arg::I32(-5), Arg::I64(-1), Arg::Bytes(b"hi".to_vec())]
        );
        assert_eq!((c.gas_limit, c.value), (1_000_000, U256::zero()));
    }

    #[test]
    fn malformed_transactions_are_refused_with_a_reason() {
        let short = enc_list(&[enc_uint(1), enc_bytes(&[7; 20])]);
        let wrong_kind = enc_list(&[enc_uint(9)]);
        let bad_address = enc_list(&[
            enc_uint(1),
            enc_bytes(&[7; 19]),
            enc_bytes(&[8; 20]),
            enc_bytes(b"f"),
            enc_list(&[]),
            enc_uint(1),
            enc_uint(0),
        ]);
        for (bytes, needle) in [
            (&b""[..], "empty input"),
            (&short[..], "not 6"),
            (&wrong_kind[..], "unknown kind"),
            (&bad_address[..], "not 20"),
            (&[0xc1, 0x00][..], "leading zeros"),
        ] {
            let e = decode_tx(bytes).expect_err("refused");
            assert!(e.message.contains(needle), "{needle}: {}", e.message);
        }
    }

    #[test]
    fn the_receipt_form_starts_with_the_consensus_encoding() {
        let r = Receipt {
            success: true,
            error: None,
            gas_used: 42,
            contract: Address::repeat_byte(3),
            return_data: vec![1, 2],
            events: vec![svm_vm::Event {
                contract: [3; 20],
                topics: vec![[4; 32]],
                data: vec![9],
                ttl: 5,
            }],
            state_root: None,
            world_root: Some(H256::repeat_byte(5)),
        };
        let ours = encode_receipt(&r);
        let item = rlp::one(&ours).expect("one item");
        let items = rlp::items(item).expect("a list");
        assert_eq!(items.len(), 8);
        let encoded = r.encode();
        let consensus = rlp::items(rlp::one(&encoded).expect("one")).expect("list");
        for (a, b) in consensus.iter().zip(&items) {
            assert_eq!(a.raw, b.raw);
        }
        assert_eq!(items[6].payload, b"");
        assert_eq!(items[7].payload, H256::repeat_byte(5).as_bytes());
    }

    /// A transaction of every shape the encoding has.
    #[derive(Clone, Debug)]
    struct AnyTx(Tx);

    fn arb_args(g: &mut quickcheck::Gen) -> Vec<Arg> {
        let n = usize::arbitrary(g) % 4;
        (0..n)
            .map(|_| match u8::arbitrary(g) % 3 {
                0 => Arg::I32(i32::arbitrary(g)),
                1 => Arg::I64(i64::arbitrary(g)),
                _ => Arg::Bytes(Vec::<u8>::arbitrary(g)),
            })
            .collect()
    }

    fn arb_u256(g: &mut quickcheck::Gen) -> U256 {
        let words: [u64; 4] = [0, 1, 2, 3].map(|_| u64::arbitrary(g) >> (u8::arbitrary(g) % 64));
        U256(words)
    }

    use quickcheck::Arbitrary;

    impl Arbitrary for AnyTx {
        fn arbitrary(g: &mut quickcheck::Gen) -> Self {
            let addr = |g: &mut quickcheck::Gen| Address::repeat_byte(u8::arbitrary(g));
            let ctor = |g: &mut quickcheck::Gen| {
                bool::arbitrary(g).then(|| (String::arbitrary(g), arb_args(g)))
            };
            AnyTx(match u8::arbitrary(g) % 4 {
                0 => Tx::Deploy(Deploy {
                    author: addr(g),
                    nonce: u64::arbitrary(g),
                    code: Vec::<u8>::arbitrary(g),
                    balance: arb_u256(g),
                    constructor: ctor(g),
                    gas_limit: u64::arbitrary(g),
                }),
                1 => Tx::Call(Call {
                    contract: addr(g),
                    sender: addr(g),
                    function: String::arbitrary(g),
                    args: arb_args(g),
                    gas_limit: u64::arbitrary(g),
                    value: arb_u256(g),
                }),
                2 => Tx::Template(Template {
                    author: addr(g),
                    nonce: u64::arbitrary(g),
                    code: Vec::<u8>::arbitrary(g),
                    gas_limit: u64::arbitrary(g),
                }),
                _ => Tx::Spawn(Spawn {
                    author: addr(g),
                    nonce: u64::arbitrary(g),
                    template: H256::repeat_byte(u8::arbitrary(g)),
                    balance: arb_u256(g),
                    constructor: ctor(g),
                    gas_limit: u64::arbitrary(g),
                }),
            })
        }
    }

    quickcheck::quickcheck! {
        /// Decoding gives back every field encoded (the model: the
        /// transaction itself, compared field by field through Debug).
        fn transactions_round_trip(txs: Vec<AnyTx>) -> bool {
            let txs: Vec<Tx> = txs.into_iter().map(|t| t.0).collect();
            let one_by_one = txs
                .iter()
                .all(|t| decode_tx(&encode_tx(t)).map(|d| format!("{d:?}")) .ok() == Some(format!("{t:?}")));
            let block = decode_block(&encode_block(&txs)).map(|d| format!("{d:?}")).ok();
            one_by_one && block == Some(format!("{txs:?}"))
        }

        /// Arbitrary bytes never panic the decoder, and whatever decodes
        /// re-encodes to the same bytes (only canonical forms are read).
        fn decoding_is_canonical(bytes: Vec<u8>) -> bool {
            match decode_tx(&bytes) {
                Ok(tx) => encode_tx(&tx) == bytes,
                Err(_) => true,
            }
        }
    }
}
