//! Gas rules v3: operators are charged once per region (a function body
//! outside its loops on entry, a loop body outside its nested loops on every
//! iteration), every operator of the region, taken or not. Checked against a
//! model on random programs of nested loops, `if`s and blocks left early, on
//! plain wasmer with svm's middleware: the exact gas, and running out at
//! exactly one unit less. Then the same rules through the VM, pinned.

mod common;

use common::*;
use quickcheck::{Arbitrary, Gen, QuickCheck};
use svm_vm::{Arg, RegionMetering, TxError};
use wasmer::sys::{CompilerConfig, EngineBuilder, Singlepass};
use wasmer::{Engine, Instance, Module, Store, imports};
use wasmer_middlewares::metering::{MeteringPoints, get_remaining_points, set_remaining_points};

/// A program's statement.
#[derive(Clone, Debug)]
enum Node {
    /// `k` times `i32.const 7; drop` (2 each).
    Ops(u8),
    /// A loop running `n` ≥ 1 times (a counter in its own local).
    Loop(u8, Vec<Node>),
    /// `if` on a constant, with both arms.
    If(bool, Vec<Node>, Vec<Node>),
    /// A block, left at its start by `br_if 0` when `true`.
    Block(bool, Vec<Node>),
}

fn nodes(g: &mut Gen, depth: usize) -> Vec<Node> {
    let len = usize::arbitrary(g) % 4;
    (0..len).map(|_| node(g, depth)).collect()
}

fn node(g: &mut Gen, depth: usize) -> Node {
    let pick = if depth == 0 { 0 } else { u8::arbitrary(g) % 4 };
    match pick {
        0 => Node::Ops(u8::arbitrary(g) % 6),
        1 => Node::Loop(1 + u8::arbitrary(g) % 4, nodes(g, depth - 1)),
        2 => Node::If(bool::arbitrary(g), nodes(g, depth - 1), nodes(g, depth - 1)),
        _ => Node::Block(bool::arbitrary(g), nodes(g, depth - 1)),
    }
}

#[derive(Clone, Debug)]
struct Program(Vec<Node>);

impl Arbitrary for Program {
    fn arbitrary(g: &mut Gen) -> Self {
        Program(nodes(g, 4))
    }

    fn shrink(&self) -> Box<dyn Iterator<Item = Self>> {
        Box::new(self.0.shrink().map(Program))
    }
}

impl Arbitrary for Node {
    fn arbitrary(g: &mut Gen) -> Self {
        node(g, 2)
    }

    fn shrink(&self) -> Box<dyn Iterator<Item = Self>> {
        match self {
            Node::Ops(k) => Box::new(k.shrink().map(Node::Ops)),
            Node::Loop(n, body) => {
                let n = *n;
                let body = body.clone();
                Box::new(
                    std::iter::once(Node::Ops(0))
                        .chain(body.shrink().map(move |b| Node::Loop(n, b))),
                )
            }
            Node::If(c, a, b) => {
                let (c, a2, b2) = (*c, a.clone(), b.clone());
                Box::new(
                    std::iter::once(Node::Ops(0))
                        .chain(a.shrink().map(move |a| Node::If(c, a, b2.clone())))
                        .chain(b.shrink().map(move |b| Node::If(c, a2.clone(), b))),
                )
            }
            Node::Block(e, body) => {
                let e = *e;
                Box::new(
                    std::iter::once(Node::Ops(0))
                        .chain(body.shrink().map(move |b| Node::Block(e, b))),
                )
            }
        }
    }
}

/// The text of `nodes`; loops take counters from `next_local` on.
fn emit(nodes: &[Node], next_local: &mut u32, out: &mut String) {
    for n in nodes {
        match n {
            Node::Ops(k) => {
                for _ in 0..*k {
                    out.push_str("i32.const 7 drop\n");
                }
            }
            Node::Loop(count, body) => {
                let c = *next_local;
                *next_local += 1;
                out.push_str(&format!("i32.const {count} local.set {c}\nloop\n"));
                emit(body, next_local, out);
                out.push_str(&format!(
                    "local.get {c} i32.const 1 i32.sub local.tee {c} br_if 0\nend\n"
                ));
            }
            Node::If(c, a, b) => {
                out.push_str(&format!("i32.const {} if\n", u8::from(*c)));
                emit(a, next_local, out);
                out.push_str("else\n");
                emit(b, next_local, out);
                out.push_str("end\n");
            }
            Node::Block(early, body) => {
                out.push_str("block\n");
                if *early {
                    out.push_str("i32.const 1 br_if 0\n");
                }
                emit(body, next_local, out);
                out.push_str("end\n");
            }
        }
    }
}

fn loops(nodes: &[Node]) -> u32 {
    nodes
        .iter()
        .map(|n| match n {
            Node::Ops(_) => 0,
            Node::Loop(_, b) => 1 + loops(b),
            Node::If(_, a, b) => loops(a) + loops(b),
            Node::Block(_, b) => loops(b),
        })
        .sum()
}

/// The price of `nodes`' operators outside the loops in them (a loop's
/// counter set-up, header and end included: they run once per entry).
fn static_price(nodes: &[Node]) -> u64 {
    nodes
        .iter()
        .map(|n| match n {
            Node::Ops(k) => 2 * u64::from(*k),
            Node::Loop(..) => 4,
            Node::If(_, a, b) => 4 + static_price(a) + static_price(b),
            Node::Block(early, b) => 2 + if *early { 3 } else { 0 } + static_price(b),
        })
        .sum()
}

