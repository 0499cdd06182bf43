//! What each trie of a state is, and the tries and code its entries point
//! to. A syncing client learns every root top-down from data it has
//! verified: the world trie's accounts name storage roots and code hashes,
//! a contract's layout (in its code) tells which storage keys are structure
//! handles and of what kind, and a structure of structures holds its
//! children's handles.

use primitive_types::H256;
use svm_state::Account;
use svm_state::EMPTY_CODE_HASH;
use svm_state::layout::Layout;
use svm_state::structure::{HANDLE_KEY_PREFIX, Handle, Structure, decode_child_handle};

/// How to read a trie's entries.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum TrieKind {
    /// The world trie: accounts under keccak256(address).
    World,
    /// A contract's storage trie: pages and structure handles, read through
    /// the layout of the code with this hash.
    Storage {
        /// The contract's code hash.
        code_hash: H256,
    },
    /// A structure's trie.
    Structure(Structure),
}

/// Why a kind's stored encoding does not decode.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("a trie kind does not decode")]
pub struct KindError;

impl TrieKind {
    /// `0x00` world, `0x01` ‖ code hash, `0x02` ‖ structure descriptor.
    pub fn encode(&self) -> Vec<u8> {
        match self {
            TrieKind::World => vec![0],
            TrieKind::Storage { code_hash } => [&[1u8][..], code_hash.as_bytes()].concat(),
            TrieKind::Structure(s) => {
                let mut out = vec![2];
                s.encode(&mut out);
                out
            }
        }
    }

    /// Reads [`TrieKind::encode`]'s bytes (all of them).
    pub fn decode(bytes: &[u8]) -> Result<Self, KindError> {
        match bytes.split_first() {
            Some((0, [])) => Ok(TrieKind::World),
            Some((1, h)) if h.len() == 32 => Ok(TrieKind::Storage {
                code_hash: H256::from_slice(h),
            }),
            Some((2, mut rest)) => {
                let s = Structure::decode(&mut rest).map_err(|_| KindError)?;
                if rest.is_empty() {
                    Ok(TrieKind::Structure(s))
                } else {
                    Err(KindError)
                }
            }
            _ => Err(KindError),
        }
    }

    /// A short name for messages.
    pub fn describe(&self) -> String {
        match self {
            TrieKind::World => "world trie".into(),
            TrieKind::Storage { code_hash } => format!("storage trie (code {code_hash:#x})"),
            TrieKind::Structure(s) => format!("structure trie ({s:?})"),
        }
    }
}

/// A trie to sync: its root and how to read it. Two tries with the same
/// root and kind are the same trie and are synced once.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct TrieRef {
    /// The trie's root.
    pub root: H256,
    /// How to read its entries.
    pub kind: TrieKind,
}

impl TrieRef {
    /// keccak256(root ‖ kind): the trie's name in the sync journal.
    pub fn id(&self) -> H256 {
        let mut bytes = self.root.as_bytes().to_vec();
        bytes.extend_from_slice(&self.kind.encode());
        keccak_hash::keccak(bytes)
    }
}

/// What verified entries point to.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Found {
    /// Non-empty tries below.
    pub tries: Vec<TrieRef>,
    /// Code hashes of contracts.
    pub code: Vec<H256>,
}

/// Verified data that is not a valid svm state: the root the client
/// trusts names a malformed state, and no server can fix that.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("the {trie} holds a malformed entry at key 0x{key}: {reason}")]
pub struct Malformed {
    /// Which trie.
    pub trie: String,
    /// The entry's key, hex.
    pub key: String,
    /// What is wrong.
    pub reason: String,
}

/// The tries and code that `entries` of a trie of kind `kind` point to.
/// A storage trie needs its contract's `layout`.
pub fn discover(
    kind: &TrieKind,
    entries: &[(Vec<u8>, Vec<u8>)],
    layout: Option<&Layout>,
) -> Result<Found, Malformed> {
    let mut found = Found::default();
    for (key, value) in entries {
        let bad = |reason: String| Malformed {
            trie: kind.describe(),
            key: hex::encode(key),
            reason,
        };
        match kind {
            TrieKind::World => {
                if key.len() != 32 {
                    return Err(bad(format!("an account key of {} bytes", key.len())));
                }
                let account = Account::decode(value).map_err(|e| bad(e.to_string()))?;
                if account.code_hash == EMPTY_CODE_HASH {
                    if account.storage_root != svm_trie::EMPTY_ROOT {
                        return Err(bad("storage without code".into()));
                    }
                    continue;
                }
                found.code.push(account.code_hash);
                if account.storage_root != svm_trie::EMPTY_ROOT {
                    found.tries.push(TrieRef {
                        root: account.storage_root,
                        kind: TrieKind::Storage {
                            code_hash: account.code_hash,
                        },
                    });
                }
            }
            TrieKind::Storage { .. } => {
                let [HANDLE_KEY_PREFIX, a, b, c, d] = key[..] else {
                    continue;
                };
                let layout = layout.ok_or_else(|| bad("no layout to read it with".into()))?;
                let variable = u32::from_be_bytes([a, b, c, d]);
                let structure = layout
                    .structure(variable as usize)
                    .map_err(|e| bad(e.to_string()))?;
                let handle = Handle::decode_stored(value).map_err(|e| bad(e.to_string()))?;
                push_handle(&mut found, structure, handle);
            }
            TrieKind::Structure(s) => {
                let Some(inner) = s.nested() else {
                    // Bytes elements and set members point nowhere.
                    break;
                };
                let handle = decode_child_handle(s, value).map_err(|e| bad(e.to_string()))?;
                push_handle(&mut found, inner, handle);
            }
        }
    }
    Ok(found)
}

fn push_handle(found: &mut Found, kind: &Structure, handle: Handle) {
    if !handle.is_empty() && handle.root != svm_format::EMPTY_ROOT {
        found.tries.push(TrieRef {
            root: H256(handle.root),
            kind: TrieKind::Structure(kind.clone()),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use svm_state::structure::Element;

    #[test]
    fn kinds_round_trip_and_garbage_is_refused() {
        let kinds = [
            TrieKind::World,
            TrieKind::Storage {
                code_hash: H256::repeat_byte(7),
            },
            TrieKind::Structure(Structure::Map(Element::Structure(Box::new(
                Structure::List(Element::Bytes),
            )))),
            TrieKind::Structure(Structure::SortedSet),
        ];
        for k in &kinds {
            assert_eq!(TrieKind::decode(&k.encode()).as_ref(), Ok(k));
            let mut longer = k.encode();
            longer.push(0);
            assert_eq!(TrieKind::decode(&longer), Err(KindError));
        }
        for bad in [&[][..], &[3], &[1, 2, 3], &[2, 9]] {
            assert_eq!(TrieKind::decode(bad), Err(KindError));
        }
        // The same root read two ways is two tries.
        let a = TrieRef {
            root: H256::repeat_byte(1),
            kind: kinds[2].clone(),
        };
        let b = TrieRef {
            root: H256::repeat_byte(1),
            kind: kinds[3].clone(),
        };
        assert_ne!(a.id(), b.id());
    }

    #[test]
    fn malformed_accounts_are_named() {
        let e = discover(&TrieKind::World, &[(vec![1; 32], vec![0xc0])], None).unwrap_err();
        assert!(e.trie.contains("world"), "{e}");
        let e = discover(&TrieKind::World, &[(vec![1; 5], vec![0xc0])], None).unwrap_err();
        assert!(e.reason.contains("5 bytes"), "{e}");
    }
}
