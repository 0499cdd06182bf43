//! Gas metering (gas rules v3): charged once per *region* on entry, where a
//! region is a function body outside its loops, or one loop's body outside
//! the loops nested in it. The charge is the price of every operator in the
//! region ([`crate::gas::operator_cost`]), taken paths or not, so a loop
//! iteration pays one check and one subtraction whatever its branches.
//!
//! Why every operator that runs is paid for: a region's operators run at
//! most once between two entries of the region. Going back in WebAssembly is
//! only a branch to a `loop`, and the operator sits inside that loop (whose
//! header charges its region again) or inside a loop nested in it (which
//! must be entered, and so charged, again to reach the operator); a new call
//! of the function starts with the function's charge. Each charge is at most
//! the region's static price, so nothing runs far ahead of its gas: running
//! out traps at the entry of the region that could not be paid, before any
//! of it runs.
//!
//! A `loop` operator and its `end` belong to the region around the loop
//! (they run once per entry, not per iteration). The code svm adds to
//! contracts (call depth, memory guard) is priced like the contract's own:
//! this middleware runs last. The remaining gas lives in an exported i64
//! global and the exhaustion flag in an exported i32 global, under the
//! names wasmer's metering uses, so `wasmer_middlewares::metering`'s
//! `get_remaining_points` and `set_remaining_points` read and set them.
//!
//! The middleware holds a function's operators until its final `end` (it
//! needs every region's price before the region's first operator): memory
//! proportional to the function, which validation bounds with the code.

use std::sync::Mutex;

use wasmer::sys::{FunctionMiddleware, MiddlewareError, MiddlewareReaderState, ModuleMiddleware};
use wasmer::wasmparser::{BlockType, Operator};
use wasmer::{GlobalInit, LocalFunctionIndex};
use wasmer_types::{GlobalIndex, ModuleInfo};

use crate::gas::operator_cost;
use crate::globals::add_global;

/// The export holding the gas left (as a `u64` in an i64 global).
const REMAINING_EXPORT: &str = "wasmer_metering_remaining_points";
/// The export set to 1 when a charge could not be paid.
const EXHAUSTED_EXPORT: &str = "wasmer_metering_points_exhausted";

/// The metering middleware (gas rules v3), one per compiled module, starting
/// with no gas: the VM sets the transaction's gas before each call. Public
/// for tools that compile contracts as svm does (the benchmarks).
#[derive(Debug, Default)]
pub struct RegionMetering {
    /// The remaining-gas and exhausted globals, once the module has them.
    globals: Mutex<Option<(GlobalIndex, GlobalIndex)>>,
}

impl ModuleMiddleware for RegionMetering {
    fn generate_function_middleware<'a>(
        &self,
        _: LocalFunctionIndex,
    ) -> Box<dyn FunctionMiddleware<'a> + 'a> {
        let (remaining, exhausted) = self
            .globals
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .expect("transform_module_info runs first");
        Box::new(FunctionMetering {
            remaining: remaining.as_u32(),
            exhausted: exhausted.as_u32(),
            ops: Vec::new(),
            prices: vec![0],
            open: Vec::new(),
            regions: vec![0],
        })
    }

    fn transform_module_info(&self, info: &mut ModuleInfo) -> Result<(), MiddlewareError> {
        let remaining = add_global(info, GlobalInit::I64Const(0), Some(REMAINING_EXPORT));
        let exhausted = add_global(info, GlobalInit::I32Const(0), Some(EXHAUSTED_EXPORT));
        *self.globals.lock().unwrap_or_else(|e| e.into_inner()) = Some((remaining, exhausted));
        Ok(())
    }
}

/// One function's metering: its operators held until the final `end`.
struct FunctionMetering<'a> {
    remaining: u32,
    exhausted: u32,
    ops: Vec<Operator<'a>>,
    /// Each region's price: the function's first, then one per loop in the
    /// order the loops open.
    prices: Vec<u64>,
    /// The open blocks, each `true` for a loop.
    open: Vec<bool>,
    /// The regions the current operator is nested in, innermost last.
    regions: Vec<usize>,
}

impl std::fmt::Debug for FunctionMetering<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FunctionMetering")
            .field("ops", &self.ops.len())
            .field("regions", &self.prices.len())
            .finish()
    }
}

impl FunctionMetering<'_> {
    /// Adds `price` to the innermost region.
    fn add(&mut self, price: u64) {
        let region = self.regions.last().copied().unwrap_or(0);
        if let Some(p) = self.prices.get_mut(region) {
            *p = p.saturating_add(price);
        }
    }

    /// The operators that pay `price` or trap, marking the gas exhausted.
    fn charge<'b>(&self, price: u64, state: &mut MiddlewareReaderState<'b>) {
        if price == 0 {
            return;
        }
        // Prices are sums of small constants over a bounded body; an i64
        // holds them with room to spare, and saturating keeps the compare
        // meaningful even if it did not.
        let value = i64::try_from(price).unwrap_or(i64::MAX);
        state.extend([
            // if remaining < price (unsigned) { exhausted = 1; trap }
            Operator::GlobalGet {
                global_index: self.remaining,
            },
            Operator::I64Const { value },
            Operator::I64LtU,
            Operator::If {
                blockty: BlockType::Empty,
            },
            Operator::I32Const { value: 1 },
            Operator::GlobalSet {
                global_index: self.exhausted,
            },
            Operator::Unreachable,
            Operator::End,
            // remaining -= price
            Operator::GlobalGet {
                global_index: self.remaining,
            },
            Operator::I64Const { value },
            Operator::I64Sub,
            Operator::GlobalSet {
                global_index: self.remaining,
            },
        ]);
    }
}

impl<'a> FunctionMiddleware<'a> for FunctionMetering<'a> {
    fn feed(
        &mut self,
        operator: Operator<'a>,
        state: &mut MiddlewareReaderState<'a>,
    ) -> Result<(), MiddlewareError> {
        let price = operator_cost(&operator);
        let mut done = false;
        match operator {
            Operator::Loop { .. } => {
                // The header runs once per entry: the enclosing region's.
                self.add(price);
                let region = self.prices.len();
                self.prices.push(0);
                self.open.push(true);
                self.regions.push(region);
            }
            // `try` and `try_table` never pass validation (no exceptions);
            // counted as blocks so what closes them keeps the count.
            Operator::Block { .. }
            | Operator::If { .. }
            | Operator::Try { .. }
            | Operator::TryTable { .. } => {
                self.add(price);
                self.open.push(false);
            }
            // A legacy `try`'s `delegate` closes it as an `end` would.
            Operator::Delegate { .. } => {
                self.open.pop();
                self.add(price);
            }
            Operator::End => match self.open.pop() {
                Some(true) => {
                    // A loop's end is left once per entry, as its header.
                    self.regions.pop();
                    self.add(price);
                }
                Some(false) => self.add(price),
                None => {
                    self.add(price);
                    done = true;
                }
            },
            _ => self.add(price),
        }
        self.ops.push(operator);
        if done {
            let prices = std::mem::take(&mut self.prices);
            let mut loops = prices.iter().skip(1);
            self.charge(prices.first().copied().unwrap_or(0), state);
            for op in std::mem::take(&mut self.ops) {
                let is_loop = matches!(op, Operator::Loop { .. });
                state.push_operator(op);
                if is_loop {
                    let price = loops
                        .next()
                        .copied()
                        .ok_or_else(|| MiddlewareError::new("metering", "loops miscounted"))?;
                    self.charge(price, state);
                }
            }
        }
        Ok(())
    }
}
