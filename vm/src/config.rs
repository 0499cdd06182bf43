//! Limits and prices, with defaults.

/// What a contract may use.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VmConfig {
    /// Largest accepted code, in bytes.
    pub max_code_bytes: usize,
    /// Most functions a module may define.
    pub max_functions: u32,
    /// Most 64 KiB memory pages: a module's memory must declare a maximum no
    /// larger, so `memory.grow` beyond it fails (returns -1).
    pub max_memory_pages: u64,
    /// Most table elements (a table must declare a maximum no larger).
    pub max_table_elements: u64,
    /// Deepest nesting of calls inside a contract; deeper traps.
    pub max_call_depth: u32,
    /// Most locals a function may have, its parameters included (bounds a
    /// frame's size).
    pub max_locals: u32,
    /// Highest operand stack a function may build (bounds a frame's size on
    /// every compiler: singlepass keeps operands on the native stack).
    pub max_stack_height: u32,
    /// Largest gas limit a transaction may carry.
    pub max_tx_gas: u64,
    /// Largest sum of the gas limits of a block's transactions.
    pub max_block_gas: u64,
    /// Modules kept compiled in memory, in bytes of compiled artifact.
    pub module_cache_bytes: usize,
    /// Where compiled artifacts persist across restarts (none: memory only).
    pub artifact_dir: Option<std::path::PathBuf>,
    /// The compiler of contract code.
    pub compiler: CompilerKind,
    /// Tiered compilation (with singlepass as the compiler): contracts
    /// called often are compiled again with Cranelift in the background and
    /// run at its speed from then on. `None`: never. Needs the feature
    /// `cranelift` (on by default with it; without it there is no Cranelift
    /// and this is ignored: [`TIERING_AVAILABLE`]).
    pub tiering: Option<Tiering>,
}

/// Whether this build has Cranelift, so [`VmConfig::tiering`] takes effect.
pub const TIERING_AVAILABLE: bool = cfg!(feature = "cranelift");

/// When a contract is compiled again with Cranelift, and how long that may
/// take. Both compilers meter the same operators at the same prices, so a
/// receipt never depends on which one ran it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tiering {
    /// Calls of a module (served from the memory cache) after which it is
    /// queued for the Cranelift compile.
    pub hot_calls: u64,
    /// The longest a Cranelift compile may take: a module whose compile
    /// runs longer stays on singlepass (the compile is finished and thrown
    /// away before the next one starts, so at most one core is ever busy
    /// with tiering).
    pub compile_budget: std::time::Duration,
    /// Larger code is never tiered.
    pub max_code_bytes: usize,
}

impl Default for Tiering {
    fn default() -> Self {
        Tiering {
            hot_calls: 1_000,
            compile_budget: std::time::Duration::from_secs(2),
            max_code_bytes: 256 << 10,
        }
    }
}

/// Which wasmer compiler turns contract code into machine code. Both meter
/// the same operators with the same prices, so gas and results agree.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum CompilerKind {
    /// Singlepass: compile time linear in code size (untrusted uploads
    /// cannot make a node spend seconds compiling). The default.
    #[default]
    Singlepass,
    /// Cranelift: optimizing, several times slower to compile (feature
    /// `cranelift`).
    #[cfg(feature = "cranelift")]
    Cranelift,
}

impl CompilerKind {
    /// The compiler's name.
    pub fn name(self) -> &'static str {
        match self {
            CompilerKind::Singlepass => "singlepass",
            #[cfg(feature = "cranelift")]
            CompilerKind::Cranelift => "cranelift",
        }
    }
}

impl Default for VmConfig {
    fn default() -> Self {
        VmConfig {
            max_code_bytes: 512 << 10,
            max_functions: 10_000,
            max_memory_pages: 256, // 16 MiB
            max_table_elements: 10_000,
            max_call_depth: 512,
            max_locals: 1_000,
            max_stack_height: 1_024,
            max_tx_gas: 30_000_000,
            max_block_gas: 100_000_000,
            module_cache_bytes: 256 << 20,
            artifact_dir: None,
            compiler: CompilerKind::Singlepass,
            tiering: TIERING_AVAILABLE.then(Tiering::default),
        }
    }
}
