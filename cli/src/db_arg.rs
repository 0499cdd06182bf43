//! `--db`: where the state database is, parsed and opened in one place.

use std::path::{Path, PathBuf};

use clap::Args;
use svm_state::kv::RocksKv;
use svm_state::{StateConfig, StateDb};

use crate::error::CliError;

/// The database directory every command that touches state takes.
#[derive(Args)]
pub(crate) struct DbArg {
    /// The database directory (RocksDB).
    #[arg(long, default_value = "./svm-data", global = true)]
    db: PathBuf,
}

impl DbArg {
    /// The directory.
    pub(crate) fn path(&self) -> &Path {
        &self.db
    }

    /// Opens the database; with `create` false (reading commands) a missing
    /// directory is an error instead of a new, empty database.
    pub(crate) fn open(&self, create: bool) -> Result<StateDb<RocksKv>, CliError> {
        if !create && !self.db.exists() {
            return Err(CliError::Arg(format!(
                "no database at {} (create one with `svm state apply`, or pass --db)",
                self.db.display()
            )));
        }
        Ok(StateDb::open_rocks(&self.db, &StateConfig::default())?)
    }
}
