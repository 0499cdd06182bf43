//! Storage layouts: a contract's variables (their sizes, in order) packed into
//! fixed-size pages. The layout travels in the contract's code (a wasm custom
//! section), so the code hash commits to it. Packing rule and encoding:
//! `docs/FORMATS.md`. svm-state stores pages by these rules and verifiers cut
//! variables out of proven pages by them: one module for both.

use alloc::vec::Vec;

use crate::structure::{Structure, StructureError};

/// The name of the wasm custom section that holds a layout.
pub const SECTION_NAME: &str = "svm-layout";
/// The page size when a layout does not choose one.
pub const DEFAULT_PAGE_SIZE: u32 = 4096;
/// The smallest page size a layout may choose.
pub const MIN_PAGE_SIZE: u32 = 32;
/// The largest page size a layout may choose.
pub const MAX_PAGE_SIZE: u32 = 1 << 16;
/// The most variables a layout may declare.
pub const MAX_VARIABLES: usize = 1 << 16;
/// The most pages a layout may span.
pub const MAX_PAGES: u64 = 1 << 20;
/// The largest variable, in bytes (1 MiB): more than a transaction's gas
/// could ever write or a contract's memory hold at once, and small enough
/// that reading, proving or verifying one never allocates much.
pub const MAX_VARIABLE_BYTES: u32 = 1 << 20;

/// Why a layout is refused, or a variable not found.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LayoutError {
    /// The page size is outside the allowed range.
    #[error("page size {0} is outside {MIN_PAGE_SIZE}..={MAX_PAGE_SIZE}")]
    PageSize(u32),
    /// A variable has size zero.
    #[error("variable {0} has size zero")]
    EmptyVariable(usize),
    /// A variable is larger than [`MAX_VARIABLE_BYTES`].
    #[error("variable {index} has {size} bytes, more than the {MAX_VARIABLE_BYTES} allowed")]
    VariableTooLarge {
        /// The variable.
        index: usize,
        /// Its size.
        size: u32,
    },
    /// Too many variables.
    #[error("{0} variables is more than the {MAX_VARIABLES} allowed")]
    TooManyVariables(usize),
    /// The variables need more pages than allowed.
    #[error("the layout needs more than {MAX_PAGES} pages")]
    TooManyPages,
    /// The encoded layout is malformed.
    #[error("malformed layout section: {0}")]
    Malformed(&'static str),
    /// A structure's kind descriptor is malformed.
    #[error("variable {index}: {source}")]
    Structure {
        /// The variable.
        index: usize,
        /// Why.
        source: StructureError,
    },
    /// The variable is a structure, not fixed bytes in pages.
    #[error("variable {0} is a structure, not fixed bytes")]
    NotFixed(usize),
    /// The variable holds fixed bytes, not a structure.
    #[error("variable {0} holds fixed bytes, not a structure")]
    NotAStructure(usize),
    /// No variable with this index.
    #[error("variable {index} is outside the layout's {count} variables")]
    NoSuchVariable {
        /// The index asked for.
        index: usize,
        /// How many variables the layout has.
        count: usize,
    },
}

/// Where a variable lives: its first page, its offset in that page and its
/// length (a variable longer than a page continues on the following pages).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Placement {
    /// Index of the first page.
    pub page: u32,
    /// Offset in the first page.
    pub offset: u32,
    /// Length in bytes.
    pub len: u32,
}

impl Placement {
    /// The pages the variable spans, first to last: its own page when it is
    /// at most `page_size` bytes (the packing rule never lets it straddle
    /// two), else ⌈len ÷ page_size⌉ pages from its first. Within a valid
    /// layout every page index is below [`MAX_PAGES`].
    pub fn pages(&self, page_size: u32) -> core::ops::Range<u32> {
        let count = if self.len <= page_size {
            1
        } else {
            self.len.div_ceil(page_size)
        };
        self.page..self.page.saturating_add(count)
    }

    /// The variable's part on each page it spans, in order: (page, offset in
    /// that page, the part's byte range within the variable). The pages are
    /// exactly [`Placement::pages`].
    pub fn pieces(
        &self,
        page_size: u32,
    ) -> impl Iterator<Item = (u32, usize, core::ops::Range<usize>)> + use<> {
        let ps = page_size.max(1) as usize;
        let (first, offset, len) = (self.page, self.offset as usize, self.len as usize);
        let mut done = 0usize;
        core::iter::from_fn(move || {
            if done == len {
                return None;
            }
            let at = offset + done;
            let page = first + (at / ps) as u32;
            let in_page = at % ps;
            let n = (ps - in_page).min(len - done);
            let piece = (page, in_page, done..done + n);
            done += n;
            Some(piece)
        })
    }
}

