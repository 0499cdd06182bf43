//! Why a proof does not verify.

use crate::layout::LayoutError;
use crate::page::PageError;

impl From<svm_format::code::CodeError> for VerifyError {
    fn from(e: svm_format::code::CodeError) -> Self {
        use svm_format::code::CodeError;
        match e {
            CodeError::NotWasm(why) => VerifyError::Code(why),
            CodeError::NoLayout => VerifyError::Code("no layout section"),
            CodeError::DuplicateLayout => VerifyError::Code("two layout sections"),
            CodeError::Layout(l) => VerifyError::Layout(l),
        }
    }
}

impl From<svm_format::rlp::RlpError> for VerifyError {
    fn from(e: svm_format::rlp::RlpError) -> Self {
        VerifyError::Malformed(e.0)
    }
}

impl From<svm_format::mpt::ProofError> for VerifyError {
    fn from(e: svm_format::mpt::ProofError) -> Self {
        use svm_format::mpt::ProofError as P;
        match e {
            P::MissingNode(_) => VerifyError::MissingNode,
            P::HashMismatch { index, .. } => VerifyError::HashMismatch { index },
            P::Malformed(e) => VerifyError::Node(e),
            P::UnusedNodes(n) => VerifyError::UnusedNodes(n),
            P::DuplicateNode(_) => VerifyError::DuplicateNode,
        }
    }
}

impl From<svm_format::range::RangeError> for VerifyError {
    fn from(e: svm_format::range::RangeError) -> Self {
        use svm_format::range::RangeError as R;
        match e {
            R::Proof(p) => p.into(),
            R::Backwards => VerifyError::WrongQuestion("a range that ends below its start"),
            R::LongBound(_) => VerifyError::WrongQuestion("a bound longer than a member"),
            R::OddKey => VerifyError::Malformed("an entry at an odd number of nibbles"),
            R::TooDeep(_) => VerifyError::Malformed("nodes deeper than members reach"),
        }
    }
}

/// Why a proof does not verify (or cannot be decoded). A proof that fails
/// proves nothing; none of these is ever a panic.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    /// A node the path needs is not in the proof.
    #[error("the proof lacks a node the path needs")]
    MissingNode,
    /// A node does not hash to the reference its parent (or the root) holds.
    #[error("proof node {index} does not hash to the reference that leads to it")]
    HashMismatch {
        /// Position of the node in its list.
        index: usize,
    },
    /// The proof carries nodes no proven path used.
    #[error("the proof carries {0} node(s) not on any proven path")]
    UnusedNodes(usize),
    /// A node appears twice in a multiproof.
    #[error("a node appears twice in the proof")]
    DuplicateNode,
    /// The block holds no receipt at this index.
    #[error("the block holds no receipt {0}")]
    NoReceipt(u64),
    /// A variable is asked for twice in a multiproof.
    #[error("a variable is requested twice in the multiproof")]
    DuplicateRequest,
    /// A structure's handle, key or leaf breaks its format.
    #[error("structure: {0}")]
    Structure(svm_format::structure::StructureError),
    /// A node on a proven path is not a trie node.
    #[error("malformed proof node: {0}")]
    Node(#[from] svm_format::node::DecodeError),
    /// A node or value is not well-formed.
    #[error("malformed proof: {0}")]
    Malformed(&'static str),
    /// The proof answers another question than the one asked.
    #[error("the proof is for {0}, not the one asked")]
    WrongQuestion(&'static str),
    /// The account does not exist, yet the proof carries code or pages.
    #[error("the account does not exist, but the proof carries code or pages")]
    UnexpectedData,
    /// The account exists but holds no contract.
    #[error("the account holds no contract (it has no code)")]
    NotAContract,
    /// The code in the proof does not hash to the account's code hash.
    #[error("the code does not hash to the account's code hash")]
    CodeHashMismatch,
    /// Neither the proof nor the caller gives the contract's layout.
    #[error("no layout: the proof carries no code and none was given")]
    NoLayout,
    /// The layout given differs from the one the code declares.
    #[error("the layout given differs from the one the contract's code declares")]
    LayoutMismatch,
    /// The code's layout section is missing, doubled or malformed, or the
    /// variable is not in the layout.
    #[error("layout: {0}")]
    Layout(#[from] LayoutError),
    /// A proven page is not a stored page of the layout's page size.
    #[error("page: {0}")]
    Page(#[from] PageError),
    /// The code is not a WebAssembly module with one layout section.
    #[error("code: {0}")]
    Code(&'static str),
    /// The proof's pages are not the ones the variable spans.
    #[error("the variable spans pages {first}..{end}; the proof covers others")]
    WrongPages {
        /// The variable's first page.
        first: u32,
        /// One past its last page.
        end: u32,
    },
    /// A binary proof cannot be decoded.
    #[error("binary proof: {0}")]
    Decode(&'static str),
}
