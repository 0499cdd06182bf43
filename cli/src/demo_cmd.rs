//! `svm demo`: the first thing a newcomer runs. Deploys the bundled example
//! contracts (written in Rust with svm-sdk, built into the binary, so it
//! runs from any directory), runs a
//! block of calls (one fails and changes nothing), then a second block on
//! the contracts with unbounded structures (a map token, a sorted-set
//! registry, nested mailboxes), and prints a short summary — or, with
//! `--json`, every receipt.

use primitive_types::U256;
use svm_state::Address;
use svm_vm::{Arg, Call, Deploy, Receipt, Tx};

use crate::error::CliError;
use crate::hexarg;
use crate::vm_cmd::{CALL_GAS, DEPLOY_GAS, VmArgs, open};

/// The example contracts with structures, and their constructors: the
/// Rust ones (contracts/rust, built with svm-sdk into the binary).
const STRUCTURE_CONTRACTS: [(&str, &[u8], Option<&str>); 3] = [
    ("map-token", svm_contracts::MAP_TOKEN, Some("init")),
    ("registry", svm_contracts::REGISTRY, None),
    ("inbox", svm_contracts::INBOX, None),
];

/// The first example contracts, the Rust ones too (their hand-written
/// twins are in `examples/contracts/`).
const CONTRACTS: [(&str, &[u8]); 2] = [
    ("counter", svm_contracts::COUNTER),
    ("token", svm_contracts::TOKEN),
];

/// `svm demo`.
#[derive(clap::Args)]
pub(crate) struct DemoArgs {
    /// Print every receipt as JSON instead of the summary.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    vm: VmArgs,
}

/// One step of the demo and its receipt.
struct Step {
    what: String,
    receipt: Receipt,
}

/// `0x…` bytes, with their value when they are one little-endian u64.
fn shown(bytes: &[u8]) -> String {
    match <[u8; 8]>::try_from(bytes) {
        Ok(b) => format!("{} ({})", hexarg::format(bytes), u64::from_le_bytes(b)),
        Err(_) => hexarg::format(bytes),
    }
}

fn arg(a: &Arg) -> String {
    match a {
        Arg::I32(v) => v.to_string(),
        Arg::I64(v) => v.to_string(),
        Arg::Bytes(b) => hexarg::format(b),
    }
}

/// Runs `svm demo`.
pub(crate) fn run(args: DemoArgs) -> Result<(), CliError> {
    let (vm, block) = open(&args.vm)?;
    let author = Address::from_low_u64_be(0xa0001);
    let mut steps = Vec::new();
    let mut deployed = Vec::new();
    for (name, code) in CONTRACTS {
        let tx = Deploy {
            author,
            nonce: vm.next_nonce(&author)?,
            code: code.to_vec(),
            balance: U256::zero(),
            constructor: None,
            gas_limit: DEPLOY_GAS,
        };
        let receipt = vm.deploy(&tx, block)?;
        deployed.push(receipt.contract);
        steps.push(Step {
            what: format!("deploy {name}"),
            receipt,
        });
    }
    let (counter, token) = (deployed[0], deployed[1]);
    let calls: Vec<(&str, Address, &str, Vec<Arg>)> = vec![
        ("counter", counter, "increment", vec![Arg::I64(1)]),
        ("counter", counter, "increment", vec![Arg::I64(41)]),
        ("counter", counter, "get", vec![]),
        ("token", token, "mint", vec![Arg::I32(0), Arg::I64(1_000)]),
        (
            "token",
            token,
            "transfer",
            vec![Arg::I32(0), Arg::I32(1), Arg::I64(250)],
        ),
        (
            "token",
            token,
            "transfer",
            vec![Arg::I32(1), Arg::I32(2), Arg::I64(500)],
        ),
        ("token", token, "balance_of", vec![Arg::I32(1)]),
    ];
    // The calls run as one block: one commit, a receipts root.
    let mut txs = Vec::new();
    let mut names = Vec::new();
    for (name, contract, function, args) in calls {
        names.push(format!(
            "{name}.{function}({})",
            args.iter().map(arg).collect::<Vec<_>>().join(", ")
        ));
        txs.push(Tx::Call(Call {
            contract,
            sender: author,
            function: function.into(),
            args,
            gas_limit: CALL_GAS,
            value: U256::zero(),
        }));
    }
    let result = vm.execute_block(&txs, block)?;
    for (what, receipt) in names.into_iter().zip(result.receipts) {
        steps.push(Step { what, receipt });
    }
    // The second block: structures.
    let structures = structure_block(&vm, block, author, &mut steps)?;
    let root = vm.db().head().root;
    let view = vm.db().at(root)?;
    let holders = view.structure_len(
        &structures.map_token,
        &svm_state::StructurePath::variable(2),
    )?;
    // Variable 1 holds the balances of holders 0 to 3, eight bytes each.
    let balances: Vec<u64> = view
        .variable(&token, 1)?
        .chunks(8)
        .take(3)
        .map(|c| c.try_into().map_or(0, u64::from_le_bytes))
        .collect();
    if args.json {
        let out = serde_json::json!({
            "receipts": steps.iter().map(|s| serde_json::json!({"tx": s.what, "receipt": s.receipt})).collect::<Vec<_>>(),
            "world_root": hexarg::format(root.as_bytes()),
            "block": {
                "height": block.height,
                "world_root": hexarg::format(result.world_root.as_bytes()),
                "receipts_root": hexarg::format(result.receipts_root.as_bytes()),
            },
            "token": {
                "address": hexarg::format(token.as_bytes()),
                "balances_0_to_2": balances.iter().map(|b| hexarg::format(&b.to_le_bytes())).collect::<Vec<_>>(),
            },
            "map_token": {
                "address": hexarg::format(structures.map_token.as_bytes()),
                "holders": holders,
                "block": structures.height,
            },
            "registry": hexarg::format(structures.registry.as_bytes()),
            "inbox": hexarg::format(structures.inbox.as_bytes()),
        });
        println!("{}", serde_json::to_string_pretty(&out)?);
        return Ok(());
    }
    println!("svm demo: state database {}", args.vm.db().display());
    for s in &steps {
        let r = &s.receipt;
        let outcome = match &r.error {
            None => "ok".to_string(),
            Some(e) => format!("failed, nothing changed: {e}"),
        };
        println!("  {:<28} {outcome}  (gas {})", s.what, r.gas_used);
        if s.what.starts_with("deploy") && r.success {
            println!("      at {}", hexarg::format(r.contract.as_bytes()));
        }
        if !r.return_data.is_empty() {
            println!("      returned {}", shown(&r.return_data));
        }
        for event in &r.events {
            println!("      logged {}", shown(&event.data));
        }
    }
    println!(
        "the calls ran as block {}: receipts root {} (see `svm block {}`, `svm prove --receipt {}:INDEX`)",
        block.height,
        hexarg::format(result.receipts_root.as_bytes()),
        block.height,
        block.height
    );
    println!("world root {}", hexarg::format(root.as_bytes()));
    println!(
        "token balances: holder 0: {}, holder 1: {}, holder 2: {}",
        balances[0], balances[1], balances[2]
    );
    println!(
        "map token: {holders} holders in a map<address, u64> (block {}); prove one: \
         `svm prove --contract {} --variable 2 --key {}`",
        structures.height,
        hexarg::format(structures.map_token.as_bytes()),
        hexarg::format(structures.bob.as_bytes())
    );
    println!(
        "registry names in order: `svm prove --contract {} --variable 0 --from 0x --to 0x{}`",
        hexarg::format(structures.registry.as_bytes()),
        "ff".repeat(64)
    );
    println!("every receipt in full: add --json");
    Ok(())
}