/// What a variable holds, as its layout declares it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Fixed bytes of this size, packed into pages.
    Bytes(u32),
    /// An unbounded structure: a trie of its own, whose handle is a leaf of
    /// the storage trie under [`crate::structure::handle_key`]; it takes no
    /// room in pages.
    Structure(Structure),
}

/// Where one variable is.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Var {
    Fixed(Placement),
    Structure(Structure),
}

/// A contract's storage layout.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Layout {
    page_size: u32,
    vars: Vec<Var>,
    pages: u64,
}

impl Layout {
    /// Packs variables of the given sizes into pages of `page_size` bytes
    /// (a layout of fixed variables only; see [`Layout::with_kinds`]).
    pub fn new(page_size: u32, sizes: &[u32]) -> Result<Self, LayoutError> {
        let kinds: Vec<Kind> = sizes.iter().map(|s| Kind::Bytes(*s)).collect();
        Self::with_kinds(page_size, &kinds)
    }

    /// Lays out variables of the given kinds. Fixed variables are packed
    /// into pages of `page_size` bytes: in order, each variable that fits in
    /// a page goes at the next offset of the current page, or at the start
    /// of the next page if it would straddle two; a variable longer than a
    /// page starts on a fresh page and the next variable starts on the page
    /// after its last. Structures take no room in pages.
    pub fn with_kinds(page_size: u32, kinds: &[Kind]) -> Result<Self, LayoutError> {
        if !(MIN_PAGE_SIZE..=MAX_PAGE_SIZE).contains(&page_size) {
            return Err(LayoutError::PageSize(page_size));
        }
        if kinds.len() > MAX_VARIABLES {
            return Err(LayoutError::TooManyVariables(kinds.len()));
        }
        let ps = u64::from(page_size);
        let (mut page, mut offset) = (0u64, 0u64);
        let mut vars = Vec::with_capacity(kinds.len());
        for (i, kind) in kinds.iter().enumerate() {
            let size = match kind {
                Kind::Structure(s) => {
                    vars.push(Var::Structure(s.clone()));
                    continue;
                }
                Kind::Bytes(size) => *size,
            };
            if size > MAX_VARIABLE_BYTES {
                return Err(LayoutError::VariableTooLarge { index: i, size });
            }
            let size = u64::from(size);
            if size == 0 {
                return Err(LayoutError::EmptyVariable(i));
            }
            let at = if size <= ps {
                if offset + size > ps {
                    page += 1;
                    offset = 0;
                }
                let at = (page, offset);
                offset += size;
                at
            } else {
                if offset > 0 {
                    page += 1;
                }
                let at = (page, 0);
                page += size.div_ceil(ps);
                offset = 0;
                at
            };
            // `page` is the first page not yet full: every page before it is
            // used, and the current one too when `offset > 0`.
            if page + u64::from(offset > 0) > MAX_PAGES {
                return Err(LayoutError::TooManyPages);
            }
            vars.push(Var::Fixed(Placement {
                page: at.0 as u32,
                offset: at.1 as u32,
                len: size as u32,
            }));
        }
        let pages = if offset > 0 { page + 1 } else { page };
        Ok(Layout {
            page_size,
            vars,
            pages,
        })
    }

    /// Whether a library with this layout may run against the storage of a
    /// contract with layout `other`: the same page size, and this layout's
    /// variables are `other`'s first ones, each of the same kind at the same
    /// place (the packing rule makes a prefix of the declarations land
    /// where the whole does). The empty layout is compatible with any.
    pub fn is_prefix_of(&self, other: &Layout) -> bool {
        self.vars.is_empty()
            || (self.page_size == other.page_size
                && self.vars.len() <= other.vars.len()
                && self.vars.iter().zip(&other.vars).all(|(a, b)| a == b))
    }

    /// Bytes per page.
    pub fn page_size(&self) -> u32 {
        self.page_size
    }

    /// Number of variables (fixed and structures).
    pub fn len(&self) -> usize {
        self.vars.len()
    }

    /// Whether the layout declares no variable.
    pub fn is_empty(&self) -> bool {
        self.vars.is_empty()
    }

    /// Number of pages the fixed variables span.
    pub fn pages(&self) -> u64 {
        self.pages
    }

