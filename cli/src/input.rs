//! Reading input files: whole, or as JSON lines with errors that name the line.

use serde::de::DeserializeOwned;

use crate::error::CliError;

/// The contents of the file at `path`.
pub(crate) fn read(path: &str) -> Result<String, CliError> {
    std::fs::read_to_string(path).map_err(|source| CliError::Read {
        path: path.to_string(),
        source,
    })
}

/// Each non-blank line of the file at `path` parsed as JSON, with its line
/// number (from 1). A line that does not parse is an error naming it, with
/// `expected` as the message if given (serde's message otherwise).
pub(crate) fn json_lines<T: DeserializeOwned>(
    path: &str,
    expected: Option<&str>,
) -> Result<Vec<(usize, T)>, CliError> {
    read(path)?
        .lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty())
        .map(|(i, line)| {
            serde_json::from_str(line)
                .map(|parsed| (i + 1, parsed))
                .map_err(|e| {
                    let message = expected.map_or_else(|| e.to_string(), str::to_string);
                    bad_line(path, i + 1, message)
                })
        })
        .collect()
}

/// The error for line `line` (from 1) of the file at `path`.
pub(crate) fn bad_line(path: &str, line: usize, message: String) -> CliError {
    CliError::Input {
        path: path.to_string(),
        line,
        message,
    }
}
