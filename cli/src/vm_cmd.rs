//! `svm deploy`, `svm spawn` and `svm call`: contracts on the state
//! database.

use clap::Args;
use primitive_types::U256;
use svm_state::kv::RocksKv;
use svm_vm::{Arg, BlockContext, Call, CompilerKind, Deploy, Spawn, Template, Tx, Vm, VmConfig};

use crate::db_arg::DbArg;
use crate::error::CliError;
use crate::hexarg;

/// Options every VM command shares.
#[derive(Args)]
pub(crate) struct VmArgs {
    #[command(flatten)]
    db: DbArg,
    /// Block height the transaction runs at, as a block of its own
    /// (default: commits so far + 1; a height already committed is
    /// replaced).
    #[arg(long)]
    height: Option<u64>,
    /// Block time, seconds since the Unix epoch.
    #[arg(long, default_value_t = 0)]
    time: u64,
    /// The compiler of contract code (gas and results are the same).
    #[arg(long, value_enum, default_value = "singlepass")]
    compiler: CompilerArg,
}

/// `--compiler`.
#[derive(Clone, Copy, clap::ValueEnum)]
pub(crate) enum CompilerArg {
    /// Linear-time compiler (the default).
    Singlepass,
    /// Optimizing compiler.
    Cranelift,
}

impl From<CompilerArg> for CompilerKind {
    fn from(c: CompilerArg) -> Self {
        match c {
            CompilerArg::Singlepass => CompilerKind::Singlepass,
            CompilerArg::Cranelift => CompilerKind::Cranelift,
        }
    }
}

/// `svm deploy`.
#[derive(Args)]
pub(crate) struct DeployArgs {
    /// The module: WebAssembly binary (.wasm) or text (.wat).
    file: String,
    /// Deploy the code as a template (no contract; contracts are spawned
    /// from it with `svm spawn`, libraries called in it); prints the
    /// receipt and the code hash.
    #[arg(long, conflicts_with_all = ["constructor", "balance"])]
    template: bool,
    #[command(flatten)]
    create: CreateArgs,
}

/// `svm spawn`.
#[derive(Args)]
pub(crate) struct SpawnArgs {
    /// The template's code hash (0x-hex, 32 bytes).
    template: String,
    #[command(flatten)]
    create: CreateArgs,
}

/// What creating a contract takes (a deploy's, a spawn's).
#[derive(Args)]
pub(crate) struct CreateArgs {
    /// The constructor's arguments: `i32:N`, `i64:N`, or bytes as `0x…`.
    args: Vec<String>,
    /// A function to run once the contract exists, with ARGS.
    #[arg(long)]
    constructor: Option<String>,
    /// The author's address.
    #[arg(long, default_value = "0x00000000000000000000000000000000000a0001")]
    author: String,
    /// The author's nonce (default: the author's next one).
    #[arg(long)]
    nonce: Option<u64>,
    /// Value the author moves to the new contract (decimal).
    #[arg(long, default_value = "0")]
    balance: String,
    /// Gas limit: the intrinsic gas (a deploy: 46,000 + 50 per code byte; a
    /// spawn: 46,000 + 1 per byte of the template's code) and the
    /// constructor's.
    #[arg(long, default_value_t = DEPLOY_GAS)]
    gas: u64,
    #[command(flatten)]
    vm: VmArgs,
}

/// The default gas limit of a deploy.
pub(crate) const DEPLOY_GAS: u64 = 10_000_000;
/// The default gas limit of a call.
pub(crate) const CALL_GAS: u64 = 1_000_000;

/// `svm call`.
#[derive(Args)]
pub(crate) struct CallArgs {
    /// The contract's address.
    address: String,
    /// The exported function.
    function: String,
    /// Arguments: `i32:N`, `i64:N`, or bytes as `0x…`.
    args: Vec<String>,
    /// Gas limit (at least the call's intrinsic gas: 21,000 + 16 per byte
    /// of byte arguments).
    #[arg(long, default_value_t = CALL_GAS)]
    gas: u64,
    /// The caller's address.
    #[arg(long, default_value = "0x00000000000000000000000000000000000a0001")]
    sender: String,
    /// Value sent with the call (decimal).
    #[arg(long, default_value = "0")]
    value: String,
    #[command(flatten)]
    vm: VmArgs,
}

impl VmArgs {
    /// The database directory.
    pub(crate) fn db(&self) -> &std::path::Path {
        self.db.path()
    }
}

pub(crate) fn open(args: &VmArgs) -> Result<(Vm<RocksKv>, BlockContext), CliError> {
    let db = args.db.open_write()?;
    let block = BlockContext {
        height: args.height.unwrap_or(db.head().seq + 1),
        time: args.time,
    };
    let config = VmConfig {
        // Compiled contracts persist next to the state, so later runs skip
        // compiling them.
        artifact_dir: Some(args.db.path().join("artifacts")),
        compiler: args.compiler.into(),
        ..VmConfig::default()
    };
    Ok((Vm::new(db, config), block))
}

fn amount(s: &str) -> Result<U256, CliError> {
    U256::from_dec_str(s).map_err(|_| CliError::Arg(format!("{s:?} is not a decimal amount")))
}

fn arg(s: &str) -> Result<Arg, CliError> {
    let bad = || {
        CliError::Arg(format!(
            "argument {s:?}: expected i32:N, i64:N or 0x-hex bytes"
        ))
    };
    if let Some(v) = s.strip_prefix("i32:") {
        return v.parse().map(Arg::I32).map_err(|_| bad());
    }
    if let Some(v) = s.strip_prefix("i64:") {
        return v.parse().map(Arg::I64).map_err(|_| bad());
    }
    if s.starts_with("0x") {
        return hexarg::parse(s).map(Arg::Bytes).map_err(CliError::Arg);
    }
    Err(bad())
}

