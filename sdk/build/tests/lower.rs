//! The lowering of `memory.copy` and `memory.fill` against the
//! instructions themselves: the same module before (run by wasmer, which
//! has bulk memory) and after, on random memories and ranges (overlapping
//! both ways, touching the end, out of bounds): the same memory afterwards,
//! the same traps. The lowered module is what svm validates.

use quickcheck::{Arbitrary, Gen, QuickCheck};
use wasmer::{Instance, Module, Store, TypedFunction, imports};

const TEXT: &str = r#"(module
  (memory (export "memory") 1 1)
  (func (export "copy") (param i32 i32 i32)
    (memory.copy (local.get 0) (local.get 1) (local.get 2)))
  (func (export "fill") (param i32 i32 i32)
    (memory.fill (local.get 0) (local.get 1) (local.get 2)))
  (@custom "svm-layout" "\80\20\01\08")
  (@custom "name-me" "dropped"))"#;

#[derive(Clone, Debug)]
struct Case {
    fill: bool,
    dst: u32,
    src: u32,
    n: u32,
    seed: u8,
}

impl Arbitrary for Case {
    fn arbitrary(g: &mut Gen) -> Self {
        let near = |g: &mut Gen| {
            let base = *g.choose(&[0u32, 100, 65_000, 65_536 - 64]).unwrap();
            base + u32::arbitrary(g) % 80
        };
        Case {
            fill: bool::arbitrary(g),
            dst: near(g),
            src: near(g),
            n: *g
                .choose(&[0u32, 1, 7, 8, 9, 15, 17, 64, 300, 70_000])
                .unwrap()
                + u32::arbitrary(g) % 3,
            seed: u8::arbitrary(g),
        }
    }
}

fn run(wasm: &[u8], c: &Case) -> (bool, Vec<u8>) {
    let mut store = Store::default();
    let module = Module::new(&store, wasm).unwrap();
    let instance = Instance::new(&mut store, &module, &imports! {}).unwrap();
    let memory = instance.exports.get_memory("memory").unwrap();
    let init: Vec<u8> = (0..65_536u32)
        .map(|i| (i.wrapping_mul(31) as u8) ^ c.seed)
        .collect();
    memory.view(&store).write(0, &init).unwrap();
    let f: TypedFunction<(i32, i32, i32), ()> = instance
        .exports
        .get_typed_function(&store, if c.fill { "fill" } else { "copy" })
        .unwrap();
    let trapped = f
        .call(&mut store, c.dst as i32, c.src as i32, c.n as i32)
        .is_err();
    let mut after = vec![0u8; 65_536];
    memory.view(&store).read(0, &mut after).unwrap();
    (trapped, after)
}

#[test]
fn lowered_bulk_memory_does_what_the_instructions_do() {
    let original = wat::parse_str(TEXT).unwrap();
    let lowered = svm_sdk_build::lower(&original).unwrap();
    fn prop(c: Case) -> bool {
        let original = wat::parse_str(TEXT).unwrap();
        let lowered = svm_sdk_build::lower(&original).unwrap();
        run(&original, &c) == run(&lowered, &c)
    }
    QuickCheck::new()
        .tests(200)
        .quickcheck(prop as fn(Case) -> bool);
    // Both kinds of trap and both copy directions happen among fixed cases.
    for (dst, src, n) in [
        (10, 3, 100),
        (3, 10, 100),
        (65_530, 0, 7),
        (0, 65_530, 7),
        (0, 0, 0),
    ] {
        for fill in [false, true] {
            let c = Case {
                fill,
                dst,
                src,
                n,
                seed: 9,
            };
            assert_eq!(run(&original, &c), run(&lowered, &c), "{c:?}");
        }
    }
    // svm refuses the original and accepts the lowered module; only the
    // layout's custom section is left.
    let config = svm_vm::VmConfig::default();
    assert!(svm_vm::validate(&original, &config).is_err());
    svm_vm::validate(&lowered, &config).unwrap();
    let customs: Vec<String> = wasmparser::Parser::new(0)
        .parse_all(&lowered)
        .filter_map(|p| match p.unwrap() {
            wasmparser::Payload::CustomSection(c) => Some(c.name().to_string()),
            _ => None,
        })
        .collect();
    assert_eq!(customs, ["svm-layout"]);
}

#[test]
fn a_module_without_bulk_memory_keeps_its_code() {
    let text = r#"(module (memory (export "memory") 1 1)
        (func (export "f") (result i32) (i32.const 7)))"#;
    let original = wat::parse_str(text).unwrap();
    let lowered = svm_sdk_build::lower(&original).unwrap();
    assert_eq!(lowered, original);
    assert!(svm_sdk_build::lower(b"\0asm\x01\0\0\0\x07").is_err());
}
