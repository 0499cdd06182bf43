//! `0x`-prefixed hex on the command line and in files.

use crate::error::CliError;

/// Parses `0x…` hex (the prefix is optional); describes the problem on failure.
pub(crate) fn parse(s: &str) -> Result<Vec<u8>, String> {
    let digits = s
        .strip_prefix("0x")
        .or_else(|| s.strip_prefix("0X"))
        .unwrap_or(s);
    if !digits.len().is_multiple_of(2) {
        return Err(format!("hex {s:?} has an odd number of digits"));
    }
    hex::decode(digits).map_err(|e| format!("hex {s:?} is invalid: {e}"))
}

/// Parses a command-line argument that must be exactly `len` bytes of hex.
pub(crate) fn parse_fixed(s: &str, what: &str, len: usize) -> Result<Vec<u8>, CliError> {
    let bytes = parse(s).map_err(|e| CliError::Arg(format!("{what}: {e}")))?;
    if bytes.len() != len {
        return Err(CliError::Arg(format!(
            "{what} must be {len} bytes, not {}",
            bytes.len()
        )));
    }
    Ok(bytes)
}

/// A 20-byte address given as `0x…` hex.
pub(crate) fn address(s: &str) -> Result<svm_state::Address, CliError> {
    Ok(svm_state::Address::from_slice(&parse_fixed(
        s, "address", 20,
    )?))
}

/// A 32-byte root given as `0x…` hex.
pub(crate) fn root(s: &str) -> Result<svm_trie::H256, CliError> {
    Ok(svm_trie::H256::from_slice(&parse_fixed(s, "root", 32)?))
}

/// A 32-byte value (a code hash, a topic) given as `0x…` hex.
pub(crate) fn hash32(s: &str, what: &str) -> Result<svm_trie::H256, CliError> {
    Ok(svm_trie::H256::from_slice(&parse_fixed(s, what, 32)?))
}

/// A step of a structure path: a decimal list index, or a `0x…` key.
pub(crate) fn path_key(s: &str) -> Result<svm_state::structure::PathKey, CliError> {
    use svm_state::structure::PathKey;
    if s.starts_with("0x") || s.starts_with("0X") {
        return Ok(PathKey::Key(
            parse(s).map_err(|e| CliError::Arg(format!("--key: {e}")))?,
        ));
    }
    s.parse::<u32>().map(PathKey::Index).map_err(|_| {
        CliError::Arg(format!(
            "--key {s:?}: a list index (decimal) or a key as 0x-hex"
        ))
    })
}

/// Formats bytes as `0x…`.
pub(crate) fn format(bytes: &[u8]) -> String {
    format!("0x{}", hex::encode(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_formats() {
        assert_eq!(parse("0x0aff").unwrap(), vec![0x0a, 0xff]);
        assert_eq!(parse("0x").unwrap(), Vec::<u8>::new());
        assert_eq!(parse("ab").unwrap(), vec![0xab]);
        assert!(parse("0xabc").unwrap_err().contains("odd number"));
        assert!(parse("0xzz").unwrap_err().contains("invalid"));
        assert_eq!(format(&[1, 2]), "0x0102");
        use svm_state::structure::PathKey;
        assert_eq!(path_key("7").unwrap(), PathKey::Index(7));
        assert_eq!(path_key("0x07").unwrap(), PathKey::Key(vec![7]));
        assert_eq!(path_key("0x").unwrap(), PathKey::Key(vec![]));
        assert!(path_key("-1").is_err());
        assert!(path_key("dog").is_err());
    }
}
