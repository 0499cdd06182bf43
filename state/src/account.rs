//! Accounts in the world trie: exactly Ethereum's encoding, so that account
//! proofs are EIP-1186 `accountProof`s. The encoding is svm-format's
//! ([`svm_format::Account`]); this is the same record with the state's
//! integer and hash types.

use primitive_types::{H256, U256};

/// keccak256 of the empty byte string: the code hash of an account without code.
pub const EMPTY_CODE_HASH: H256 = H256(svm_format::EMPTY_CODE_HASH);

/// Why bytes are not an account.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AccountError {
    /// Not an RLP list of four canonical items of the right types.
    #[error("malformed account: {0}")]
    Malformed(String),
}

/// An account: `[nonce, balance, storage_root, code_hash]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Account {
    /// Transactions sent (or contracts deployed) by the account.
    pub nonce: u64,
    /// Balance.
    pub balance: U256,
    /// Root of the account's storage trie.
    pub storage_root: H256,
    /// keccak256 of the account's code.
    pub code_hash: H256,
}

impl Default for Account {
    fn default() -> Self {
        svm_format::Account::default().into()
    }
}

impl From<svm_format::Account> for Account {
    fn from(a: svm_format::Account) -> Self {
        Account {
            nonce: a.nonce,
            balance: U256::from_big_endian(&a.balance),
            storage_root: H256(a.storage_root),
            code_hash: H256(a.code_hash),
        }
    }
}

impl From<Account> for svm_format::Account {
    fn from(a: Account) -> Self {
        svm_format::Account {
            nonce: a.nonce,
            balance: a.balance.to_big_endian(),
            storage_root: a.storage_root.0,
            code_hash: a.code_hash.0,
        }
    }
}

impl Account {
    /// The RLP encoding stored in the world trie.
    pub fn encode(&self) -> Vec<u8> {
        svm_format::Account::from(*self).encode()
    }

    /// Decodes an account, accepting only its canonical encoding.
    pub fn decode(bytes: &[u8]) -> Result<Self, AccountError> {
        svm_format::Account::decode(bytes)
            .map(Account::from)
            .map_err(|e| AccountError::Malformed(e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
            assert_eq!(account.storage_root, svm_trie::EMPTY_ROOT);
        }
        let first = Account::decode(&hex(VECTORS[0])).unwrap();
        assert_eq!(
            (first.nonce, first.balance),
            (1, U256::from(0x05f4_46a7u64))
        );
        assert_eq!(first.code_hash, EMPTY_CODE_HASH);
        let third = Account::decode(&hex(VECTORS[2])).unwrap();
        assert_eq!(third.balance, U256::from(10u64).pow(U256::from(18u64)));
    }

    #[test]
    fn rejects_malformed_accounts() {
        let good = hex(VECTORS[1]);
        let mut trailing = good.clone();
        trailing.push(0);
        assert!(Account::decode(&trailing).is_err());
        assert!(Account::decode(&good[..good.len() - 1]).is_err());
        assert!(Account::decode(&[0xc0]).is_err());
        assert!(Account::decode(&[]).is_err());
        // A nonce with a leading zero byte.
        let mut s = rlp::RlpStream::new_list(4);
        s.append(&vec![0u8, 1])
            .append(&0u8)
            .append(&H256::zero())
            .append(&H256::zero());
        assert!(Account::decode(&s.out()).is_err());
        assert_eq!(
            Account::decode(&Account::default().encode()).unwrap(),
            Account::default()
        );
    }
}
