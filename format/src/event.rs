//! An event's consensus encoding: what a contract emits (`emit`, or `log`
//! for an event without topics that no index keeps), recorded in its
//! transaction's receipt and so committed by the block's receipts root.

use alloc::vec::Vec;

use crate::rlp::{self, Item, RlpError};
use crate::{Address, Hash};

/// Most topics an event carries.
pub const MAX_TOPICS: usize = 4;
/// Most data bytes an event carries.
pub const MAX_EVENT_DATA: usize = 64 << 10;
/// The longest time-to-live an event may ask for, in blocks.
pub const MAX_EVENT_TTL: u64 = 2_592_000;

/// An event as consensus sees it.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Event {
    /// The contract that emitted it (for a library call, the contract whose
    /// storage the library ran against).
    pub contract: Address,
    /// Up to [`MAX_TOPICS`] topics of 32 bytes.
    pub topics: Vec<Hash>,
    /// Up to [`MAX_EVENT_DATA`] bytes.
    pub data: Vec<u8>,
    /// For how many blocks a node's event index keeps it, from the block
    /// that emitted it (0: never indexed, kept in the receipt only); at most
    /// [`MAX_EVENT_TTL`].
    pub ttl: u64,
}

impl Event {
    /// The first height at which an event of block `height` is no longer
    /// kept by the index (saturating).
    pub fn expiry(&self, height: u64) -> u64 {
        height.saturating_add(self.ttl)
    }

    /// Appends the RLP list `[contract, [topic, …], data, ttl]`.
    pub fn encode_into(&self, out: &mut Vec<u8>) {
        let mut topics = Vec::with_capacity(33 * self.topics.len());
        for t in &self.topics {
            rlp::encode_bytes(&mut topics, t);
        }
        let mut fields = Vec::with_capacity(40 + topics.len() + self.data.len());
        rlp::encode_bytes(&mut fields, &self.contract);
        rlp::encode_list(&mut fields, &topics);
        rlp::encode_bytes(&mut fields, &self.data);
        rlp::encode_uint(&mut fields, &self.ttl.to_be_bytes());
        rlp::encode_list(out, &fields);
    }

    /// The encoding alone.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::new();
        self.encode_into(&mut out);
        out
    }

    /// Decodes one encoded event (canonical forms and the limits only).
    pub fn decode(bytes: &[u8]) -> Result<Self, RlpError> {
        Self::decode_item(rlp::one(bytes)?)
    }

    /// Decodes an event that is an item of a larger encoding.
    pub fn decode_item(item: Item<'_>) -> Result<Self, RlpError> {
        let fields = rlp::items(item)?;
        let [contract, topics, data, ttl] = fields[..] else {
            return Err(RlpError("event: not four fields"));
        };
        let contract: Address = string(contract)?
            .try_into()
            .map_err(|_| RlpError("event: the contract is not 20 bytes"))?;
        let topics = rlp::items(topics)?;
        if topics.len() > MAX_TOPICS {
            return Err(RlpError("event: more than four topics"));
        }
        let topics = topics
            .into_iter()
            .map(|t| {
                string(t)?
                    .try_into()
                    .map_err(|_| RlpError("event: a topic is not 32 bytes"))
            })
            .collect::<Result<Vec<Hash>, _>>()?;
        let data = string(data)?;
        if data.len() > MAX_EVENT_DATA {
            return Err(RlpError("event: more data than an event holds"));
        }
        let ttl = rlp::uint(ttl, 8)?
            .iter()
            .fold(0u64, |n, b| (n << 8) | u64::from(*b));
        if ttl > MAX_EVENT_TTL {
            return Err(RlpError("event: a time-to-live beyond the maximum"));
        }
        Ok(Event {
            contract,
            topics,
            data: data.to_vec(),
            ttl,
        })
    }
}

fn string(item: Item<'_>) -> Result<&[u8], RlpError> {
    if item.list {
        return Err(RlpError("event: expected a byte string"));
    }
    Ok(item.payload)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(bytes: &[u8]) -> alloc::string::String {
        bytes.iter().map(|b| alloc::format!("{b:02x}")).collect()
    }

    /// Pinned encodings, and the `rlp` crate's encoding of the same.
    #[test]
    fn event_vectors() {
        let plain = Event {
            contract: [0xa8; 20],
            topics: alloc::vec![],
            data: alloc::vec![1, 2],
            ttl: 0,
        };
        assert_eq!(
            hex(&plain.encode()),
            "da94a8a8a8a8a8a8a8a8a8a8a8a8a8a8a8a8a8a8a8a8c082010280"
        );
        let full = Event {
            contract: [0x11; 20],
            topics: alloc::vec![[0x22; 32], [0x33; 32]],
            data: alloc::vec![],
            ttl: 1_000,
        };
        assert_eq!(
            hex(&full.encode()),
            "f85d941111111111111111111111111111111111111111f842a0\
             2222222222222222222222222222222222222222222222222222222222222222a0\
             3333333333333333333333333333333333333333333333333333333333333333\
             808203e8"
        );
        for e in [plain, full] {
            assert_eq!(Event::decode(&e.encode()), Ok(e.clone()));
            let mut s = ::rlp::RlpStream::new_list(4);
            s.append(&e.contract.to_vec());
            s.begin_list(e.topics.len());
            for t in &e.topics {
                s.append(&t.to_vec());
            }
            s.append(&e.data).append(&e.ttl);
            assert_eq!(e.encode(), s.out().to_vec());
        }
        assert_eq!(full_expiry(), 1_007);
    }

    fn full_expiry() -> u64 {
        Event {
            contract: [0; 20],
            topics: alloc::vec![],
            data: alloc::vec![],
            ttl: 1_000,
        }
        .expiry(7)
    }

    #[test]
    fn refuses_what_breaks_the_limits() {
        let event = |topics: usize, data: usize, ttl: u64| Event {
            contract: [1; 20],
            topics: alloc::vec![[7; 32]; topics],
            data: alloc::vec![0; data],
            ttl,
        };
        assert!(Event::decode(&event(4, MAX_EVENT_DATA, MAX_EVENT_TTL).encode()).is_ok());
        assert!(Event::decode(&event(5, 0, 0).encode()).is_err());
        assert!(Event::decode(&event(0, MAX_EVENT_DATA + 1, 0).encode()).is_err());
        assert!(Event::decode(&event(0, 0, MAX_EVENT_TTL + 1).encode()).is_err());
        // A topic of 31 bytes, otherwise canonical.
        let mut s = ::rlp::RlpStream::new_list(4);
        s.append(&[1u8; 20].to_vec());
        s.begin_list(1).append(&[7u8; 31].to_vec());
        s.append(&alloc::vec::Vec::<u8>::new()).append(&0u64);
        assert!(Event::decode(&s.out()).is_err());
        assert_eq!(event(0, 0, u64::MAX).expiry(9), u64::MAX);
    }
}
