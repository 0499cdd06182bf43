//! Lowering a module the Rust toolchain emitted to what svm validates.
//!
//! Rust's standard library for `wasm32-unknown-unknown` ships compiled with
//! the bulk-memory proposal, so `memcpy` and `memset` inside it are the
//! `memory.copy` and `memory.fill` instructions, which svm refuses (they
//! would need per-byte gas). Each becomes a call of a function appended to
//! the module that does the same in WebAssembly 1.0: the bounds checked
//! first (a trap before anything is written, as the instruction does),
//! then eight bytes per step, overlapping ranges copied in the safe
//! direction. The data-count section goes (only bulk memory needs it), and
//! of the custom sections only `svm-layout` stays (names, producers and
//! target features are not code and cost deploy gas).

use wasm_encoder::reencode::{Reencode, RoundtripReencoder};
use wasm_encoder::{
    BlockType, CodeSection, CustomSection, Function, FunctionSection, Instruction, MemArg,
    MemArgTarget, Module, RawSection, TypeSection, ValType,
};
use wasmparser::{Operator, Parser, Payload};

/// Why a module could not be lowered.
#[derive(Debug, thiserror::Error)]
pub enum LowerError {
    /// The module does not parse.
    #[error("the module does not parse: {0}")]
    Parse(#[from] wasmparser::BinaryReaderError),
    /// An instruction or section could not be written back.
    #[error("the module could not be re-encoded: {0}")]
    Reencode(String),
    /// The module uses bulk memory on a memory other than the first.
    #[error("bulk memory on memory {0} (svm contracts have one memory)")]
    OtherMemory(u32),
}

impl From<wasm_encoder::reencode::Error> for LowerError {
    fn from(e: wasm_encoder::reencode::Error) -> Self {
        LowerError::Reencode(e.to_string())
    }
}

/// The custom section svm reads; every other custom section is dropped.
pub const LAYOUT_SECTION: &str = "svm-layout";

const DATA_COUNT: u8 = 12;

fn mem(align: u32) -> MemArg {
    MemArg {
        offset: 0,
        align,
        target: MemArgTarget::Memory(0),
        ordering: None,
    }
}

/// Traps unless `[local, local + n)` lies within memory (n is local 2).
fn bounds(f: &mut Function, local: u32) {
    use Instruction as I;
    for i in [
        I::LocalGet(local),
        I::I64ExtendI32U,
        I::LocalGet(2),
        I::I64ExtendI32U,
        I::I64Add,
        I::MemorySize(0),
        I::I64ExtendI32U,
        I::I64Const(16),
        I::I64Shl,
        I::I64GtU,
        I::If(BlockType::Empty),
        I::Unreachable,
        I::End,
    ] {
        f.instruction(&i);
    }
}

/// `n -= step; a += step; b += step` (locals 0, 1, 2), for forward loops.
fn advance(f: &mut Function, step: i32, locals: &[u32]) {
    use Instruction as I;
    for &l in locals {
        let op = if l == 2 { I::I32Sub } else { I::I32Add };
        for i in [I::LocalGet(l), I::I32Const(step), op, I::LocalSet(l)] {
            f.instruction(&i);
        }
    }
}

/// `memory.copy` as a function (dst, src, n): memmove semantics.
fn copy_function() -> Function {
    use Instruction as I;
    let mut f = Function::new([]);
    bounds(&mut f, 0);
    bounds(&mut f, 1);
    // dst <= src: forward, 8 bytes a step, then bytes.
    for i in [
        I::LocalGet(0),
        I::LocalGet(1),
        I::I32LeU,
        I::If(BlockType::Empty),
    ] {
        f.instruction(&i);
    }
    for i in [
        I::Block(BlockType::Empty),
        I::Loop(BlockType::Empty),
        I::LocalGet(2),
        I::I32Const(8),
        I::I32LtU,
        I::BrIf(1),
        I::LocalGet(0),
        I::LocalGet(1),
        I::I64Load(mem(0)),
        I::I64Store(mem(0)),
    ] {
        f.instruction(&i);
    }
    advance(&mut f, 8, &[0, 1, 2]);
    for i in [I::Br(0), I::End, I::End] {
        f.instruction(&i);
    }
    for i in [
        I::Block(BlockType::Empty),
        I::Loop(BlockType::Empty),
        I::LocalGet(2),
        I::I32Eqz,
        I::BrIf(1),
        I::LocalGet(0),
        I::LocalGet(1),
        I::I32Load8U(mem(0)),
        I::I32Store8(mem(0)),
    ] {
        f.instruction(&i);
    }
    advance(&mut f, 1, &[0, 1, 2]);
    for i in [I::Br(0), I::End, I::End] {
        f.instruction(&i);
    }
    // dst > src: backward from the end, 8 bytes a step, then bytes.
    f.instruction(&I::Else);
    for (step, load, store) in [
        (8, I::I64Load(mem(0)), I::I64Store(mem(0))),
        (1, I::I32Load8U(mem(0)), I::I32Store8(mem(0))),
    ] {
        for i in [
            I::Block(BlockType::Empty),
            I::Loop(BlockType::Empty),
            I::LocalGet(2),
            I::I32Const(step),
            I::I32LtU,
            I::BrIf(1),
            I::LocalGet(2),
            I::I32Const(step),
            I::I32Sub,
            I::LocalSet(2),
            I::LocalGet(0),
            I::LocalGet(2),
            I::I32Add,
            I::LocalGet(1),
            I::LocalGet(2),
            I::I32Add,
            load,
            store,
            I::Br(0),
            I::End,
            I::End,
        ] {
            f.instruction(&i);
        }
    }
    for i in [I::End, I::End] {
        f.instruction(&i);
    }
    f
}

/// `memory.fill` as a function (dst, byte, n); local 3 holds the byte
/// repeated eight times.
fn fill_function() -> Function {
    use Instruction as I;
    let mut f = Function::new([(1, ValType::I64)]);
    bounds(&mut f, 0);
    for i in [
        I::LocalGet(1),
        I::I32Const(0xff),
        I::I32And,
        I::LocalSet(1),
        I::LocalGet(1),
        I::I64ExtendI32U,
        I::I64Const(0x0101_0101_0101_0101),
        I::I64Mul,
        I::LocalSet(3),
        I::Block(BlockType::Empty),
        I::Loop(BlockType::Empty),
        I::LocalGet(2),
        I::I32Const(8),
        I::I32LtU,
        I::BrIf(1),
        I::LocalGet(0),
        I::LocalGet(3),
        I::I64Store(mem(0)),
    ] {
        f.instruction(&i);
    }
    advance(&mut f, 8, &[0, 2]);
    for i in [I::Br(0), I::End, I::End] {
        f.instruction(&i);
    }
    for i in [
        I::Block(BlockType::Empty),
        I::Loop(BlockType::Empty),
        I::LocalGet(2),
        I::I32Eqz,
        I::BrIf(1),
        I::LocalGet(0),
        I::LocalGet(1),
        I::I32Store8(mem(0)),
    ] {
        f.instruction(&i);
    }
    advance(&mut f, 1, &[0, 2]);
    for i in [I::Br(0), I::End, I::End, I::End] {
        f.instruction(&i);
    }
    f
}

/// What a first pass learns: whether bulk memory is used, and the index
/// spaces new items are appended to.
#[derive(Default)]
struct Scan {
    types: u32,
    imported_functions: u32,
    functions: u32,
    bulk: bool,
}

fn scan(wasm: &[u8]) -> Result<Scan, LowerError> {
    let mut s = Scan::default();
    for payload in Parser::new(0).parse_all(wasm) {
        match payload? {
            Payload::TypeSection(r) => s.types = r.count(),
            Payload::ImportSection(r) => {
                for import in r.into_imports() {
                    if matches!(import?.ty, wasmparser::TypeRef::Func(_)) {
                        s.imported_functions += 1;
                    }
                }
            }
            Payload::FunctionSection(r) => s.functions = r.count(),
            Payload::CodeSectionEntry(body) => {
                let mut ops = body.get_operators_reader()?;
                while !ops.eof() {
                    if matches!(
                        ops.read()?,
                        Operator::MemoryCopy { .. } | Operator::MemoryFill { .. }
                    ) {
                        s.bulk = true;
                    }
                }
            }
            _ => {}
        }
    }
    Ok(s)
}

/// `wasm` with `memory.copy` and `memory.fill` lowered to calls, without
/// its data-count section and without custom sections other than
/// `svm-layout`.
pub fn lower(wasm: &[u8]) -> Result<Vec<u8>, LowerError> {
    let s = scan(wasm)?;
    let copy = s.imported_functions + s.functions;
    let fill = copy + 1;
    let helper_type = s.types;
    let mut module = Module::new();
    let mut re = RoundtripReencoder;
    let mut code: Option<(CodeSection, u32)> = None;
    for payload in Parser::new(0).parse_all(wasm) {
        let payload = payload?;
        match &payload {
            Payload::Version { .. } | Payload::End(_) => continue,
            Payload::TypeSection(r) if s.bulk => {
                let mut types = TypeSection::new();
                re.parse_type_section(&mut types, r.clone())?;
                types.ty().function([ValType::I32; 3], []);
                module.section(&types);
                continue;
            }
            Payload::FunctionSection(r) if s.bulk => {
                let mut functions = FunctionSection::new();
                re.parse_function_section(&mut functions, r.clone())?;
                functions.function(helper_type);
                functions.function(helper_type);
                module.section(&functions);
                continue;
            }
            Payload::CodeSectionStart { count, .. } => {
                code = Some((CodeSection::new(), *count));
                if *count > 0 {
                    continue;
                }
            }
            Payload::CodeSectionEntry(body) => {
                let Some((section, left)) = code.as_mut() else {
                    return Err(LowerError::Reencode(
                        "a function body outside the code section".into(),
                    ));
                };
                let mut f = re.new_function_with_parsed_locals(body)?;
                let mut ops = body.get_operators_reader()?;
                while !ops.eof() {
                    match ops.read()? {
                        Operator::MemoryCopy { dst_mem, src_mem } => {
                            if dst_mem != 0 || src_mem != 0 {
                                return Err(LowerError::OtherMemory(dst_mem.max(src_mem)));
                            }
                            f.instruction(&Instruction::Call(copy));
                        }
                        Operator::MemoryFill { mem } => {
                            if mem != 0 {
                                return Err(LowerError::OtherMemory(mem));
                            }
                            f.instruction(&Instruction::Call(fill));
                        }
                        op => {
                            f.instruction(&re.instruction(op)?);
                        }
                    }
                }
                section.function(&f);
                *left -= 1;
                if *left > 0 {
                    continue;
                }
            }
            Payload::CustomSection(c) => {
                if c.name() == LAYOUT_SECTION {
                    module.section(&CustomSection {
                        name: c.name().into(),
                        data: c.data().into(),
                    });
                }
                continue;
            }
            _ => {}
        }
        // The code section is complete: the helpers go at its end.
        if matches!(
            payload,
            Payload::CodeSectionStart { .. } | Payload::CodeSectionEntry(_)
        ) {
            let Some((mut section, _)) = code.take() else {
                continue;
            };
            if s.bulk {
                section.function(&copy_function());
                section.function(&fill_function());
            }
            module.section(&section);
            continue;
        }
        if let Some((id, range)) = payload.as_section() {
            if id == DATA_COUNT {
                continue;
            }
            module.section(&RawSection {
                id,
                data: &wasm[range.start as usize..range.end as usize],
            });
        }
    }
    Ok(module.finish())
}
