//! A receipt's consensus encoding: what a block's receipts root commits to
//! and a receipt proof proves. Only what every node computes the same way is
//! in it — the outcome as a stable code, gas, the contract, the return data
//! and the events of every frame that succeeded, in order; never a message
//! text.

use alloc::vec::Vec;

use crate::Address;
use crate::event::Event;
use crate::rlp::{self, Item, RlpError};

/// The status of a successful transaction.
pub const SUCCESS: u8 = 0;

/// Why a transaction failed, as its stable status code (`0` is success).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
#[repr(u8)]
pub enum FailureCode {
    /// Gas ran out.
    OutOfGas = 1,
    /// The contract trapped (or a vmcall refused its arguments).
    Trap = 2,
    /// The called function is not exported.
    FunctionNotFound = 3,
    /// The arguments do not match the function's parameters.
    InvalidArguments = 4,
    /// The code was refused.
    ValidationFailed = 5,
    /// No contract at the address.
    ContractNotFound = 6,
    /// An account already exists at the deploy's address.
    AccountExists = 7,
    /// A deploy's nonce is not its author's next nonce.
    InvalidNonce = 8,
    /// The sender cannot pay the value.
    InsufficientBalance = 9,
    /// A credit would overflow a 256-bit balance.
    BalanceOverflow = 10,
    /// A contract call past the limit of nested contract frames.
    CallDepth = 11,
    /// A call into a contract already on the call stack that does not
    /// accept reentry.
    Reentrancy = 12,
    /// A library call whose template's layout is not a prefix of the
    /// caller's.
    IncompatibleLayout = 13,
    /// No template holds the code hash.
    TemplateNotFound = 14,
}

impl FailureCode {
    /// Every code, in order.
    pub const ALL: [FailureCode; 14] = [
        FailureCode::OutOfGas,
        FailureCode::Trap,
        FailureCode::FunctionNotFound,
        FailureCode::InvalidArguments,
        FailureCode::ValidationFailed,
        FailureCode::ContractNotFound,
        FailureCode::AccountExists,
        FailureCode::InvalidNonce,
        FailureCode::InsufficientBalance,
        FailureCode::BalanceOverflow,
        FailureCode::CallDepth,
        FailureCode::Reentrancy,
        FailureCode::IncompatibleLayout,
        FailureCode::TemplateNotFound,
    ];

    /// The code of status byte `status` (`None` for success or an unknown
    /// status).
    pub fn of_status(status: u8) -> Option<Self> {
        Self::ALL.into_iter().find(|c| *c as u8 == status)
    }
}

/// A receipt as consensus sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReceiptRecord {
    /// [`SUCCESS`], or a [`FailureCode`].
    pub status: u8,
    /// Gas used.
    pub gas_used: u64,
    /// The contract deployed or called.
    pub contract: Address,
    /// Return data (empty on failure).
    pub return_data: Vec<u8>,
    /// Events in the order they were emitted, across every frame that
    /// succeeded (none on failure).
    pub events: Vec<Event>,
}

fn uint_u64(item: Item<'_>) -> Result<u64, RlpError> {
    let bytes = rlp::uint(item, 8)?;
    Ok(bytes.iter().fold(0u64, |n, b| (n << 8) | u64::from(*b)))
}

fn string(item: Item<'_>) -> Result<&[u8], RlpError> {
    if item.list {
        return Err(RlpError("receipt: expected a byte string"));
    }
    Ok(item.payload)
}

impl ReceiptRecord {
    /// The RLP list `[status, gas_used, contract, return_data,
    /// [event, …]]` (events: [`Event::encode_into`]).
    pub fn encode(&self) -> Vec<u8> {
        let mut events = Vec::new();
        for event in &self.events {
            event.encode_into(&mut events);
        }
        let mut fields = Vec::with_capacity(40 + self.return_data.len() + events.len());
        rlp::encode_uint(&mut fields, &[self.status]);
        rlp::encode_uint(&mut fields, &self.gas_used.to_be_bytes());
        rlp::encode_bytes(&mut fields, &self.contract);
        rlp::encode_bytes(&mut fields, &self.return_data);
        rlp::encode_list(&mut fields, &events);
        let mut out = Vec::with_capacity(fields.len() + 9);
        rlp::encode_list(&mut out, &fields);
        out
    }

    /// Decodes [`ReceiptRecord::encode`]'s output (canonical forms only, a
    /// known status, events within their limits, no return data or events
    /// on failure).
    pub fn decode(bytes: &[u8]) -> Result<Self, RlpError> {
        let fields = rlp::items(rlp::one(bytes)?)?;
        let [status, gas_used, contract, return_data, events] = fields[..] else {
            return Err(RlpError("receipt: not five fields"));
        };
        let status = uint_u64(status)?;
        let status = u8::try_from(status).map_err(|_| RlpError("receipt: unknown status"))?;
        if status != SUCCESS && FailureCode::of_status(status).is_none() {
            return Err(RlpError("receipt: unknown status"));
        }
        let contract: Address = string(contract)?
            .try_into()
            .map_err(|_| RlpError("receipt: the contract is not 20 bytes"))?;
        let events = rlp::items(events)?
            .into_iter()
            .map(Event::decode_item)
            .collect::<Result<Vec<_>, _>>()?;
        let return_data = string(return_data)?.to_vec();
        if status != SUCCESS && (!return_data.is_empty() || !events.is_empty()) {
            return Err(RlpError(
                "receipt: a failure carries no return data or events",
            ));
        }
        Ok(ReceiptRecord {
            status,
            gas_used: uint_u64(gas_used)?,
            contract,
            return_data,
            events,
        })
    }
}

