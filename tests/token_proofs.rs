//! End to end: deploy the token contract, run transfers, prove a balance at
//! several historical roots, and verify each against its root with nothing
//! but the proof.

use svm_proofs::prove_variable;
use svm_proofs::verify::{VariableProof, binary};
use svm_state::{Address, StateConfig, StateDb};
use svm_vm::{Arg, BlockContext, Call, Deploy, Vm, VmConfig};

const BLOCK: BlockContext = BlockContext { height: 1, time: 0 };
const ALICE: Address = Address::repeat_byte(0xa1);

fn call(token: Address, function: &str, args: Vec<Arg>) -> Call {
    Call {
        contract: token,
        sender: ALICE,
        function: function.into(),
        args,
        gas_limit: 1_000_000,
        value: 0u64.into(),
    }
}

#[test]
fn balances_proven_at_historical_roots() {
    let dir = tempfile::tempdir().unwrap();
    let db = StateDb::open_rocks(dir.path(), &StateConfig::default()).unwrap();
    let vm = Vm::new(db, VmConfig::default());
    let deploy = Deploy {
        author: ALICE,
        nonce: 0,
        code: svm_tests::contract("token.wat"),
        balance: 0u64.into(),
        constructor: None,
        gas_limit: 10_000_000,
    };
    let token = vm.deploy(&deploy, BLOCK).unwrap().contract;
    assert!(
        vm.call(
            &call(token, "mint", vec![Arg::I32(0), Arg::I64(1_000)]),
            BLOCK
        )
        .unwrap()
        .success
    );
    // (root, holder 1's balance) after each transfer.
    let mut history = Vec::new();
    for amount in [100i64, 50, 25, 400] {
        let args = vec![Arg::I32(0), Arg::I32(1), Arg::I64(amount)];
        let r = vm.call(&call(token, "transfer", args), BLOCK).unwrap();
        assert!(r.success, "{r:?}");
        let b = vm
            .call(&call(token, "balance_of", vec![Arg::I32(1)]), BLOCK)
            .unwrap();
        let balance = u64::from_le_bytes(b.return_data.try_into().unwrap());
        history.push((r.world_root.expect("committed alone"), balance));
    }
    assert_eq!(history.last().unwrap().1, 575);
    // Variable 1 holds holders 0 to 3; holder 1's balance is bytes 8..16.
    let proofs: Vec<Vec<u8>> = history
        .iter()
        .map(|(root, _)| {
            let (p, _) = prove_variable(vm.db(), *root, &token, 1, true).unwrap();
            binary::encode_variable(&p)
        })
        .collect();
    drop(vm);
    // The light client: a trusted root and the proof's bytes, nothing else.
    for ((root, balance), bytes) in history.iter().zip(&proofs) {
        let p: VariableProof = binary::decode_variable(bytes).unwrap();
        let proven = p.verify_for(&root.0, &token.0, 1, None).unwrap();
        let value = proven.value.unwrap();
        assert_eq!(
            u64::from_le_bytes(value[8..16].try_into().unwrap()),
            *balance
        );
        // Another historical root does not verify this proof.
        for (other, _) in &history {
            if other != root {
                assert!(p.verify(&other.0, None).is_err());
            }
        }
    }
}
