//! Proofs of a block's receipts: the path of the `index`-th receipt in the
//! block's receipts trie (keyed by RLP(`index`)), checked against the
//! receipts root a light client trusts (from a block header it trusts).

use alloc::vec::Vec;

use svm_format::receipt::{ReceiptRecord, receipt_key};

use crate::{Hash, VerifyError};

/// A proof of one receipt of a block.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReceiptProof {
    /// The block's receipts root the proof was made against.
    pub receipts_root: Hash,
    /// The receipt's position in the block.
    pub index: u64,
    /// The nodes along its key's path, root first (EIP-1186 form).
    pub nodes: Vec<Vec<u8>>,
}

impl ReceiptProof {
    /// Verifies the proof against the trusted `receipts_root` (which must be
    /// the root the proof names); returns the receipt as consensus records
    /// it. A block without a receipt at the index fails.
    pub fn verify(&self, receipts_root: &Hash) -> Result<ReceiptRecord, VerifyError> {
        if self.receipts_root != *receipts_root {
            return Err(VerifyError::WrongQuestion("another receipts root"));
        }
        let bytes = crate::mpt::verify(receipts_root, &receipt_key(self.index), &self.nodes)?
            .ok_or(VerifyError::NoReceipt(self.index))?;
        Ok(ReceiptRecord::decode(&bytes)?)
    }

    /// [`ReceiptProof::verify`], and the proof must be about receipt
    /// `index` (a proof of another receipt, even a true one, fails).
    pub fn verify_for(
        &self,
        receipts_root: &Hash,
        index: u64,
    ) -> Result<ReceiptRecord, VerifyError> {
        if self.index != index {
            return Err(VerifyError::WrongQuestion("another receipt"));
        }
        self.verify(receipts_root)
    }
}
