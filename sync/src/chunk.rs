//! Checking an answer against the request it answers and the root the
//! client trusts: a chunk is either exactly the trie's entries in the range
//! it claims, starting where asked and ending no later than asked, or it is
//! refused.

use svm_trie::NodeSet;
use svm_trie::proof::{RangeProof, verify_range_nodes};

use crate::wire::{MIN_CHUNK_BYTES, RangeRequest, decode_range};

/// A chunk that passed every check.
#[derive(Debug)]
pub struct Verified {
    /// The chunk's entries, in key order.
    pub entries: Vec<(Vec<u8>, Vec<u8>)>,
    /// The trie nodes they and the proof determine (to store).
    pub nodes: NodeSet,
    /// The chunk's last key when it stopped short of the range's end.
    pub end: Option<Vec<u8>>,
    /// Bytes of the entries' keys and values.
    pub entry_bytes: u64,
}

/// Why an answer is refused. Every one of these means the server sent
/// something an honest server holding the root never sends.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ChunkError {
    /// The bytes are not a range message.
    #[error("garbage: {0}")]
    Wire(#[from] crate::wire::WireError),
    /// The chunk starts elsewhere than asked.
    #[error("the chunk starts at 0x{got}, not at 0x{asked}")]
    Start {
        /// Where it was asked to start.
        asked: String,
        /// Where it starts.
        got: String,
    },
    /// The chunk claims more than the range asked for.
    #[error("the chunk runs past the end asked for")]
    PastEnd,
    /// A chunk that stops short does not end at its last entry.
    #[error("the chunk stops short of the range without ending at its last entry")]
    LooseEnd,
    /// A chunk that stops short carries fewer bytes than the protocol asks.
    #[error("the chunk stops short of the range after {got} bytes (at least {min} are due)")]
    Short {
        /// Bytes it carries.
        got: u64,
        /// Bytes due.
        min: u64,
    },
    /// The entries and proof do not hash to the trusted root.
    #[error("the proof does not verify: {0}")]
    Proof(#[from] svm_trie::proof::ProofError),
}

/// Decodes and verifies an answer to `req`.
pub fn verify_chunk(req: &RangeRequest, bytes: &[u8]) -> Result<Verified, ChunkError> {
    let proof = decode_range(bytes)?;
    check(req, proof)
}

fn check(req: &RangeRequest, proof: RangeProof) -> Result<Verified, ChunkError> {
    if proof.start != req.from {
        return Err(ChunkError::Start {
            asked: hex::encode(&req.from),
            got: hex::encode(&proof.start),
        });
    }
    let short = match (&req.to, &proof.end) {
        (None, None) => false,
        (Some(to), Some(end)) if end == to => false,
        (_, Some(end)) if req.to.as_ref().is_none_or(|to| end < to) => true,
        _ => return Err(ChunkError::PastEnd),
    };
    let entry_bytes: u64 = proof
        .entries
        .iter()
        .map(|(k, v)| (k.len() + v.len()) as u64)
        .sum();
    if short {
        if proof.entries.last().map(|(k, _)| k) != proof.end.as_ref() {
            return Err(ChunkError::LooseEnd);
        }
        let min = req.max_bytes.min(MIN_CHUNK_BYTES) as u64;
        if entry_bytes < min {
            return Err(ChunkError::Short {
                got: entry_bytes,
                min,
            });
        }
    }
    let nodes = verify_range_nodes(req.root, &proof)?;
    Ok(Verified {
        entries: proof.entries,
        nodes,
        end: if short { proof.end } else { None },
        entry_bytes,
    })
}
