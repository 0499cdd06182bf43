//! `--db`: where the state database is, parsed and opened in one place.

use std::path::{Path, PathBuf};

use clap::Args;
use svm_state::kv::RocksKv;
use svm_state::{History, StateConfig, StateDb};

use crate::error::CliError;

/// The database directory every command that touches state takes.
#[derive(Args)]
pub(crate) struct DbArg {
    /// The database directory (RocksDB).
    #[arg(long, default_value = "./svm-data", global = true)]
    db: PathBuf,
    /// What a new database keeps of its history: the last N state roots
    /// (older nodes are deleted) or `archive` (every root). Chosen when the
    /// database is created; a pruning database may change N later.
    #[arg(long, default_value = "128", value_parser = parse_history, global = true)]
    keep: History,
}

/// `--keep`: a number of roots (at least 1) or `archive`.
fn parse_history(s: &str) -> Result<History, String> {
    if s == "archive" {
        return Ok(History::Archive);
    }
    match s.parse::<u64>() {
        Ok(n) if n >= 1 => Ok(History::Recent(n)),
        _ => Err(format!(
            "`{s}`: a number of roots to keep (at least 1) or `archive`"
        )),
    }
}

impl DbArg {
    /// The directory.
    pub(crate) fn path(&self) -> &Path {
        &self.db
    }

    /// Opens the database for a command that writes (creating it if needed).
    pub(crate) fn open_write(&self) -> Result<StateDb<RocksKv>, CliError> {
        let config = StateConfig {
            history: self.keep,
            ..StateConfig::default()
        };
        Ok(StateDb::open_rocks(&self.db, &config)?)
    }

    /// Opens the database read-only, for a command that only reads: it
    /// runs beside a node holding the database, and a missing directory is
    /// an error instead of a new, empty database.
    pub(crate) fn open_read(&self) -> Result<StateDb<RocksKv>, CliError> {
        if !self.db.exists() {
            return Err(CliError::Arg(format!(
                "no database at {} (create one with `svm state apply`, or pass --db)",
                self.db.display()
            )));
        }
        let mut config = StateConfig::default();
        config.rocks.read_only = true;
        Ok(StateDb::open_rocks(&self.db, &config)?)
    }
}
