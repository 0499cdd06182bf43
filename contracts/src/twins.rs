//! Each Rust example against its hand-written twin: the same transactions
//! run on both, which must give the same outcomes (success, failure code,
//! return data, events) and end with the same storage. The tests and the
//! size and gas comparison (`cargo run -p svm-contracts --example
//! compare`) share these scripts.

use svm_state::kv::KvStore;
use svm_state::{Address, StateError};
use svm_vm::{Arg, BlockContext, Call, Deploy, Receipt, Vm, VmError};

/// The hand-written twins' texts (examples/contracts), by file name.
pub const WAT: &[(&str, &str)] = &[
    (
        "counter.wat",
        include_str!("../../examples/contracts/counter.wat"),
    ),
    (
        "token.wat",
        include_str!("../../examples/contracts/token.wat"),
    ),
    (
        "map_token.wat",
        include_str!("../../examples/contracts/map_token.wat"),
    ),
    (
        "registry.wat",
        include_str!("../../examples/contracts/registry.wat"),
    ),
    (
        "exchange.wat",
        include_str!("../../examples/contracts/exchange.wat"),
    ),
    (
        "inbox.wat",
        include_str!("../../examples/contracts/inbox.wat"),
    ),
];

/// Which of the two a run deploys.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flavor {
    /// The Rust module (svm-sdk).
    Rust,
    /// The hand-written WebAssembly text.
    Wat,
}

/// The module of example `name` in `flavor`.
pub fn module(name: &str, flavor: Flavor) -> Vec<u8> {
    let (_, rust, wat) = crate::ALL
        .iter()
        .find(|(n, ..)| *n == name)
        .unwrap_or_else(|| panic!("no example {name}"));
    match flavor {
        Flavor::Rust => rust.to_vec(),
        Flavor::Wat => {
            let (_, text) = WAT
                .iter()
                .find(|(f, _)| f == wat)
                .expect("every twin is listed");
            svm_vm::wat_to_wasm(text.as_bytes()).expect("the twins are valid text")
        }
    }
}

/// An argument: a value, or the address of the script's `i`-th deployed
/// contract (it differs between the two runs: the code hash is part of it).
#[derive(Clone, Debug)]
pub enum A {
    /// An i32.
    I32(i32),
    /// An i64.
    I64(i64),
    /// Bytes.
    Bytes(Vec<u8>),
    /// The address of deployed contract `i`, as 20 bytes.
    Contract(usize),
}

/// One step of a script.
#[derive(Clone, Debug)]
pub enum Step {
    /// Deploys an example by [`AUTHOR`], running `constructor`.
    Deploy {
        /// The example's name.
        example: &'static str,
        /// The constructor and its arguments.
        constructor: Option<(&'static str, Vec<A>)>,
    },
    /// Gives an account value outside any transaction.
    Fund(Address, u64),
    /// Calls deployed contract `contract`.
    Call {
        /// Which deployed contract.
        contract: usize,
        /// The sender.
        sender: Address,
        /// The function.
        function: &'static str,
        /// Its arguments.
        args: Vec<A>,
        /// Value sent.
        value: u64,
    },
}

/// Who deploys.
pub const AUTHOR: Address = Address::repeat_byte(0xa0);
/// Users.
pub const ALICE: Address = Address::repeat_byte(0xa1);
/// Users.
pub const BOB: Address = Address::repeat_byte(0xb0);
/// Users.
pub const CAROL: Address = Address::repeat_byte(0xc0);
/// The block every step runs in.
pub const BLOCK: BlockContext = BlockContext {
    height: 7,
    time: 1_700_000_000,
};
/// Each transaction's gas limit.
pub const GAS: u64 = 10_000_000;

/// What a step gave that must agree between the twins.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outcome {
    /// Success.
    pub success: bool,
    /// The failure's receipt status code (0 for success).
    pub code: u8,
    /// Return data.
    pub return_data: Vec<u8>,
    /// Each event's topics, data and time-to-live.
    pub events: Vec<(Vec<[u8; 32]>, Vec<u8>, u64)>,
}

/// A step's receipt, kept whole (gas and messages differ between twins).
#[derive(Clone, Debug)]
pub struct Ran {
    /// The step's description.
    pub what: String,
    /// The receipt (`None` for a funding step).
    pub receipt: Option<Receipt>,
}

impl Ran {
    /// What must agree.
    pub fn outcome(&self) -> Option<Outcome> {
        let r = self.receipt.as_ref()?;
        Some(Outcome {
            success: r.success,
            code: r.error.as_ref().map_or(0, |e| e.code() as u8),
            return_data: r.return_data.clone(),
            events: r
                .events
                .iter()
                .map(|e| (e.topics.clone(), e.data.clone(), e.ttl))
                .collect(),
        })
    }
}

