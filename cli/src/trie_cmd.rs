//! `svm trie …`: the root of a key-value file, and proofs against it.

use std::io::Write;

use clap::Subcommand;
use serde::{Deserialize, Serialize};
use svm_trie::{H256, MemoryStore, TrieMut, hash, proof};

use crate::error::CliError;
use crate::{hexarg, input};

/// Trie commands.
#[derive(Subcommand)]
pub(crate) enum TrieCommand {
    /// Print the root of the trie built from FILE.
    Root {
        /// JSON lines `{"key":"0x…","value":"0x…"}`, applied in order
        /// (a later line overwrites; value "0x" deletes).
        file: String,
        /// Hash keys with keccak256 first (Ethereum's secure trie).
        #[arg(long)]
        secure: bool,
    },
    /// Print a JSON proof of KEY's value (or absence) in the trie built from FILE.
    Prove {
        /// JSON lines of updates, as for `root`.
        file: String,
        /// The key, as 0x-hex.
        key: String,
        /// Hash keys with keccak256 first (Ethereum's secure trie).
        #[arg(long)]
        secure: bool,
    },
    /// Verify a proof of KEY against ROOT; print the value, or `absent`.
    Verify {
        /// The trusted root, as 0x-hex.
        root: String,
        /// The key, as 0x-hex.
        key: String,
        /// A JSON proof as printed by `prove`, or a bare JSON array of hex nodes.
        proof: String,
        /// The proof is of keccak256(KEY) (Ethereum's secure trie).
        #[arg(long)]
        secure: bool,
    },
}

/// One line of an update file.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Line {
    key: String,
    value: String,
}

/// The JSON form of a proof.
#[derive(Serialize, Deserialize)]
struct ProofJson {
    root: String,
    key: String,
    value: String,
    proof: Vec<String>,
}

/// A proof file: the full form, or just the nodes.
#[derive(Deserialize)]
#[serde(untagged)]
enum ProofFile {
    Full(ProofJson),
    Nodes(Vec<String>),
}

/// Runs a trie command.
pub(crate) fn run(cmd: TrieCommand) -> Result<(), CliError> {
    match cmd {
        TrieCommand::Root { file, secure } => {
            let (root, _) = build(&file, secure)?;
            println!("{}", hexarg::format(root.as_bytes()));
        }
        TrieCommand::Prove { file, key, secure } => {
            let key_bytes = arg_key(&key, secure)?;
            let (root, store) = build(&file, secure)?;
            let p = proof::prove(&store, root, &key_bytes)?;
            let out = ProofJson {
                root: hexarg::format(root.as_bytes()),
                key: hexarg::format(&hexarg::parse(&key).map_err(CliError::Arg)?),
                value: hexarg::format(p.value.as_deref().unwrap_or_default()),
                proof: p.nodes.iter().map(|n| hexarg::format(n)).collect(),
            };
            let mut stdout = std::io::stdout().lock();
            serde_json::to_writer_pretty(&mut stdout, &out)?;
            let _ = writeln!(stdout);
        }
        TrieCommand::Verify {
            root,
            key,
            proof: path,
            secure,
        } => {
            let root = H256::from_slice(&hexarg::parse_fixed(&root, "root", 32)?);
            let key = arg_key(&key, secure)?;
            let (nodes, claimed) = read_proof(&path)?;
            let value = proof::verify(root, &key, &nodes)?;
            let shown =
                |v: &Option<Vec<u8>>| v.as_deref().map_or("absent".to_string(), hexarg::format);
            if let Some(claimed) = claimed
                && claimed != value
            {
                return Err(CliError::ClaimMismatch {
                    proven: shown(&value),
                    claimed: shown(&claimed),
                });
            }
            println!("{}", shown(&value));
        }
    }
    Ok(())
}

fn arg_key(key: &str, secure: bool) -> Result<Vec<u8>, CliError> {
    let key = hexarg::parse(key).map_err(|e| CliError::Arg(format!("key: {e}")))?;
    Ok(if secure {
        hash(&key).as_bytes().to_vec()
    } else {
        key
    })
}

/// Builds the trie of an update file; returns its root and a store of its nodes.
fn build(path: &str, secure: bool) -> Result<(H256, MemoryStore), CliError> {
    let mut updates = Vec::new();
    for (n, parsed) in input::json_lines::<Line>(path, None)? {
        let bad = |message: String| input::bad_line(path, n, message);
        let key = hexarg::parse(&parsed.key).map_err(|e| bad(format!("key: {e}")))?;
        let value = hexarg::parse(&parsed.value).map_err(|e| bad(format!("value: {e}")))?;
        let key = if secure {
            hash(&key).as_bytes().to_vec()
        } else {
            key
        };
        updates.push((key, value));
    }
    let mut trie = TrieMut::new(MemoryStore::new());
    trie.apply(updates)?;
    let commit = trie.commit()?;
    let mut store = MemoryStore::new();
    store.insert_all(&commit.nodes);
    Ok((commit.root, store))
}

/// Reads a proof file: its nodes and, in the full form, the value it claims.
type ReadProof = (Vec<Vec<u8>>, Option<Option<Vec<u8>>>);

fn read_proof(path: &str) -> Result<ReadProof, CliError> {
    let text = input::read(path)?;
    let json_err = |message: String| CliError::Json {
        path: path.to_string(),
        message,
    };
    let file: ProofFile = serde_json::from_str(&text).map_err(|_| {
        json_err("expected a proof object {\"root\",\"key\",\"value\",\"proof\"} or an array of hex nodes".into())
    })?;
    let (hex_nodes, claimed) = match file {
        ProofFile::Full(p) => {
            let v = hexarg::parse(&p.value).map_err(|e| json_err(format!("value: {e}")))?;
            (p.proof, Some((!v.is_empty()).then_some(v)))
        }
        ProofFile::Nodes(n) => (n, None),
    };
    let nodes = hex_nodes
        .iter()
        .enumerate()
        .map(|(i, n)| hexarg::parse(n).map_err(|e| json_err(format!("proof node {i}: {e}"))))
        .collect::<Result<_, _>>()?;
    Ok((nodes, claimed))
}
