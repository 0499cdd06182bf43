//! Helpers the end-to-end tests and the benchmark share: the example
//! contracts as module binaries (and the token widened to any number of
//! holders), and a seeded random generator, so every run sees the same data.

#![cfg_attr(not(test), warn(unused_crate_dependencies))]

use svm_state::layout::Layout;

/// The text of an example contract (`examples/contracts/NAME`).
pub fn contract_text(name: &str) -> String {
    let path = format!(
        "{}/../examples/contracts/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// An example contract as a module binary.
pub fn contract(name: &str) -> Vec<u8> {
    svm_vm::wat_to_wasm(contract_text(name).as_bytes()).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// `token.wat` with a layout of `holders` balances (four u64 balances per
/// 32-byte variable, after the 8-byte supply), as a module binary.
pub fn wide_token(holders: usize) -> Vec<u8> {
    let mut sizes = vec![8];
    sizes.resize(1 + holders.div_ceil(4), 32);
    let text = contract_text("token.wat");
    let start = text.find("(@custom \"svm-layout\"").expect("a layout");
    let end = start + text[start..].find(")\n").expect("its end") + 1;
    let layout = Layout::new(4096, &sizes).expect("a layout");
    let escaped: String = layout
        .encode()
        .iter()
        .map(|b| format!("\\{b:02x}"))
        .collect();
    let section = format!("(@custom \"svm-layout\" \"{escaped}\")");
    let text = format!("{}{section}{}", &text[..start], &text[end..]);
    svm_vm::wat_to_wasm(text.as_bytes()).expect("the widened token")
}

/// A seeded generator (splitmix64).
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    /// A generator starting from `seed`.
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// 32 random bytes.
    pub fn bytes32(&mut self) -> [u8; 32] {
        let mut out = [0u8; 32];
        for chunk in out.chunks_exact_mut(8) {
            chunk.copy_from_slice(&self.next_u64().to_le_bytes());
        }
        out
    }

    /// A number below `n` (which must not be 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_widened_token_declares_its_holders() {
        let code = wide_token(10);
        let layout = svm_state::code::layout_of(&code).unwrap();
        assert_eq!(layout.len(), 1 + 3);
        assert!(svm_vm::validate(&code, &svm_vm::VmConfig::default()).is_ok());
        let mut a = Rng::new(5);
        let mut b = Rng::new(5);
        assert_eq!(a.next_u64(), b.next_u64());
        assert!(a.below(3) < 3);
    }
}
