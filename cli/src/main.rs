//! `svm`: the command-line tool of the svm state engine.

mod db_arg;
mod demo_cmd;
mod error;
mod events_cmd;
mod hexarg;
mod input;
mod proof_cmd;
mod state_cmd;
mod sync_cmd;
mod trie_cmd;
mod vm_cmd;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// mimalloc: glibc's allocator grows per-thread arenas by tiny `mprotect`
/// calls, which doubles the wall time of building large tries on all cores.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// svm: a merkleized state engine for smart contracts.
#[derive(Parser)]
#[command(name = "svm", version, about)]
struct Cli {
    /// Log what the engine does to stderr: `-v` commits, pruning,
    /// compilations and syncs; `-vv` also each request served and each
    /// chunk synced; `-vvv` everything (node-cache misses too). `RUST_LOG`
    /// overrides, e.g. `RUST_LOG=svm_state=debug,svm_sync::serve=debug`.
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    verbose: u8,
    #[command(subcommand)]
    command: Command,
}

/// Logs through `tracing` to stderr by `-v` (`RUST_LOG` overrides the
/// level; nothing without `-v`).
fn verbose_logs(verbose: u8) {
    match verbose {
        0 => {}
        1 => logs("warn,svm=info,svm_state=debug,svm_vm=debug,svm_sync=info"),
        2 => logs("debug"),
        _ => logs("trace"),
    }
}

/// Logs through `tracing` to stderr, at `default` unless `RUST_LOG` says
/// (the first call sets the logger; later ones change nothing).
pub(crate) fn logs(default: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .try_init();
}

#[derive(Subcommand)]
enum Command {
    /// Merkle-Patricia trie tools: roots and proofs of key-value files.
    #[command(subcommand)]
    Trie(trie_cmd::TrieCommand),
    /// Deploy a contract (WebAssembly binary or text); prints the receipt.
    Deploy(vm_cmd::DeployArgs),
    /// Spawn a contract from a template (`svm deploy --template`): its own
    /// storage, the template's code; prints the receipt.
    Spawn(vm_cmd::SpawnArgs),
    /// Call a contract's function; prints the receipt.
    Call(vm_cmd::CallArgs),
    /// Events the node keeps (emitted with a time-to-live not yet passed),
    /// by contract, topic and block heights: one JSON object per line.
    Events(events_cmd::EventsArgs),
    /// Deploy the bundled example contracts, run calls, and print what
    /// happened (`--json`: every receipt).
    Demo(demo_cmd::DemoArgs),
    /// Prove a contract variable (or the account's absence) against a world
    /// root; prints the JSON proof.
    Prove(proof_cmd::ProveArgs),
    /// Verify a state proof (JSON or binary); prints the proven value as hex.
    Verify(proof_cmd::VerifyArgs),
    /// Print what the database keeps of the block committed at HEIGHT: its
    /// time, world root, receipts root and receipt count.
    Block {
        /// The block's height.
        height: u64,
        #[command(flatten)]
        db: db_arg::DbArg,
    },
    /// Serve the database to syncing nodes and light clients over HTTP:
    /// ranges of any trie held, code, the head, proofs.
    Serve(sync_cmd::ServeArgs),
    /// Sync the state at a trusted world root from one or more servers,
    /// verifying every chunk; resumable after a kill (rerun the command).
    Sync(sync_cmd::SyncArgs),
    /// Export a state as snapshot files, or import one.
    #[command(subcommand)]
    Snapshot(sync_cmd::SnapshotCommand),
    /// The state database: head, accounts, pages, variables, integrity check.
    State {
        #[command(subcommand)]
        command: state_cmd::StateCommand,
        #[command(flatten)]
        db: db_arg::DbArg,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    verbose_logs(cli.verbose);
    let result = match cli.command {
        Command::Trie(cmd) => trie_cmd::run(cmd),
        Command::State { command, db } => state_cmd::run(command, db),
        Command::Deploy(args) => vm_cmd::deploy(args),
        Command::Spawn(args) => vm_cmd::spawn(args),
        Command::Call(args) => vm_cmd::call(args),
        Command::Events(args) => events_cmd::run(args),
        Command::Demo(args) => demo_cmd::run(args),
        Command::Prove(args) => proof_cmd::prove(args),
        Command::Verify(args) => proof_cmd::verify(args),
        Command::Block { height, db } => state_cmd::block(height, &db),
        Command::Serve(args) => sync_cmd::serve(args),
        Command::Sync(args) => sync_cmd::sync(args),
        Command::Snapshot(cmd) => sync_cmd::snapshot(cmd),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            if let Some(hint) = e.hint() {
                eprintln!("hint: {hint}");
            }
            ExitCode::FAILURE
        }
    }
}
