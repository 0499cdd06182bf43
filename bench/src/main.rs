//! `svm-bench`: svm measured side by side with its peers in one run.
//!
//! `cargo run --release -p svm-bench -- [--suite all|trie|state|vm|proofs|structures|map-token|sync|ffi|calls|prune|scale] [--keys N] [--reps R] [--contracts C --blocks B --txs T] [--accounts A] [--holders H,H] [--json]`

mod alloc;
mod calls_bench;
mod ffi_bench;
mod map_token_bench;
mod proof_bench;
mod prune_bench;
mod report;
mod scale_bench;
mod state_bench;
mod structure_bench;
mod sync_bench;
mod trie_bench;
mod vm_bench;

use clap::Parser;

#[global_allocator]
static GLOBAL: alloc::Counting = alloc::Counting;

/// Benchmarks svm-trie against alloy-trie, trie-db and the keccak floor.
#[derive(Parser)]
#[command(name = "svm-bench", version, about)]
struct Args {
    /// Number of random 32-byte keys (with 32-byte values) in the big trie.
    #[arg(long, default_value_t = 1_000_000)]
    keys: usize,
    /// Runs of each bulk measurement (the median is reported).
    #[arg(long, default_value_t = 3)]
    reps: usize,
    /// Rounds of incremental updates.
    #[arg(long, default_value_t = 100)]
    rounds: usize,
    /// Updated keys per incremental round.
    #[arg(long, default_value_t = 1_000)]
    batch: usize,
    /// Contracts in the state benchmark.
    #[arg(long, default_value_t = 10_000)]
    contracts: usize,
    /// Blocks committed in the state benchmark (and blocks of 1,000
    /// transfers per pass in the ffi benchmark).
    #[arg(long, default_value_t = 100)]
    blocks: usize,
    /// Transactions per block in the state benchmark.
    #[arg(long, default_value_t = 1_000)]
    txs: usize,
    /// Accounts (and token holders) in the VM benchmark.
    #[arg(long, default_value_t = 100_000)]
    accounts: usize,
    /// Plain accounts in the proof and sync benchmarks.
    #[arg(long, default_value_t = 1_000_000)]
    proof_accounts: usize,
    /// Contracts (of `--proof-pages` full pages) in the proof and sync
    /// benchmarks.
    #[arg(long, default_value_t = 1_000)]
    proof_contracts: usize,
    /// Pages per contract in the proof benchmark.
    #[arg(long, default_value_t = 100)]
    proof_pages: usize,
    /// Elements in each structure of the structure benchmark (and in all
    /// contracts' maps together in the sync benchmark).
    #[arg(long, default_value_t = 1_000_000)]
    elements: usize,
    /// Token holders in the map-token benchmark (one row pair each).
    #[arg(long, value_delimiter = ',', default_values_t = [100_000, 1_000_000])]
    holders: Vec<usize>,
    /// Account counts the scale benchmark grows its state to and measures
    /// at.
    #[arg(long, value_delimiter = ',', default_values_t = [100_000, 1_000_000, 10_000_000])]
    sizes: Vec<usize>,
    /// Which benchmarks to run (`prune`, `scale`, `tiering` and `metering`
    /// only when named; `tiering` and `metering` are tables of the vm suite
    /// alone).
    #[arg(long, value_parser = ["all", "trie", "state", "vm", "proofs", "structures", "map-token", "sync", "ffi", "calls", "prune", "scale", "tiering", "metering"], default_value = "all")]
    suite: String,
    /// Print JSON instead of tables.
    #[arg(long)]
    json: bool,
    /// Run one svm-trie workload alone, as a target for callgrind: `build`
    /// (the bulk root), `update` (the incremental rounds), `prove` (proofs),
    /// `sorted` (the one-pass root of sorted input) or `alloy` (alloy-trie's
    /// `HashBuilder` on the same input); or `transfers`: `--blocks` blocks
    /// of 1,000 token transfers between `--accounts` holders (RocksDB,
    /// singlepass alone), for a profiler; or `sort-unmetered`, `sort-v2`,
    /// `sort-v3`: the metering table's sort kernel, `--reps` times on
    /// singlepass, unmetered, per basic block or per region.
    #[arg(long, value_parser = ["build", "update", "prove", "sorted", "alloy", "transfers", "sort-unmetered", "sort-v2", "sort-v3"])]
    profile: Option<String>,
}

