//! Replays every file of `fuzz/corpus/<target>/` and `fuzz/artifacts/<target>/` through the same checks the
//! cargo-fuzz targets run (kit/src/checks.rs), so that CI catches a regression on stable, without nightly
//! features or cargo-fuzz.

use anthropic_sse_kit::checks;

use std::path::Path;

/// A fuzz target's check.
type Check = fn(&[u8]);

const TARGETS: [(&str, Check); 9] = [
    ("sse_decoder", checks::sse_decoder),
    ("events", checks::events),
    ("fold", checks::fold),
    ("partial_json", checks::partial_json),
    ("structured", checks::structured),
    ("fast_paths", checks::fast_paths),
    ("eventstream", checks::eventstream),
    ("eventstream_structured", checks::eventstream_structured),
    ("tap", checks::tap),
];

#[test]
fn replay_fuzz_corpus_and_artifacts() {
    let fuzz = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    let mut replayed = 0;
    for (target, check) in TARGETS {
        for kind in ["corpus", "artifacts"] {
            let Ok(dir) = std::fs::read_dir(fuzz.join(kind).join(target)) else { continue };
            for entry in dir {
                let path = entry.expect("directory entry").path();
                if !path.is_file() {
                    continue;
                }
                let data = std::fs::read(&path).expect("readable");
                let result = std::panic::catch_unwind(|| check(&data));
                assert!(result.is_ok(), "{target}: {} fails its check", path.display());
                replayed += 1;
            }
        }
    }
    assert!(replayed >= 100, "expected the committed seed corpus, replayed {replayed} files");
    eprintln!("replayed {replayed} fuzz inputs");
}
