//! Each Rust example beside its hand-written twin: code bytes, the deploy's
//! gas and each call's gas, from the twins' scripts (gas is deterministic,
//! so one run is the measurement). `--json` prints the rows as JSON.
//!
//! ```sh
//! cargo run --release --locked -p svm-contracts --example compare
//! ```

use svm_contracts::twins::{self, Flavor};
use svm_state::kv::MemoryKv;
use svm_state::{StateConfig, StateDb};
use svm_vm::{Vm, VmConfig};

fn vm() -> Vm<MemoryKv> {
    let db = StateDb::open(MemoryKv::new(), &StateConfig::default()).expect("a memory store opens");
    Vm::new(db, VmConfig::default())
}

fn main() {
    let json = std::env::args().any(|a| a == "--json");
    let mut rows = Vec::new();
    println!("| example | Rust code bytes | twin code bytes | Rust ÷ twin |");
    println!("|---|---:|---:|---:|");
    for (name, rust, _) in svm_contracts::ALL {
        let wat = twins::module(name, Flavor::Wat);
        println!(
            "| {name} | {} | {} | {:.2}× |",
            rust.len(),
            wat.len(),
            rust.len() as f64 / wat.len() as f64
        );
    }
    println!();
    println!("| example | step | Rust gas | twin gas | Rust − twin | Rust ÷ twin |");
    println!("|---|---|---:|---:|---:|---:|");
    for (name, steps) in twins::scripts() {
        let (rust, _) = twins::run(&vm(), Flavor::Rust, &steps).expect("the script runs");
        let (wat, _) = twins::run(&vm(), Flavor::Wat, &steps).expect("the script runs");
        for (r, w) in rust.iter().zip(&wat) {
            let (Some(rr), Some(wr)) = (&r.receipt, &w.receipt) else {
                continue;
            };
            let status = if rr.success { "" } else { " (fails)" };
            println!(
                "| {name} | {}{status} | {} | {} | {} | {:.2}× |",
                r.what,
                rr.gas_used,
                wr.gas_used,
                rr.gas_used as i64 - wr.gas_used as i64,
                rr.gas_used as f64 / wr.gas_used as f64
            );
            rows.push(serde_json::json!({
                "example": name, "step": r.what, "success": rr.success,
                "rust_gas": rr.gas_used, "twin_gas": wr.gas_used,
            }));
        }
    }
    if json {
        println!("{}", serde_json::Value::Array(rows));
    }
}
