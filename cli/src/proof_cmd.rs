//! `svm prove` and `svm verify`: state proofs for light clients.

use std::path::PathBuf;

use clap::Args;
use svm_proofs::verify::binary;
use svm_proofs::verify::layout::Layout;
use svm_proofs::{json, prove_slice};

use crate::db_arg::DbArg;
use crate::error::CliError;
use crate::hexarg;

/// `svm prove`.
#[derive(Args)]
pub(crate) struct ProveArgs {
    /// The contract's address.
    #[arg(long)]
    contract: String,
    /// The variable's index in the contract's layout.
    #[arg(long)]
    var: u32,
    /// The world root to prove against (default: the head).
    #[arg(long)]
    root: Option<String>,
    /// Leave the contract's code out: smaller, but the verifier must be
    /// given the layout (`svm verify --layout`).
    #[arg(long)]
    no_code: bool,
    /// Also write the compact binary encoding to this file.
    #[arg(long)]
    binary: Option<PathBuf>,
    #[command(flatten)]
    db: DbArg,
}

/// `svm verify`.
#[derive(Args)]
pub(crate) struct VerifyArgs {
    /// The proof: JSON from `svm prove`, or its binary encoding.
    file: String,
    /// The trusted world root (default: the root the proof names, which
    /// only shows the proof is consistent).
    #[arg(long)]
    root: Option<String>,
    /// The contract's layout (hex of its `svm-layout` section), for proofs
    /// without code.
    #[arg(long)]
    layout: Option<String>,
}

/// Runs `svm prove`: prints the JSON proof.
pub(crate) fn prove(args: ProveArgs) -> Result<(), CliError> {
    let db = args.db.open(false)?;
    let root = match &args.root {
        Some(r) => hexarg::root(r)?,
        None => db.head().root,
    };
    let address = hexarg::address(&args.contract)?;
    let (proof, proven) = prove_slice(&db, root, &address, args.var, !args.no_code)?;
    if let Some(path) = &args.binary {
        std::fs::write(path, binary::encode_slice(&proof)).map_err(|source| CliError::Write {
            path: path.display().to_string(),
            source,
        })?;
    }
    println!(
        "{}",
        serde_json::to_string_pretty(&json::slice_to_json(&proof, &proven))?
    );
    Ok(())
}

/// Runs `svm verify`: prints the proven value as hex (or that the account
/// is proven absent); fails with the reason.
pub(crate) fn verify(args: VerifyArgs) -> Result<(), CliError> {
    let bytes = std::fs::read(&args.file).map_err(|source| CliError::Read {
        path: args.file.clone(),
        source,
    })?;
    let root = args
        .root
        .as_deref()
        .map(|r| hexarg::parse_fixed(r, "root", 32))
        .transpose()?
        .map(|r| <[u8; 32]>::try_from(r.as_slice()).unwrap_or_default());
    let layout = args
        .layout
        .as_deref()
        .map(|l| {
            let bytes = hexarg::parse(l).map_err(CliError::Arg)?;
            Layout::decode(&bytes).map_err(|e| CliError::Arg(format!("--layout: {e}")))
        })
        .transpose()?;
    let proven = if binary::is_binary(&bytes) {
        let p = binary::decode_slice(&bytes)?;
        p.verify(root.as_ref().unwrap_or(&p.root), layout.as_ref())?
    } else {
        let v: serde_json::Value = serde_json::from_slice(&bytes).map_err(|e| CliError::Json {
            path: args.file.clone(),
            message: e.to_string(),
        })?;
        json::verify_slice_json(&v, root.as_ref(), layout.as_ref())?
    };
    match &proven.value {
        Some(v) => println!("{}", hexarg::format(v)),
        None => println!("absent: no account at {}", hexarg::format(&proven.address)),
    }
    Ok(())
}
