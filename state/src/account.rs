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
    Malformed(#[from] svm_format::rlp::RlpError),
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
        Ok(svm_format::Account::decode(bytes)?.into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The encoding itself is svm-format's (vectors and properties there);
    /// here: the state's integer and hash types carry every field across.
    #[test]
    fn converts_every_field() {
        let a = Account {
            nonce: u64::MAX,
            balance: U256::MAX - U256::from(5u64),
            storage_root: H256::repeat_byte(0xaa),
            code_hash: H256::repeat_byte(0xbb),
        };
        let bytes = a.encode();
        assert_eq!(bytes, svm_format::Account::from(a).encode());
        assert_eq!(Account::decode(&bytes).unwrap(), a);
        assert_eq!(Account::default().code_hash, EMPTY_CODE_HASH);
        assert_eq!(Account::default().storage_root, svm_trie::EMPTY_ROOT);
        assert!(matches!(
            Account::decode(&bytes[..bytes.len() - 1]),
            Err(AccountError::Malformed(_))
        ));
    }
}
