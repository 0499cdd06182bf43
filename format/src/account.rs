//! Accounts as the world trie stores them: Ethereum's RLP list
//! `[nonce, balance, storage_root, code_hash]`, under keccak256(address).
//! Only the canonical encoding decodes, so an account has one encoding.

use alloc::vec::Vec;

use crate::rlp::{self, Item, RlpError};
use crate::{Address, EMPTY_ROOT, Hash, keccak256};

/// keccak256 of no bytes: the code hash of an account without code.
pub const EMPTY_CODE_HASH: Hash = [
    0xc5, 0xd2, 0x46, 0x01, 0x86, 0xf7, 0x23, 0x3c, 0x92, 0x7e, 0x7d, 0xb2, 0xdc, 0xc7, 0x03, 0xc0,
    0xe5, 0x00, 0xb6, 0x53, 0xca, 0x82, 0x27, 0x3b, 0x7b, 0xfa, 0xd8, 0x04, 0x5d, 0x85, 0xa4, 0x70,
];

/// The world-trie key of an address: keccak256(address).
pub fn world_key(address: &Address) -> Hash {
    keccak256(address)
}

/// An account.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Account {
    /// Deploy nonce.
    pub nonce: u64,
    /// Balance, a 256-bit big-endian integer.
    pub balance: [u8; 32],
    /// Root of the contract's storage trie.
    pub storage_root: Hash,
    /// keccak256 of the contract's code.
    pub code_hash: Hash,
}

impl Default for Account {
    /// No nonce, no balance, no storage, no code.
    fn default() -> Self {
        Account {
            nonce: 0,
            balance: [0; 32],
            storage_root: EMPTY_ROOT,
            code_hash: EMPTY_CODE_HASH,
        }
    }
}

fn hash(item: Item<'_>) -> Result<Hash, RlpError> {
    if item.list {
        return Err(RlpError("account: expected a hash"));
    }
    item.payload
        .try_into()
        .map_err(|_| RlpError("account: a hash is not 32 bytes"))
}

impl Account {
    /// The RLP encoding a world-trie leaf holds.
    pub fn encode(&self) -> Vec<u8> {
        let mut fields = Vec::with_capacity(80);
        rlp::encode_uint(&mut fields, &self.nonce.to_be_bytes());
        rlp::encode_uint(&mut fields, &self.balance);
        rlp::encode_bytes(&mut fields, &self.storage_root);
        rlp::encode_bytes(&mut fields, &self.code_hash);
        let mut out = Vec::with_capacity(fields.len() + 2);
        rlp::encode_list(&mut out, &fields);
        out
    }

    /// Decodes the RLP a world-trie leaf holds (canonical forms only, no
    /// trailing bytes).
    pub fn decode(bytes: &[u8]) -> Result<Self, RlpError> {
        let fields = rlp::items(rlp::one(bytes)?)?;
        let [nonce, balance, storage_root, code_hash] = fields[..] else {
            return Err(RlpError("account: not four fields"));
        };
        let nonce_bytes = rlp::uint(nonce, 8)?;
        let nonce = nonce_bytes
            .iter()
            .fold(0u64, |n, b| (n << 8) | u64::from(*b));
        let balance_bytes = rlp::uint(balance, 32)?;
        let mut balance = [0u8; 32];
        balance[32 - balance_bytes.len()..].copy_from_slice(balance_bytes);
        Ok(Account {
            nonce,
            balance,
            storage_root: hash(storage_root)?,
            code_hash: hash(code_hash)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_code_hash_is_keccak_of_nothing() {
        assert_eq!(keccak256(&[]), EMPTY_CODE_HASH);
        assert_eq!(keccak256(&[0x80]), EMPTY_ROOT);
    }

    fn hex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    /// Account values of `hex_encoded_securetrie_test.json` (ethereum/tests
    /// `TrieTests`, MIT licence; see trie/tests/data/LICENSE-NOTE.md).
    const VECTORS: [&str; 3] = [
        "f848018405f446a7a056e81f171bcc55a6ff8345e692c0f86e5b48e01b996cadc001622fb5e363b421a0c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470",
        "f8440101a056e81f171bcc55a6ff8345e692c0f86e5b48e01b996cadc001622fb5e363b421a004bccc5d94f4d1f99aab44369a910179931772f2a5c001c3229f57831c102769",
        "f84c80880de0b6b3a7640000a056e81f171bcc55a6ff8345e692c0f86e5b48e01b996cadc001622fb5e363b421a0c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470",
    ];

    #[test]
    fn ethereum_accounts_round_trip() {
        for v in VECTORS {
            let bytes = hex(v);
            let account = Account::decode(&bytes).unwrap();
            assert_eq!(account.encode(), bytes);
            assert_eq!(account.storage_root, EMPTY_ROOT);
        }
        assert_eq!(
            Account::decode(&Account::default().encode()),
            Ok(Account::default())
        );
    }

    /// Decoding accepts exactly the canonical encodings: whatever decodes
    /// re-encodes to the same bytes, and every account round-trips.
    #[test]
    fn one_encoding_per_account() {
        fn prop(nonce: u64, balance: Vec<u8>, noise: Vec<(u16, u8)>) -> bool {
            let mut b = [0u8; 32];
            for (i, x) in balance.iter().take(32).enumerate() {
                b[i] = *x;
            }
            let a = Account {
                nonce,
                balance: b,
                storage_root: [nonce as u8; 32],
                code_hash: EMPTY_CODE_HASH,
            };
            let bytes = a.encode();
            if Account::decode(&bytes) != Ok(a) {
                return false;
            }
            let mut spoiled = bytes.clone();
            for (at, x) in noise {
                let at = at as usize % (spoiled.len() + 1);
                if at == spoiled.len() {
                    spoiled.push(x);
                } else {
                    spoiled[at] ^= x;
                }
            }
            match Account::decode(&spoiled) {
                Ok(d) => d.encode() == spoiled,
                Err(_) => true,
            }
        }
        quickcheck::QuickCheck::new()
            .tests(2_000)
            .quickcheck(prop as fn(u64, Vec<u8>, Vec<(u16, u8)>) -> bool);
    }

    #[test]
    fn decodes_ethereum_accounts() {
        let mut s = ::rlp::RlpStream::new_list(4);
        s.append(&7u64)
            .append(&alloc::vec![1u8, 0])
            .append(&alloc::vec![0xaa; 32])
            .append(&alloc::vec![0xbb; 32]);
        let a = Account::decode(&s.out()).unwrap();
        assert_eq!(a.nonce, 7);
        assert_eq!(a.balance[30..], [1, 0]);
        assert_eq!((a.storage_root, a.code_hash), ([0xaa; 32], [0xbb; 32]));
        let mut s = ::rlp::RlpStream::new_list(3);
        s.append(&7u64).append(&1u64).append(&1u64);
        assert!(Account::decode(&s.out()).is_err());
    }
}
