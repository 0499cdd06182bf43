//! Pages in a contract's storage trie: page `i` is the leaf at key `i` as four
//! big-endian bytes, holding the page with its trailing zero bytes trimmed; an
//! all-zero page is absent. svm-state stores pages and verifiers read proven
//! pages by these rules: one module for both.

use alloc::vec;
use alloc::vec::Vec;

/// Why stored bytes are not a page.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PageError {
    /// The stored page is longer than the contract's page size.
    #[error("stored page of {len} bytes exceeds the page size {page_size}")]
    TooLong {
        /// Stored length.
        len: usize,
        /// The contract's page size.
        page_size: usize,
    },
    /// The stored page ends with a zero byte (pages are stored trimmed).
    #[error("stored page is not trimmed of trailing zeros")]
    NotTrimmed,
}

/// The storage-trie key of page `index`.
pub fn page_key(index: u32) -> [u8; 4] {
    index.to_be_bytes()
}

/// The bytes stored for a page: the page without its trailing zeros (empty
/// for an all-zero page, which deletes the leaf).
pub fn trimmed(page: &[u8]) -> &[u8] {
    let end = page.iter().rposition(|b| *b != 0).map_or(0, |i| i + 1);
    &page[..end]
}

/// The full page from its stored bytes (`None` when absent: all zeros).
pub fn expand(stored: Option<&[u8]>, page_size: usize) -> Result<Vec<u8>, PageError> {
    let stored = stored.unwrap_or_default();
    if stored.len() > page_size {
        return Err(PageError::TooLong {
            len: stored.len(),
            page_size,
        });
    }
    if stored.last() == Some(&0) {
        return Err(PageError::NotTrimmed);
    }
    let mut page = vec![0u8; page_size];
    page[..stored.len()].copy_from_slice(stored);
    Ok(page)
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy_primitives as _;
    use svm_trie::{H256, root_of};

    #[test]
    fn trims_and_expands() {
        assert_eq!(trimmed(&[1, 0, 2, 0, 0]), &[1, 0, 2]);
        assert_eq!(trimmed(&[0, 0]), &[] as &[u8]);
        assert_eq!(expand(Some(&[1, 0, 2]), 5).unwrap(), vec![1, 0, 2, 0, 0]);
        assert_eq!(expand(None, 3).unwrap(), vec![0, 0, 0]);
        assert_eq!(expand(Some(&[1, 0]), 5), Err(PageError::NotTrimmed));
        assert!(matches!(
            expand(Some(&[1; 6]), 5),
            Err(PageError::TooLong { .. })
        ));
        assert_eq!(page_key(0x0102_0304), [1, 2, 3, 4]);
    }

    /// Pins the storage root of a small page set: pages 0 and 7 of 4,096 bytes,
    /// trimmed, keyed by big-endian index (page 3 is all zeros, hence absent).
    #[test]
    fn storage_root_vector() {
        let mut p0 = vec![0u8; 4096];
        p0[0] = 0xaa;
        p0[100] = 0x01;
        let p3 = vec![0u8; 4096];
        let mut p7 = vec![0u8; 4096];
        p7[4095] = 0x07;
        let entries = [(0u32, &p0), (3, &p3), (7, &p7)]
            .map(|(i, p)| (page_key(i).to_vec(), trimmed(p).to_vec()));
        let root = root_of(entries.clone()).unwrap();
        // An independent implementation agrees.
        let mut hb = alloy_trie::HashBuilder::default();
        for (k, v) in entries.iter().filter(|(_, v)| !v.is_empty()) {
            hb.add_leaf(alloy_trie::Nibbles::unpack(k), v);
        }
        assert_eq!(hb.root().0, root.0);
        let want: H256 = "0xfa604ca579e7021f468fd7fe62e452db487ed73f3b7f5b90731816c6e51319b0"
            .parse()
            .unwrap();
        assert_eq!(root, want, "got {root:#x}");
    }
}
