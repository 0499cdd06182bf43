//! The globals svm's middlewares add to a contract's module (call depth,
//! memory guard, gas): mutable, appended after the contract's own, some
//! exported for the VM to read and set.

use wasmer::{ExportIndex, GlobalInit, GlobalType, Mutability, Type};
use wasmer_types::{GlobalIndex, ModuleInfo};

/// Appends a mutable global starting at `init` (an i32 or i64 constant) to
/// `info`, exported as `export` if given; returns its index.
pub(crate) fn add_global(
    info: &mut ModuleInfo,
    init: GlobalInit,
    export: Option<&str>,
) -> GlobalIndex {
    let ty = match init {
        GlobalInit::I64Const(_) => Type::I64,
        _ => Type::I32,
    };
    let index = info.globals.push(GlobalType::new(ty, Mutability::Var));
    info.global_initializers.push(init);
    if let Some(name) = export {
        info.exports
            .insert(name.to_string(), ExportIndex::Global(index));
    }
    index
}
