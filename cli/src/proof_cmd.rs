//! `svm prove` and `svm verify`: state proofs for light clients.

use std::path::{Path, PathBuf};

use clap::Args;
use svm_proofs::verify::binary;
use svm_proofs::verify::layout::Layout;
use svm_proofs::{
    AnyProofError, Proven, json, prove_element, prove_range, prove_receipt, prove_variable,
    verify_any,
};

use crate::db_arg::DbArg;
use crate::error::CliError;
use crate::hexarg;

/// `svm prove`.
#[derive(Args)]
pub(crate) struct ProveArgs {
    /// The contract's address.
    #[arg(long, required_unless_present = "receipt")]
    contract: Option<String>,
    /// The variable's index in the contract's layout.
    #[arg(long, required_unless_present = "receipt")]
    variable: Option<u32>,
    /// Prove a receipt instead: `HEIGHT:INDEX`, the INDEX-th transaction of
    /// the block committed at HEIGHT, against the block's receipts root.
    #[arg(long, conflicts_with_all = ["contract", "variable", "root", "no_code"])]
    receipt: Option<String>,
    /// Prove an element of the structure variable instead: its path, one
    /// `--key` per level (a decimal list index, or a map key / set member
    /// as 0x-hex).
    #[arg(long = "key", requires = "variable")]
    keys: Vec<String>,
    /// Prove every member of a sorted set in [FROM, TO] instead (0x-hex;
    /// with `--to`): the sorted set is the variable, or the structure the
    /// `--key`s lead to.
    #[arg(long, requires_all = ["variable", "to"])]
    from: Option<String>,
    /// The range's last member (0x-hex; with `--from`).
    #[arg(long, requires = "from")]
    to: Option<String>,
    /// The world root to prove against (default: the head).
    #[arg(long)]
    root: Option<String>,
    /// Leave the contract's code out: smaller, but the verifier must be
    /// given the layout (`svm verify --layout`).
    #[arg(long)]
    no_code: bool,
    /// Also write the proof's compact binary encoding to this file.
    #[arg(long)]
    binary: Option<PathBuf>,
    #[command(flatten)]
    db: DbArg,
}

/// `svm verify`.
#[derive(Args)]
pub(crate) struct VerifyArgs {
    /// The proof: JSON from `svm prove` (a variable's or a receipt's), or
    /// its binary encoding (`svm prove --binary`).
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
    let db = args.db.open_read()?;
    if let Some(which) = &args.receipt {
        return prove_receipt_cmd(&db, which, args.binary.as_deref());
    }
    let (Some(contract), Some(variable)) = (&args.contract, args.variable) else {
        return Err(CliError::Arg(
            "give --contract and --variable, or --receipt".into(),
        ));
    };
    let root = match &args.root {
        Some(r) => hexarg::root(r)?,
        None => db.head().root,
    };
    let address = hexarg::address(contract)?;
    let path = args
        .keys
        .iter()
        .map(|k| hexarg::path_key(k))
        .collect::<Result<Vec<_>, _>>()?;
    if let (Some(from), Some(to)) = (&args.from, &args.to) {
        let from = hexarg::parse(from).map_err(CliError::Arg)?;
        let to = hexarg::parse(to).map_err(CliError::Arg)?;
        let (proof, proven) = prove_range(
            &db,
            root,
            &address,
            variable,
            &path,
            (&from, &to),
            !args.no_code,
        )?;
        if let Some(path) = &args.binary {
            write(path, &binary::encode_range(&proof))?;
        }
        println!(
            "{}",
            serde_json::to_string_pretty(&json::range_to_json(&proof, &proven))?
        );
        return Ok(());
    }
    if !path.is_empty() {
        let (proof, proven) = prove_element(&db, root, &address, variable, &path, !args.no_code)?;
        if let Some(path) = &args.binary {
            write(path, &binary::encode_element(&proof))?;
        }
        println!(
            "{}",
            serde_json::to_string_pretty(&json::element_to_json(&proof, &proven))?
        );
        return Ok(());
    }
    let (proof, proven) = prove_variable(&db, root, &address, variable, !args.no_code)?;
    if let Some(path) = &args.binary {
        write(path, &binary::encode_variable(&proof))?;
    }
    println!(
        "{}",
        serde_json::to_string_pretty(&json::variable_to_json(&proof, &proven))?
    );
    Ok(())
}

