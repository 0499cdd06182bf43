//! Accounts as the world trie stores them: Ethereum's RLP list
//! `[nonce, balance, storage_root, code_hash]`, under keccak256(address).

use crate::rlp::{self, Item};
use crate::{Address, Hash, VerifyError, keccak256};

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
#[derive(Clone, Debug, PartialEq, Eq)]
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

fn hash(item: Item<'_>) -> Result<Hash, VerifyError> {
    if item.list {
        return Err(VerifyError::Malformed("account: expected a hash"));
    }
    item.payload
        .try_into()
        .map_err(|_| VerifyError::Malformed("account: a hash is not 32 bytes"))
}

impl Account {
    /// Decodes the RLP a world-trie leaf holds.
    pub fn decode(bytes: &[u8]) -> Result<Self, VerifyError> {
        let fields = rlp::items(rlp::one(bytes)?)?;
        let [nonce, balance, storage_root, code_hash] = fields[..] else {
            return Err(VerifyError::Malformed("account: not four fields"));
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