    fn var(&self, index: usize) -> Result<&Var, LayoutError> {
        self.vars.get(index).ok_or(LayoutError::NoSuchVariable {
            index,
            count: self.vars.len(),
        })
    }

    /// Where fixed variable `index` lives.
    pub fn placement(&self, index: usize) -> Result<Placement, LayoutError> {
        match self.var(index)? {
            Var::Fixed(p) => Ok(*p),
            Var::Structure(_) => Err(LayoutError::NotFixed(index)),
        }
    }

    /// The kind of structure variable `index`.
    pub fn structure(&self, index: usize) -> Result<&Structure, LayoutError> {
        match self.var(index)? {
            Var::Structure(s) => Ok(s),
            Var::Fixed(_) => Err(LayoutError::NotAStructure(index)),
        }
    }

    /// What variable `index` holds.
    pub fn kind(&self, index: usize) -> Result<Kind, LayoutError> {
        Ok(match self.var(index)? {
            Var::Fixed(p) => Kind::Bytes(p.len),
            Var::Structure(s) => Kind::Structure(s.clone()),
        })
    }

    /// The custom-section payload: LEB128 `page_size`, LEB128 count, then
    /// per variable its size as LEB128, or `0` and the structure's kind
    /// descriptor ([`Structure::encode`]).
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::new();
        leb128(&mut out, self.page_size);
        leb128(&mut out, self.vars.len() as u32);
        for v in &self.vars {
            match v {
                Var::Fixed(p) => leb128(&mut out, p.len),
                Var::Structure(s) => {
                    out.push(0);
                    s.encode(&mut out);
                }
            }
        }
        out
    }

    /// Reads a custom-section payload (canonical LEB128, no trailing bytes).
    pub fn decode(bytes: &[u8]) -> Result<Self, LayoutError> {
        let mut rest = bytes;
        let page_size = read_leb128(&mut rest)?;
        let count = read_leb128(&mut rest)? as usize;
        if count > MAX_VARIABLES {
            return Err(LayoutError::TooManyVariables(count));
        }
        // At least a byte per variable: a forged count allocates nothing.
        if count > rest.len() {
            return Err(LayoutError::Malformed("more variables than bytes"));
        }
        let mut kinds = Vec::with_capacity(count);
        for index in 0..count {
            kinds.push(match read_leb128(&mut rest)? {
                0 => Kind::Structure(
                    Structure::decode(&mut rest)
                        .map_err(|source| LayoutError::Structure { index, source })?,
                ),
                size => Kind::Bytes(size),
            });
        }
        if !rest.is_empty() {
            return Err(LayoutError::Malformed("trailing bytes"));
        }
        Self::with_kinds(page_size, &kinds)
    }
}

