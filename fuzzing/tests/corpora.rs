//! Replays every committed fuzz corpus input (`fuzz/corpus/NAME/*`) and
//! every regression input (`fuzz/regressions/NAME/*`) through its target on
//! stable: what fuzzing explored and found stays covered.

use std::path::Path;

fn replay(dir: &Path, run: fn(&[u8])) -> usize {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    let mut n = 0;
    for entry in entries {
        let path = entry.expect("a corpus entry").path();
        let data = std::fs::read(&path).expect("a corpus file");
        let outcome = std::panic::catch_unwind(|| run(&data));
        assert!(outcome.is_ok(), "{} fails its target", path.display());
        n += 1;
    }
    n
}

#[test]
fn every_corpus_input_passes_its_target() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz");
    for (name, run) in svm_fuzzing::TARGETS {
        let corpus = replay(&root.join("corpus").join(name), *run);
        let regressions = replay(&root.join("regressions").join(name), *run);
        assert!(
            corpus > 0,
            "no corpus for target {name}: run `cargo +nightly fuzz run {name}` and commit fuzz/corpus/{name}"
        );
        println!("{name}: {corpus} corpus inputs, {regressions} regressions");
    }
}
