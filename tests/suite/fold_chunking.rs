//! Property: the final message (or the error and the message so far) does not depend on how the input is
//! cut into chunks, over every real stream and every fixture.

use std::sync::OnceLock;

use anthropic_sse::{BlockingEvents, Events};
use proptest::prelude::*;

fn streams() -> &'static Vec<(String, Vec<u8>)> {
    static STREAMS: OnceLock<Vec<(String, Vec<u8>)>> = OnceLock::new();
    STREAMS.get_or_init(|| {
        let mut all: Vec<(String, Vec<u8>)> =
            anthropic_sse_kit::corpus::corpus().into_iter().map(|(n, b, _)| (n, b)).collect();
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
        for entry in std::fs::read_dir(dir).expect("fixtures") {
            let path = entry.expect("entry").path();
            if path.extension().is_some_and(|e| e == "sse") {
                all.push((path.display().to_string(), std::fs::read(&path).expect("fixture")));
            }
        }
        all
    })
}

fn outcome(
    result: Result<anthropic_sse::Message, anthropic_sse::Error>,
) -> (Option<String>, Option<serde_json::Value>) {
    match result {
        Ok(m) => (None, Some(serde_json::to_value(m).expect("serializes"))),
        Err(e) => {
            (Some(e.error_type().to_owned()), e.partial_message().map(|m| serde_json::to_value(m).expect("serializes")))
        }
    }
}

fn pieces(bytes: &[u8], cuts: &[usize]) -> Vec<Vec<u8>> {
    let mut bounds: Vec<usize> = cuts.iter().map(|c| c % (bytes.len() + 1)).collect();
    bounds.push(bytes.len());
    bounds.sort_unstable();
    let mut start = 0;
    bounds
        .into_iter()
        .map(|end| {
            let piece = bytes[start..end].to_vec();
            start = end;
            piece
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn final_message_does_not_depend_on_chunking(which in any::<prop::sample::Index>(), cuts in proptest::collection::vec(any::<usize>(), 0..64)) {
        let (name, bytes) = which.get(streams());
        let whole = outcome(BlockingEvents::new(&bytes[..]).final_message());
        let chunks = futures::stream::iter(pieces(bytes, &cuts).into_iter().map(Ok::<_, std::io::Error>));
        let split = outcome(futures::executor::block_on(Events::new(chunks).final_message()));
        prop_assert_eq!(split, whole, "{}", name);
    }
}
