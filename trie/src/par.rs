//! When work fans out over threads.

/// Updates to one branch at least this many are applied to its children in
/// parallel (and a sort of this many runs in parallel).
pub(crate) const PAR_OPS: usize = 512;

/// Whether there is more than one thread to fan out to.
pub(crate) fn parallel() -> bool {
    rayon::current_num_threads() > 1
}

/// How many levels of the trie a commit hashes in parallel, given the number of
/// updates since the last commit: none for a few, the root's children for
/// hundreds, their children too for thousands.
pub(crate) fn par_depth(pending: usize) -> u8 {
    if !parallel() {
        return 0;
    }
    match pending {
        0..256 => 0,
        256..8192 => 1,
        _ => 2,
    }
}