/// What the structures block made.
struct Structures {
    map_token: Address,
    registry: Address,
    inbox: Address,
    bob: Address,
    height: u64,
}

/// Deploys the contracts with structures and runs a block of calls on them
/// at the next height.
fn structure_block(
    vm: &svm_vm::Vm<svm_state::kv::RocksKv>,
    block: svm_vm::BlockContext,
    author: Address,
    steps: &mut Vec<Step>,
) -> Result<Structures, CliError> {
    let mut deployed = Vec::new();
    for (name, code, constructor) in STRUCTURE_CONTRACTS {
        let tx = Deploy {
            author,
            nonce: vm.next_nonce(&author)?,
            code: code.to_vec(),
            balance: U256::zero(),
            constructor: constructor.map(|c| (c.to_string(), vec![])),
            gas_limit: DEPLOY_GAS,
        };
        let receipt = vm.deploy(&tx, block)?;
        deployed.push(receipt.contract);
        steps.push(Step {
            what: format!("deploy {name}"),
            receipt,
        });
    }
    let (map_token, registry, inbox) = (deployed[0], deployed[1], deployed[2]);
    let (alice, bob) = (
        Address::from_low_u64_be(0xa11ce),
        Address::from_low_u64_be(0xb0b),
    );
    let who = |a: Address| Arg::Bytes(a.as_bytes().to_vec());
    let text = |t: &str| Arg::Bytes(t.as_bytes().to_vec());
    let calls: Vec<(&str, Address, Address, &str, Vec<Arg>)> = vec![
        (
            "map_token",
            map_token,
            author,
            "mint",
            vec![who(alice), Arg::I64(1_000)],
        ),
        (
            "map_token",
            map_token,
            alice,
            "transfer",
            vec![who(bob), Arg::I64(250)],
        ),
        (
            "map_token",
            map_token,
            bob,
            "transfer",
            vec![who(alice), Arg::I64(500)],
        ),
        ("map_token", map_token, bob, "balance_of", vec![who(bob)]),
        ("map_token", map_token, bob, "holders", vec![]),
        (
            "registry",
            registry,
            alice,
            "register",
            vec![text("alice.svm")],
        ),
        ("registry", registry, bob, "register", vec![text("bob.svm")]),
        (
            "registry",
            registry,
            bob,
            "names",
            vec![text(""), Arg::I32(10)],
        ),
        (
            "inbox",
            inbox,
            alice,
            "post",
            vec![who(bob), text("hello bob")],
        ),
        ("inbox", inbox, bob, "read", vec![who(bob), Arg::I64(0)]),
    ];
    let mut txs = Vec::new();
    let mut names = Vec::new();
    for (name, contract, sender, function, args) in calls {
        names.push(format!("{name}.{function}"));
        txs.push(Tx::Call(Call {
            contract,
            sender,
            function: function.into(),
            args,
            gas_limit: CALL_GAS,
            value: U256::zero(),
        }));
    }
    let next = svm_vm::BlockContext {
        height: block.height + 1,
        ..block
    };
    let result = vm.execute_block(&txs, next)?;
    for (what, receipt) in names.into_iter().zip(result.receipts) {
        steps.push(Step { what, receipt });
    }
    Ok(Structures {
        map_token,
        registry,
        inbox,
        bob,
        height: next.height,
    })
}