/// Runs `tx` as a block of its own at `block` (committed even when the
/// transaction fails, which changes no state: the block records its
/// receipt), so every receipt is provable (`svm prove --receipt H:0`) and
/// its events are indexed (`svm events`). Prints the receipt with the
/// block (`height`, `world_root`, `receipts_root`) and `extra` fields;
/// exits 1 on a failed receipt.
fn run(
    vm: &Vm<RocksKv>,
    tx: Tx,
    block: BlockContext,
    extra: &[(&str, serde_json::Value)],
) -> Result<(), CliError> {
    let result = vm.execute_block(std::slice::from_ref(&tx), block)?;
    let receipt = result
        .receipts
        .first()
        .ok_or_else(|| CliError::Arg("the block holds no receipt".into()))?;
    let mut json = serde_json::to_value(receipt)?;
    json["block"] = serde_json::json!({
        "height": block.height,
        "world_root": hexarg::format(result.world_root.as_bytes()),
        "receipts_root": hexarg::format(result.receipts_root.as_bytes()),
    });
    for (key, value) in extra {
        json[*key] = value.clone();
    }
    println!("{}", serde_json::to_string_pretty(&json)?);
    match &receipt.error {
        None => Ok(()),
        Some(e) => Err(CliError::Arg(format!("transaction failed: {e}"))),
    }
}

/// A module binary from a `.wasm` file, or from WebAssembly text (converted
/// without its `name` section: labels are not code).
fn read_code(path: &str) -> Result<Vec<u8>, CliError> {
    let bytes = std::fs::read(path).map_err(|source| CliError::Read {
        path: path.to_string(),
        source,
    })?;
    if bytes.starts_with(b"\0asm") {
        return Ok(bytes);
    }
    svm_vm::wat_to_wasm(&bytes).map_err(|message| CliError::Json {
        path: path.to_string(),
        message,
    })
}

/// The constructor of `--constructor NAME ARGS…` (ARGS without a name is
/// an error).
fn constructor(
    name: &Option<String>,
    args: &[String],
) -> Result<Option<(String, Vec<Arg>)>, CliError> {
    match name {
        Some(name) => Ok(Some((
            name.clone(),
            args.iter().map(|a| arg(a)).collect::<Result<_, _>>()?,
        ))),
        None if args.is_empty() => Ok(None),
        None => Err(CliError::Arg(
            "constructor arguments need --constructor NAME".into(),
        )),
    }
}

/// A contract's creation, resolved: the VM, the block, the author, its
/// nonce (the next one by default), the balance and the constructor.
struct Creation {
    vm: Vm<RocksKv>,
    block: BlockContext,
    author: svm_state::Address,
    nonce: u64,
    balance: U256,
    constructor: Option<(String, Vec<Arg>)>,
}

impl CreateArgs {
    /// Checks the arguments and opens the VM.
    fn open(&self) -> Result<Creation, CliError> {
        let constructor = constructor(&self.constructor, &self.args)?;
        let author = hexarg::address(&self.author)?;
        let balance = amount(&self.balance)?;
        let (vm, block) = open(&self.vm)?;
        let nonce = match self.nonce {
            Some(n) => n,
            None => vm.next_nonce(&author)?,
        };
        Ok(Creation {
            vm,
            block,
            author,
            nonce,
            balance,
            constructor,
        })
    }
}

/// Runs `svm deploy`.
pub(crate) fn deploy(args: DeployArgs) -> Result<(), CliError> {
    let code = read_code(&args.file)?;
    if args.template && !args.create.args.is_empty() {
        return Err(CliError::Arg("a template has no constructor".into()));
    }
    let c = args.create.open()?;
    if args.template {
        let hash = svm_state::code::code_hash(&code);
        let tx = Template {
            author: c.author,
            nonce: c.nonce,
            code,
            gas_limit: args.create.gas,
        };
        let hash = serde_json::Value::String(hexarg::format(hash.as_bytes()));
        return run(&c.vm, Tx::Template(tx), c.block, &[("code_hash", hash)]);
    }
    let tx = Deploy {
        author: c.author,
        nonce: c.nonce,
        code,
        balance: c.balance,
        constructor: c.constructor,
        gas_limit: args.create.gas,
    };
    run(&c.vm, Tx::Deploy(tx), c.block, &[])
}

/// Runs `svm spawn`.
pub(crate) fn spawn(args: SpawnArgs) -> Result<(), CliError> {
    let template = hexarg::hash32(&args.template, "the template's code hash")?;
    let c = args.create.open()?;
    let tx = Spawn {
        author: c.author,
        nonce: c.nonce,
        template,
        balance: c.balance,
        constructor: c.constructor,
        gas_limit: args.create.gas,
    };
    run(&c.vm, Tx::Spawn(tx), c.block, &[])
}

/// Runs `svm call`.
pub(crate) fn call(args: CallArgs) -> Result<(), CliError> {
    let tx = Call {
        contract: hexarg::address(&args.address)?,
        sender: hexarg::address(&args.sender)?,
        function: args.function.clone(),
        args: args.args.iter().map(|a| arg(a)).collect::<Result<_, _>>()?,
        gas_limit: args.gas,
        value: amount(&args.value)?,
    };
    let (vm, block) = open(&args.vm)?;
    run(&vm, Tx::Call(tx), block, &[])
}
