//! What one transaction carries from frame to frame: the state, what it has
//! touched (its first touches cost more), the events of the frames that
//! have not failed, and the contracts on the call stack. A frame holds the
//! scope while it runs and hands it to the frames it calls.

use foldhash::{HashMap, HashSet};
use svm_format::event::Event;
use svm_state::{Address, StructurePath};

/// What a transaction has touched of one contract's storage: its first
/// touch of a page or a structure costs more than the next ones
/// (gas::PAGE_LOAD, gas::PAGE_WRITE, gas::STRUCTURE_OPEN,
/// gas::STRUCTURE_WRITE). Per transaction (never reverted with a failed
/// frame: the failed frame paid), so the price never depends on what
/// other transactions of the block did.
#[derive(Debug, Default)]
pub(crate) struct Touched {
    pub(crate) pages_loaded: HashSet<u32>,
    pub(crate) pages_written: HashSet<u32>,
    /// Structures whose handles the transaction has read.
    pub(crate) structures_opened: HashSet<StructurePath>,
    /// Structures the transaction has written (their handles are
    /// rewritten in their parents).
    pub(crate) structures_written: HashSet<StructurePath>,
}

impl Touched {
    /// Adds what `other` touched.
    fn merge(&mut self, other: Touched) {
        self.pages_loaded.extend(other.pages_loaded);
        self.pages_written.extend(other.pages_written);
        self.structures_opened.extend(other.structures_opened);
        self.structures_written.extend(other.structures_written);
    }
}

/// One transaction's scope.
pub(crate) struct TxScope<S> {
    /// The state every frame runs against.
    pub(crate) state: S,
    /// Accounts the transaction has touched (gas::ACCOUNT_LOAD once each).
    pub(crate) accounts: HashSet<Address>,
    /// What the transaction touched of each contract whose frame is not
    /// running (a running frame holds its contract's).
    touched: HashMap<Address, Touched>,
    /// Events of the frames so far, in order; a failed frame's are cut.
    pub(crate) events: Vec<Event>,
    /// The contract of each running frame, outermost first (a library's
    /// frame runs as its caller's contract).
    pub(crate) stack: Vec<Address>,
}

impl<S> TxScope<S> {
    /// A transaction's scope: `state`, with `touched` already touched (the
    /// contract and the sender pay no account load).
    pub(crate) fn new(state: S, touched: [Address; 2]) -> Self {
        TxScope {
            state,
            accounts: touched.into_iter().collect(),
            touched: HashMap::default(),
            events: Vec::new(),
            stack: Vec::new(),
        }
    }

    /// Takes what the transaction touched of `contract` for a frame of it.
    pub(crate) fn take_touched(&mut self, contract: &Address) -> Touched {
        self.touched.remove(contract).unwrap_or_default()
    }

    /// Gives back what a frame of `contract` touched.
    pub(crate) fn put_touched(&mut self, contract: Address, touched: Touched) {
        match self.touched.get_mut(&contract) {
            Some(t) => t.merge(touched),
            None => {
                self.touched.insert(contract, touched);
            }
        }
    }
}