fn write(path: &Path, bytes: &[u8]) -> Result<(), CliError> {
    std::fs::write(path, bytes).map_err(|source| CliError::Write {
        path: path.display().to_string(),
        source,
    })
}

/// `svm prove --receipt HEIGHT:INDEX`: prints the JSON receipt proof.
fn prove_receipt_cmd(
    db: &svm_state::StateDb<svm_state::kv::RocksKv>,
    which: &str,
    binary_out: Option<&Path>,
) -> Result<(), CliError> {
    let bad = || CliError::Arg(format!("--receipt {which:?}: expected HEIGHT:INDEX"));
    let (h, i) = which.split_once(':').ok_or_else(bad)?;
    let (height, index) = (
        h.parse::<u64>().map_err(|_| bad())?,
        i.parse::<u64>().map_err(|_| bad())?,
    );
    let (proof, receipt, block) = prove_receipt(db, height, index)?;
    if let Some(path) = binary_out {
        write(path, &binary::encode_receipt(&proof))?;
    }
    let context = serde_json::json!({
        "height": block.height,
        "time": block.time,
        "worldRoot": hexarg::format(block.world_root.as_bytes()),
    });
    println!(
        "{}",
        serde_json::to_string_pretty(&json::receipt_to_json(&proof, &receipt, Some(context)))?
    );
    Ok(())
}

/// Runs `svm verify`: prints the proven value as hex (or that the account
/// is proven absent), or the proven receipt as JSON; fails with the reason.
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
    let proven = match verify_any(&bytes, root.as_ref(), layout.as_ref()) {
        Ok(p) => p,
        Err(AnyProofError::NotAProof(message)) => {
            return Err(CliError::Json {
                path: args.file.clone(),
                message,
            });
        }
        Err(AnyProofError::UnknownKind) => {
            return Err(CliError::Arg(format!(
                "{}: a binary proof of a version or kind `svm verify` does not read \
                 (it reads version 1 variable, multi-, receipt, element, element multi- and range proofs)",
                args.file
            )));
        }
        Err(AnyProofError::Binary(e)) => return Err(e.into()),
        Err(AnyProofError::Json(e)) => return Err(e.into()),
    };
    let proven = match proven {
        Proven::Variable(p) => p,
        Proven::Element(p) => return print_json(&json::element_value_json(p.element.as_ref())),
        Proven::Elements(ps) => {
            let out: Vec<_> = ps
                .iter()
                .map(|e| json::element_value_json(e.element.as_ref()))
                .collect();
            return print_json(&serde_json::Value::Array(out));
        }
        Proven::Variables(ps) => {
            let out: Vec<_> = ps
                .iter()
                .map(|p| {
                    serde_json::json!({
                        "address": hexarg::format(&p.address),
                        "variable": p.variable,
                        "value": p.value.as_deref().map(hexarg::format),
                    })
                })
                .collect();
            return print_json(&serde_json::Value::Array(out));
        }
        Proven::Range(p) => return print_json(&json::range_members_json(&p)),
        Proven::Receipt(r) => return print_json(&json::receipt_record_to_json(&r)),
    };
    match &proven.value {
        Some(v) => println!("{}", hexarg::format(v)),
        None => println!("absent: no account at {}", hexarg::format(&proven.address)),
    }
    Ok(())
}

fn print_json(v: &serde_json::Value) -> Result<(), CliError> {
    println!("{}", serde_json::to_string_pretty(v)?);
    Ok(())
}
