//! The schemes whose cost depends on what the kernel allows say which path
//! they took, so `connbench list` and the results can show it.

use connbench_impls::schemes::runtime_note;

#[test]
fn membarrier_schemes_say_which_barrier_they_use() {
    for id in ["srcu-fast", "rcu"] {
        let note = runtime_note(id).expect("a known scheme");
        assert!(
            note.contains("membarrier"),
            "{id} does not say whether membarrier is in use: {note:?}"
        );
    }
    assert!(runtime_note("no-such-scheme").is_err());
}