/// The key of the `index`-th receipt in a block's receipts trie:
/// RLP(index), as Ethereum keys its receipts and transactions tries.
pub fn receipt_key(index: u64) -> Vec<u8> {
    let mut key = Vec::with_capacity(9);
    rlp::encode_uint(&mut key, &index.to_be_bytes());
    key
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::MAX_EVENT_TTL;

    fn hex(bytes: &[u8]) -> alloc::string::String {
        bytes.iter().map(|b| alloc::format!("{b:02x}")).collect()
    }

    fn event(contract: u8, topics: usize, data: &[u8], ttl: u64) -> Event {
        Event {
            contract: [contract; 20],
            topics: (0..topics).map(|i| [i as u8; 32]).collect(),
            data: data.to_vec(),
            ttl,
        }
    }

    /// Pinned encodings: a success with return data and two events (one
    /// from a contract it called), and a failure.
    #[test]
    fn receipt_vectors() {
        let ok = ReceiptRecord {
            status: SUCCESS,
            gas_used: 49_347,
            contract: [0xa8; 20],
            return_data: alloc::vec![0x2a, 0, 0, 0, 0, 0, 0, 0],
            events: alloc::vec![event(0xa8, 0, &[1], 0), event(0xb9, 2, &[], 100)],
        };
        assert_eq!(
            hex(&ok.encode()),
            "f89a8082c0c394a8a8a8a8a8a8a8a8a8a8a8a8a8a8a8a8a8a8a8a8882a00000000000000\
             f876d894a8a8a8a8a8a8a8a8a8a8a8a8a8a8a8a8a8a8a8a8c00180f85b94b9b9b9b9b9b9b9b9b9b9b9b9b9b9b9b9b9b9b9b9\
             f842a00000000000000000000000000000000000000000000000000000000000000000\
             a001010101010101010101010101010101010101010101010101010101010101018064"
        );
        let failed = ReceiptRecord {
            status: FailureCode::Trap as u8,
            gas_used: 27_908,
            contract: [0x42; 20],
            return_data: alloc::vec![],
            events: alloc::vec![],
        };
        assert_eq!(
            hex(&failed.encode()),
            "db02826d0494424242424242424242424242424242424242424280c0"
        );
        for r in [ok, failed] {
            assert_eq!(ReceiptRecord::decode(&r.encode()), Ok(r.clone()));
            // The same as the `rlp` crate's encoding.
            let mut s = ::rlp::RlpStream::new_list(5);
            s.append(&r.status)
                .append(&r.gas_used)
                .append(&r.contract.to_vec())
                .append(&r.return_data);
            s.begin_list(r.events.len());
            for e in &r.events {
                s.append_raw(&e.encode(), 1);
            }
            assert_eq!(r.encode(), s.out().to_vec());
        }
        assert_eq!(receipt_key(0), [0x80]);
        assert_eq!(receipt_key(1), [0x01]);
        assert_eq!(receipt_key(200), [0x81, 200]);
    }

    #[test]
    fn refuses_what_is_not_a_receipt() {
        let bad = |status: u8, data: &[u8]| ReceiptRecord {
            status,
            gas_used: 1,
            contract: [0; 20],
            return_data: data.to_vec(),
            events: alloc::vec![],
        };
        assert!(ReceiptRecord::decode(&bad(15, &[]).encode()).is_err());
        assert!(ReceiptRecord::decode(&bad(14, &[]).encode()).is_ok());
        assert!(ReceiptRecord::decode(&bad(2, &[1]).encode()).is_err());
        assert!(ReceiptRecord::decode(&bad(0, &[1]).encode()).is_ok());
        let mut trailing = bad(0, &[]).encode();
        trailing.push(0);
        assert!(ReceiptRecord::decode(&trailing).is_err());
        assert!(ReceiptRecord::decode(&[0xc0]).is_err());
    }

    #[test]
    fn one_encoding_per_receipt() {
        fn prop(
            status: u8,
            gas: u64,
            data: Vec<u8>,
            events: Vec<(u8, u8, Vec<u8>, u32)>,
            noise: Vec<(u16, u8)>,
        ) -> bool {
            let status = status % 15;
            let events = events
                .into_iter()
                .map(|(c, t, d, ttl)| {
                    event(
                        c,
                        usize::from(t % 5),
                        &d,
                        u64::from(ttl) % (MAX_EVENT_TTL + 1),
                    )
                })
                .collect();
            let (data, events) = if status == SUCCESS {
                (data, events)
            } else {
                (Vec::new(), Vec::new())
            };
            let r = ReceiptRecord {
                status,
                gas_used: gas,
                contract: [status; 20],
                return_data: data,
                events,
            };
            let bytes = r.encode();
            if ReceiptRecord::decode(&bytes) != Ok(r) {
                return false;
            }
            let mut spoiled = bytes.clone();
            for (at, x) in noise {
                let at = at as usize % spoiled.len();
                spoiled[at] ^= x;
            }
            match ReceiptRecord::decode(&spoiled) {
                Ok(d) => d.encode() == spoiled,
                Err(_) => true,
            }
        }
        quickcheck::QuickCheck::new().tests(2_000).quickcheck(
            prop as fn(u8, u64, Vec<u8>, Vec<(u8, u8, Vec<u8>, u32)>, Vec<(u16, u8)>) -> bool,
        );
    }
}