/// What the loops in `nodes` charge when the code runs (`reached`): every
/// iteration pays its body's own operators and the counter's decrement and
/// branch (6), and whatever its inner loops charge.
fn loop_charges(nodes: &[Node], reached: bool) -> u64 {
    nodes
        .iter()
        .map(|n| match n {
            Node::Ops(_) => 0,
            Node::Loop(count, body) if reached => {
                u64::from(*count) * (static_price(body) + 6 + loop_charges(body, true))
            }
            Node::Loop(..) => 0,
            Node::If(c, a, b) => loop_charges(a, reached && *c) + loop_charges(b, reached && !*c),
            Node::Block(early, b) => loop_charges(b, reached && !*early),
        })
        .sum()
}

/// The model's gas for a call of the program: the function's region (its
/// final `end` included) and every loop iteration.
fn model_gas(p: &Program) -> u64 {
    static_price(&p.0) + 1 + loop_charges(&p.0, true)
}

fn module_text(p: &Program) -> String {
    let mut next = 0;
    let mut body = String::new();
    emit(&p.0, &mut next, &mut body);
    let locals = " i32".repeat(loops(&p.0) as usize);
    let locals = if locals.is_empty() {
        String::new()
    } else {
        format!("(local{locals})")
    };
    format!("(module (func (export \"run\") {locals}\n{body}))")
}

fn engine(config: impl CompilerConfig + 'static) -> Engine {
    let mut config = config;
    config.push_middleware(std::sync::Arc::new(RegionMetering::default()));
    EngineBuilder::new(config).into()
}

/// Runs `run` with `gas`: the gas left, or `None` if it ran out.
fn run(engine: &Engine, text: &str, gas: u64) -> Option<u64> {
    let mut store = Store::new(engine.clone());
    let module = Module::new(&store, text).expect("the program compiles");
    let instance = Instance::new(&mut store, &module, &imports! {}).expect("instantiates");
    set_remaining_points(&mut store, &instance, gas);
    let f = instance
        .exports
        .get_typed_function::<(), ()>(&store, "run")
        .expect("run");
    let result = f.call(&mut store);
    match get_remaining_points(&mut store, &instance) {
        MeteringPoints::Remaining(left) => {
            assert!(result.is_ok(), "trapped with gas left: {result:?}");
            Some(left)
        }
        MeteringPoints::Exhausted => {
            assert!(result.is_err(), "exhausted yet returned");
            None
        }
    }
}

fn charged_as_modelled(engine: &Engine, p: &Program) -> bool {
    let text = module_text(p);
    let want = model_gas(p);
    let limit = 1_000_000;
    let used = run(engine, &text, limit).map(|left| limit - left);
    assert_eq!(used, Some(want), "{text}");
    // Exactly enough runs; one less runs out.
    assert_eq!(run(engine, &text, want), Some(0), "{text}");
    assert_eq!(run(engine, &text, want - 1), None, "{text}");
    true
}

#[test]
fn random_programs_pay_what_the_model_says() {
    fn prop(p: Program) -> bool {
        static ENGINE: std::sync::OnceLock<Engine> = std::sync::OnceLock::new();
        charged_as_modelled(ENGINE.get_or_init(|| engine(Singlepass::new())), &p)
    }
    QuickCheck::new()
        .tests(150)
        .quickcheck(prop as fn(Program) -> bool);
}

#[cfg(feature = "cranelift")]
#[test]
fn cranelift_charges_the_same() {
    fn prop(p: Program) -> bool {
        static ENGINE: std::sync::OnceLock<Engine> = std::sync::OnceLock::new();
        charged_as_modelled(
            ENGINE.get_or_init(|| engine(wasmer::sys::Cranelift::new())),
            &p,
        )
    }
    QuickCheck::new()
        .tests(20)
        .quickcheck(prop as fn(Program) -> bool);
}

#[test]
fn a_loop_pays_its_whole_body_per_iteration() {
    let engine = engine(Singlepass::new());
    // Entry: the counter's set-up, header and end (4) and the final end (1);
    // each iteration: the untaken arm too (if/else: 4 + 2 + 2) and the
    // counter (6).
    let p = Program(vec![Node::Loop(
        3,
        vec![Node::If(true, vec![Node::Ops(1)], vec![Node::Ops(1)])],
    )]);
    assert_eq!(model_gas(&p), 5 + 3 * (8 + 6));
    assert!(charged_as_modelled(&engine, &p));
    // Running out is noticed at the entry of the iteration that cannot be
    // paid: 13 left of the 14 the third one needs.
    let text = module_text(&p);
    assert_eq!(run(&engine, &text, 5 + 2 * 14 + 13), None);
}

/// A contract whose `spin(n)` loops `n` times (n ≥ 1).
const SPIN: &str = r#"(module
  (memory (export "memory") 1 1)
  (@custom "svm-layout" "\80\20\01\08")
  (func (export "spin") (param $n i32)
    (loop $l
      (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))))"#;

#[test]
fn vm_charges_per_iteration_as_pinned() {
    let vm = vm();
    let c = deploy(&vm, SPIN.as_bytes().to_vec()).contract;
    let gas = |n: i32| {
        let r = call(&vm, c, "spin", vec![Arg::I32(n)], 1_000_000);
        assert!(r.success, "{r:?}");
        r.gas_used
    };
    // Pinned (gas rules v3, docs/FORMATS.md "Gas"): an iteration is
    // local.get, i32.const, i32.sub, local.tee (1 each) and br_if (2).
    assert_eq!(gas(11) - gas(1), 10 * 6);
    assert_eq!(gas(1001) - gas(1), 1000 * 6);
    // A limit that pays for the call but not its iterations runs out.
    let r = call(&vm, c, "spin", vec![Arg::I32(1_000_000)], gas(1) + 100);
    assert_eq!(r.error, Some(TxError::OutOfGas), "{r:?}");
    assert_eq!(r.gas_used, gas(1) + 100);
}