/// Appends `v` as unsigned LEB128.
pub fn leb128(out: &mut Vec<u8>, mut v: u32) {
    loop {
        let byte = (v & 0x7f) as u8;
        v >>= 7;
        if v == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

fn read_leb128(bytes: &mut &[u8]) -> Result<u32, LayoutError> {
    let mut v: u64 = 0;
    for i in 0..5 {
        let (&b, rest) = bytes
            .split_first()
            .ok_or(LayoutError::Malformed("truncated number"))?;
        *bytes = rest;
        v |= u64::from(b & 0x7f) << (7 * i);
        if b & 0x80 == 0 {
            if i > 0 && b == 0 {
                return Err(LayoutError::Malformed("number not in its shortest form"));
            }
            return u32::try_from(v).map_err(|_| LayoutError::Malformed("number over 32 bits"));
        }
    }
    Err(LayoutError::Malformed("number over 32 bits"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;
    use alloc::vec::Vec;
    use quickcheck::{QuickCheck, TestResult};

    #[test]
    fn prefixes_are_compatible_layouts() {
        let map = Kind::Structure(Structure::Map(crate::structure::Element::Bytes));
        let whole =
            Layout::with_kinds(4096, &[Kind::Bytes(8), map.clone(), Kind::Bytes(4000)]).unwrap();
        let prefix = Layout::with_kinds(4096, &[Kind::Bytes(8), map.clone()]).unwrap();
        assert!(prefix.is_prefix_of(&whole));
        assert!(whole.is_prefix_of(&whole));
        assert!(!whole.is_prefix_of(&prefix));
        let empty = Layout::with_kinds(1024, &[]).unwrap();
        assert!(empty.is_prefix_of(&whole));
        // Another size, kind or page size is not compatible.
        for other in [
            Layout::with_kinds(4096, &[Kind::Bytes(16)]).unwrap(),
            Layout::with_kinds(4096, &[map]).unwrap(),
            Layout::with_kinds(1024, &[Kind::Bytes(8)]).unwrap(),
        ] {
            assert!(!other.is_prefix_of(&whole), "{other:?}");
        }
    }

    #[test]
    fn packing_rule() {
        let l = Layout::new(32, &[8, 20, 8, 40, 4, 32]).unwrap();
        let at = |i| {
            let s = l.placement(i).unwrap();
            (s.page, s.offset, s.len)
        };
        assert_eq!(at(0), (0, 0, 8));
        assert_eq!(at(1), (0, 8, 20));
        assert_eq!(at(2), (1, 0, 8)); // would straddle pages 0 and 1
        assert_eq!(at(3), (2, 0, 40)); // longer than a page: fresh page, spans 2..=3
        assert_eq!(at(4), (4, 0, 4));
        assert_eq!(at(5), (5, 0, 32));
        assert_eq!(l.pages(), 6);
        assert_eq!(
            l.placement(6),
            Err(LayoutError::NoSuchVariable { index: 6, count: 6 })
        );
    }

    #[test]
    fn structures_take_no_page_room_and_are_pinned() {
        use crate::structure::{Element, Structure};
        let map_of_lists = Structure::Map(Element::Structure(alloc::boxed::Box::new(
            Structure::List(Element::Bytes),
        )));
        let kinds = [
            Kind::Bytes(8),
            Kind::Structure(map_of_lists.clone()),
            Kind::Bytes(20),
            Kind::Structure(Structure::SortedSet),
        ];
        let l = Layout::with_kinds(32, &kinds).unwrap();
        assert_eq!(l.len(), 4);
        // The fixed variables pack as if the structures were not there.
        let fixed = Layout::new(32, &[8, 20]).unwrap();
        assert_eq!(l.placement(0), fixed.placement(0));
        assert_eq!(l.placement(2), fixed.placement(1));
        assert_eq!(l.pages(), fixed.pages());
        assert_eq!(l.placement(1), Err(LayoutError::NotFixed(1)));
        assert_eq!(l.structure(1), Ok(&map_of_lists));
        assert_eq!(l.structure(0), Err(LayoutError::NotAStructure(0)));
        assert_eq!(l.kind(3), Ok(Kind::Structure(Structure::SortedSet)));
        // The section: page size 32, 4 variables, 8, 0 map<list<bytes>>, 20, 0 sorted set.
        let bytes = [32, 4, 8, 0, 2, 1, 0, 20, 0, 4];
        assert_eq!(l.encode(), bytes);
        assert_eq!(Layout::decode(&bytes), Ok(l));
        // A fixed-only layout encodes as it always did.
        assert_eq!(fixed.encode(), [32, 2, 8, 20]);
        // A bad descriptor names its variable.
        assert!(matches!(
            Layout::decode(&[32, 1, 0, 9]),
            Err(LayoutError::Structure { index: 0, .. })
        ));
        assert!(Layout::decode(&[32, 2, 0, 3]).is_err()); // count above the bytes left
    }

    /// Layouts mixing fixed variables and structures round-trip, and
    /// whatever decodes re-encodes to the same bytes.
    #[test]
    fn mixed_layouts_have_one_encoding() {
        use crate::structure::Structure;
        fn prop(vars: Vec<(u16, u8)>, noise: Vec<u8>) -> bool {
            let kinds: Vec<Kind> = vars
                .iter()
                .map(|&(size, tag)| {
                    if tag % 3 == 0 {
                        // A random descriptor: a prefix of `tag`-derived bytes.
                        let bytes = [1 + tag % 4, (tag / 4) % 5, 3, 4, 0];
                        Structure::decode(&mut &bytes[..]).map_or(Kind::Bytes(1), Kind::Structure)
                    } else {
                        Kind::Bytes(u32::from(size % 5000) + 1)
                    }
                })
                .collect();
            let l = Layout::with_kinds(4096, &kinds).unwrap();
            let bytes = l.encode();
            if Layout::decode(&bytes).as_ref() != Ok(&l) {
                return false;
            }
            let mut spoiled = bytes;
            spoiled.extend(noise);
            match Layout::decode(&spoiled) {
                Ok(d) => d.encode() == spoiled,
                Err(_) => true,
            }
        }
        QuickCheck::new()
            .tests(1000)
            .quickcheck(prop as fn(Vec<(u16, u8)>, Vec<u8>) -> bool);
    }

    #[test]
    fn refuses_bad_layouts() {
        assert_eq!(Layout::new(16, &[1]), Err(LayoutError::PageSize(16)));
        assert_eq!(
            Layout::new(4096, &[4, 0]),
            Err(LayoutError::EmptyVariable(1))
        );
        assert_eq!(
            Layout::new(32, &[u32::MAX]),
            Err(LayoutError::VariableTooLarge {
                index: 0,
                size: u32::MAX
            })
        );
        assert!(Layout::new(32, &[MAX_VARIABLE_BYTES]).is_ok());
        assert!(Layout::new(32, &[MAX_VARIABLE_BYTES + 1]).is_err());
        assert!(Layout::decode(&[0x80]).is_err());
        assert!(
            Layout::decode(&[0x80, 0x20, 0]).is_ok_and(|l| l.page_size() == 4096 && l.is_empty())
        );
        assert!(Layout::decode(&[0x80, 0x80, 0x00, 0]).is_err()); // not shortest
        assert!(Layout::decode(&[0x80, 0x20, 1, 4, 9]).is_err()); // trailing byte
    }

    /// Pages 0 .. 2^20 may all be used, by small variables or large ones;
    /// page 2^20 may not.
    #[test]
    fn the_last_page_is_usable_by_any_variable() {
        let big = MAX_VARIABLE_BYTES;
        // 65,536 large variables of 16 pages of 64 KiB: exactly 2^20 pages.
        let l = Layout::new(65_536, &vec![big; MAX_VARIABLES]).unwrap();
        assert_eq!(l.pages(), MAX_PAGES);
        let last = l.placement(MAX_VARIABLES - 1).unwrap();
        assert_eq!(u64::from(last.pages(65_536).end), MAX_PAGES);
        // 32-byte pages: 32 large variables of 32,768 pages fill them all.
        let l = Layout::new(32, &[big; 32]).unwrap();
        assert_eq!(l.pages(), MAX_PAGES);
        let mut sizes = vec![big; 32];
        sizes.push(1);
        assert_eq!(Layout::new(32, &sizes), Err(LayoutError::TooManyPages));
        // Small variables on the last page, then one that would start a new one.
        let mut sizes = vec![big; 31];
        sizes.push(big - 32);
        sizes.extend([1, 31]);
        let l = Layout::new(32, &sizes).unwrap();
        assert_eq!(l.pages(), MAX_PAGES);
        assert_eq!(u64::from(l.placement(33).unwrap().page), MAX_PAGES - 1);
        sizes.push(1);
        assert_eq!(Layout::new(32, &sizes), Err(LayoutError::TooManyPages));
    }

    #[test]
    fn variables_fit_their_pages_and_never_overlap() {
        fn prop(page: u16, sizes: Vec<u16>) -> TestResult {
            let page = u32::from(page).clamp(MIN_PAGE_SIZE, MAX_PAGE_SIZE);
            let sizes: Vec<u32> = sizes.iter().map(|s| u32::from(*s % 9000) + 1).collect();
            let l = Layout::new(page, &sizes).unwrap();
            let mut end = 0u64;
            for i in 0..l.len() {
                let s = l.placement(i).unwrap();
                let start = u64::from(s.page) * u64::from(page) + u64::from(s.offset);
                assert!(start >= end, "variables overlap");
                if s.len <= page {
                    assert!(s.offset + s.len <= page, "a small variable straddles pages");
                } else {
                    assert_eq!(s.offset, 0);
                }
                end = start + u64::from(s.len);
            }
            assert!(end <= l.pages() * u64::from(page));
            // The pieces of every variable cover it once, on its pages.
            for i in 0..l.len() {
                let s = l.placement(i).unwrap();
                let pieces: Vec<_> = s.pieces(page).collect();
                assert!(pieces.iter().map(|(p, ..)| *p).eq(s.pages(page)));
                let mut at = 0;
                for (_, off, range) in &pieces {
                    assert_eq!(range.start, at);
                    assert!(off + range.len() <= page as usize);
                    at = range.end;
                }
                assert_eq!(at, s.len as usize);
            }
            assert_eq!(Layout::decode(&l.encode()).unwrap(), l);
            TestResult::passed()
        }
        QuickCheck::new()
            .tests(500)
            .quickcheck(prop as fn(u16, Vec<u16>) -> TestResult);
    }
}