fn arg(a: &A, deployed: &[Address]) -> Arg {
    match a {
        A::I32(v) => Arg::I32(*v),
        A::I64(v) => Arg::I64(*v),
        A::Bytes(b) => Arg::Bytes(b.clone()),
        A::Contract(i) => Arg::Bytes(deployed[*i].0.to_vec()),
    }
}

/// Runs `steps` with `flavor`'s modules: each step's receipt, and the
/// deployed contracts' addresses.
pub fn run<K: KvStore>(
    vm: &Vm<K>,
    flavor: Flavor,
    steps: &[Step],
) -> Result<(Vec<Ran>, Vec<Address>), VmError> {
    let mut deployed = Vec::new();
    let mut ran = Vec::new();
    for step in steps {
        match step {
            Step::Deploy {
                example,
                constructor,
            } => {
                let d = Deploy {
                    author: AUTHOR,
                    nonce: vm.next_nonce(&AUTHOR)?,
                    code: module(example, flavor),
                    balance: 0u64.into(),
                    constructor: constructor.as_ref().map(|(f, args)| {
                        (
                            f.to_string(),
                            args.iter().map(|a| arg(a, &deployed)).collect(),
                        )
                    }),
                    gas_limit: GAS,
                };
                let r = vm.deploy(&d, BLOCK)?;
                assert!(r.success, "deploying {example} ({flavor:?}): {r:?}");
                deployed.push(r.contract);
                ran.push(Ran {
                    what: format!("deploy {example}"),
                    receipt: Some(r),
                });
            }
            Step::Fund(who, amount) => {
                fund(vm, who, *amount).map_err(VmError::from)?;
                ran.push(Ran {
                    what: "fund".into(),
                    receipt: None,
                });
            }
            Step::Call {
                contract,
                sender,
                function,
                args,
                value,
            } => {
                let c = Call {
                    contract: deployed[*contract],
                    sender: *sender,
                    function: function.to_string(),
                    args: args.iter().map(|a| arg(a, &deployed)).collect(),
                    gas_limit: GAS,
                    value: (*value).into(),
                };
                let r = vm.call(&c, BLOCK)?;
                ran.push(Ran {
                    what: function.to_string(),
                    receipt: Some(r),
                });
            }
        }
    }
    Ok((ran, deployed))
}

fn fund<K: KvStore>(vm: &Vm<K>, who: &Address, amount: u64) -> Result<(), StateError> {
    let mut s = vm.db().begin()?;
    match s.account(who)? {
        Some(a) => s.set_balance(who, a.balance + amount)?,
        None => s.create_account(who, amount.into())?,
    }
    s.commit()?;
    Ok(())
}

fn call(contract: usize, sender: Address, function: &'static str, args: Vec<A>) -> Step {
    Step::Call {
        contract,
        sender,
        function,
        args,
        value: 0,
    }
}

fn deploy(example: &'static str) -> Step {
    Step::Deploy {
        example,
        constructor: None,
    }
}

fn addr(a: Address) -> A {
    A::Bytes(a.0.to_vec())
}

fn bytes(b: &[u8]) -> A {
    A::Bytes(b.to_vec())
}