fn main() {
    // The sync benchmark runs its server and client as children of itself.
    let raw: Vec<String> = std::env::args().skip(1).collect();
    if sync_bench::child(&raw) || ffi_bench::child(&raw) {
        return;
    }
    let args = Args::parse();
    let config = trie_bench::Config {
        keys: args.keys.max(2),
        reps: args.reps.max(1),
        rounds: args.rounds.max(1),
        batch: args.batch.clamp(1, args.keys.max(2)),
    };
    if let Some(workload) = &args.profile {
        if workload == "transfers" {
            vm_bench::profile_transfers(args.accounts.clamp(2, 262_000), args.blocks.max(1));
        } else if let Some(meter) = workload.strip_prefix("sort-") {
            vm_bench::profile_sort(meter, args.reps.max(1));
        } else {
            trie_bench::profile(&config, workload);
        }
        return;
    }
    let mut tables = Vec::new();
    if args.suite == "all" || args.suite == "trie" {
        tables.extend(trie_bench::run(&config));
    }
    if args.suite == "all" || args.suite == "vm" {
        tables.extend(vm_bench::run(&vm_bench::Config {
            // The token's layout (four holders per variable) must fit in 65,536 variables.
            accounts: args.accounts.clamp(2, 262_000),
            txs: 2_000,
            blocks: 5,
            reps: args.reps.max(1),
        }));
    }
    if args.suite == "metering" {
        tables.push(vm_bench::metering(args.reps.max(1)));
    }
    if args.suite == "tiering" {
        // The vm suite's last table alone.
        tables.push(vm_bench::tiering_budget());
    }
    if args.suite == "all" || args.suite == "state" {
        tables.extend(state_bench::run(&state_bench::Config {
            contracts: args.contracts.max(1),
            blocks: args.blocks.max(1),
            txs: args.txs.max(1),
        }));
    }
    if args.suite == "prune" {
        tables.extend(prune_bench::run(&state_bench::Config {
            contracts: args.contracts.max(1),
            blocks: args.blocks.max(1),
            txs: args.txs.max(1),
        }));
    }
    if args.suite == "scale" {
        let mut sizes = args.sizes.clone();
        sizes.sort_unstable();
        tables.extend(scale_bench::run(&scale_bench::Config {
            sizes,
            contracts: 1_000,
            blocks: args.blocks.max(1),
            txs: args.txs.max(1),
            reads: 2_000,
            cache_mib: 256,
        }));
    }
    if args.suite == "all" || args.suite == "proofs" {
        tables.extend(proof_bench::run(&proof_bench::Config {
            accounts: args.proof_accounts,
            contracts: args.proof_contracts.max(1),
            pages: args.proof_pages.clamp(1, 1 << 16),
            proofs: 1_000,
        }));
    }
    if args.suite == "all" || args.suite == "structures" {
        tables.extend(structure_bench::run(&structure_bench::Config {
            elements: args.elements.max(1),
            ops: 10_000,
        }));
    }
    if args.suite == "all" || args.suite == "map-token" {
        tables.push(map_token_bench::run(&map_token_bench::Config {
            holders: args.holders.clone(),
            blocks: 5,
            reps: args.reps.max(1),
        }));
    }
    if args.suite == "all" || args.suite == "sync" {
        tables.extend(sync_bench::run(&sync_bench::Config {
            accounts: args.proof_accounts,
            contracts: args.proof_contracts.max(1),
            pages: args.proof_pages.clamp(1, 1 << 16),
            elements: args.elements,
        }));
    }
    if args.suite == "all" || args.suite == "ffi" {
        tables.extend(ffi_bench::run(&ffi_bench::Config {
            holders: args.accounts.clamp(2, 262_000),
            blocks: args.blocks.max(1),
            reps: args.reps.max(1),
        }));
    }
    if args.suite == "all" || args.suite == "calls" {
        tables.extend(calls_bench::run(&calls_bench::Config {
            blocks: args.blocks.max(1),
            reps: args.reps.max(1),
        }));
    }
    if args.json {
        let out: Vec<_> = tables.iter().map(report::Table::to_json).collect();
        println!("{}", serde_json::to_string_pretty(&out).unwrap_or_default());
    } else {
        let trie = if args.suite != "all" && args.suite != "trie" {
            String::new()
        } else {
            format!(
                "{} random 32-byte keys with 32-byte values; ",
                report::count(config.keys as f64)
            )
        };
        println!(
            "svm-bench: {trie}{} cores; medians",
            rayon::current_num_threads()
        );
        for t in &tables {
            t.print();
        }
    }
}
