//! `svm`: the command-line tool of the svm state engine.

mod error;
mod hexarg;
mod input;
mod state_cmd;
mod trie_cmd;

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
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Merkle-Patricia trie tools: roots and proofs of key-value files.
    #[command(subcommand)]
    Trie(trie_cmd::TrieCommand),
    /// The state database: head, accounts, pages, variables, integrity check.
    State {
        #[command(subcommand)]
        command: state_cmd::StateCommand,
        #[command(flatten)]
        db: state_cmd::DbArgs,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Trie(cmd) => trie_cmd::run(cmd),
        Command::State { command, db } => state_cmd::run(command, db),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