/// A script per example (by name): its functions, their failures, and
/// misuse.
pub fn scripts() -> Vec<(&'static str, Vec<Step>)> {
    use A::{I32, I64};
    let init = |example| Step::Deploy {
        example,
        constructor: Some(("init", vec![])),
    };
    let packed: Vec<u8> = [ALICE, BOB, CAROL].iter().flat_map(|a| a.0).collect();
    vec![
        (
            "counter",
            vec![
                deploy("counter"),
                call(0, ALICE, "increment", vec![I64(5)]),
                call(0, BOB, "increment", vec![I64(-2)]),
                call(0, ALICE, "get", vec![]),
                call(0, ALICE, "fail_after_write", vec![]),
                call(0, ALICE, "get", vec![]),
                call(0, ALICE, "increment", vec![I32(1)]),
                call(0, ALICE, "nothing", vec![]),
            ],
        ),
        (
            "token",
            vec![
                deploy("token"),
                call(0, ALICE, "mint", vec![I32(3), I64(100)]),
                call(0, ALICE, "transfer", vec![I32(3), I32(7), I64(40)]),
                call(0, ALICE, "transfer", vec![I32(3), I32(7), I64(100)]),
                call(0, ALICE, "balance_of", vec![I32(3)]),
                call(0, ALICE, "balance_of", vec![I32(7)]),
                call(0, ALICE, "balance_of", vec![I32(15)]),
                call(0, ALICE, "balance_of", vec![I32(16)]),
                call(0, ALICE, "balance_of", vec![I32(-1)]),
                call(0, ALICE, "mint", vec![I32(15), I64(-1)]),
                call(0, ALICE, "total_supply", vec![]),
            ],
        ),
        (
            "map-token",
            vec![
                init("map-token"),
                call(0, AUTHOR, "mint", vec![addr(ALICE), I64(1000)]),
                call(0, BOB, "mint", vec![addr(BOB), I64(1000)]),
                call(0, ALICE, "transfer", vec![addr(BOB), I64(300)]),
                call(0, BOB, "transfer", vec![addr(CAROL), I64(301)]),
                call(0, AUTHOR, "airdrop", vec![bytes(&packed), I64(5)]),
                call(0, AUTHOR, "airdrop", vec![bytes(&packed[..59]), I64(5)]),
                call(0, AUTHOR, "mint", vec![bytes(&[1; 19]), I64(1)]),
                call(0, BOB, "transfer", vec![addr(CAROL), I64(305)]),
                call(0, AUTHOR, "mint", vec![addr(CAROL), I64(-1)]),
                call(0, ALICE, "balance_of", vec![addr(ALICE)]),
                call(0, ALICE, "balance_of", vec![addr(BOB)]),
                call(0, ALICE, "balance_of", vec![addr(CAROL)]),
                call(0, ALICE, "holders", vec![]),
                call(0, ALICE, "total_supply", vec![]),
            ],
        ),
        (
            "registry",
            vec![
                deploy("registry"),
                call(0, ALICE, "register", vec![bytes(b"carol")]),
                call(0, BOB, "register", vec![bytes(b"alpha")]),
                call(0, ALICE, "register", vec![bytes(b"bravo")]),
                call(0, BOB, "register", vec![bytes(&[0xff; 64])]),
                call(0, ALICE, "register", vec![bytes(b"alp")]),
                call(0, BOB, "register", vec![bytes(b"carol")]),
                call(0, BOB, "register", vec![bytes(&[1; 65])]),
                call(0, BOB, "names", vec![bytes(b""), I32(10)]),
                call(0, BOB, "names", vec![bytes(b"b"), I32(2)]),
                call(0, BOB, "names", vec![bytes(b""), I32(1001)]),
                call(0, BOB, "owner_of", vec![bytes(b"carol")]),
                call(0, BOB, "owner_of", vec![bytes(b"zulu")]),
                call(0, BOB, "release", vec![bytes(b"carol")]),
                call(0, ALICE, "release", vec![bytes(b"carol")]),
                call(0, ALICE, "release", vec![bytes(b"zulu")]),
                call(0, BOB, "count", vec![]),
                call(0, BOB, "last", vec![]),
            ],
        ),
        (
            "exchange",
            vec![
                init("map-token"),
                Step::Deploy {
                    example: "exchange",
                    constructor: Some(("init", vec![A::Contract(0), I64(3)])),
                },
                call(0, AUTHOR, "mint", vec![A::Contract(1), I64(100)]),
                Step::Fund(ALICE, 1_000_000),
                Step::Call {
                    contract: 1,
                    sender: ALICE,
                    function: "buy",
                    args: vec![I64(10)],
                    value: 30,
                },
                Step::Call {
                    contract: 1,
                    sender: ALICE,
                    function: "buy",
                    args: vec![I64(10)],
                    value: 29,
                },
                Step::Call {
                    contract: 1,
                    sender: ALICE,
                    function: "try_buy",
                    args: vec![I64(1000)],
                    value: 3000,
                },
                Step::Call {
                    contract: 1,
                    sender: ALICE,
                    function: "buy",
                    args: vec![I64(1000)],
                    value: 3000,
                },
                Step::Call {
                    contract: 1,
                    sender: BOB,
                    function: "try_buy",
                    args: vec![I64(5)],
                    value: 0,
                },
                call(1, ALICE, "sold", vec![]),
                call(0, ALICE, "balance_of", vec![addr(ALICE)]),
                call(0, ALICE, "balance_of", vec![A::Contract(1)]),
            ],
        ),
        (
            "inbox",
            vec![
                deploy("inbox"),
                call(0, BOB, "post", vec![addr(ALICE), bytes(b"hi")]),
                call(0, CAROL, "post", vec![addr(ALICE), bytes(b"there")]),
                call(0, ALICE, "post", vec![addr(BOB), bytes(&[7; 3000])]),
                call(0, ALICE, "post", vec![bytes(&[1; 19]), bytes(b"x")]),
                call(0, ALICE, "count", vec![addr(ALICE)]),
                call(0, ALICE, "read", vec![addr(ALICE), I64(1)]),
                call(0, ALICE, "read", vec![addr(BOB), I64(0)]),
                call(0, ALICE, "read", vec![addr(ALICE), I64(5)]),
                call(0, ALICE, "mailboxes", vec![]),
                call(0, ALICE, "list", vec![]),
                call(0, ALICE, "pop", vec![]),
                call(0, ALICE, "count", vec![addr(ALICE)]),
                call(0, BOB, "clear", vec![]),
                call(0, BOB, "count", vec![addr(BOB)]),
                call(0, ALICE, "mailboxes", vec![]),
                call(0, ALICE, "list", vec![]),
            ],
        ),
    ]
}
