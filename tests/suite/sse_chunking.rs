//! Property: the same bytes split at any positions (down to one byte at a time) give exactly the frames,
//! the error and the leftover of the unsplit input, whether frames are taken owned or borrowed.

use anthropic_sse::Limits;
use proptest::prelude::*;

use anthropic_sse_kit::sse::{Decoded as Outcome, Feeding};

fn decode(input: &[u8], cuts: &[usize], limits: Limits, use_bytes: bool) -> Outcome {
    anthropic_sse_kit::sse::decode(input, cuts, limits, Feeding { shared: use_bytes, borrowed: false })
}

fn decode_with(input: &[u8], cuts: &[usize], limits: Limits, use_bytes: bool, borrowed: bool) -> Outcome {
    anthropic_sse_kit::sse::decode(input, cuts, limits, Feeding { shared: use_bytes, borrowed })
}

/// SSE-ish pieces: field names (right and wrong case), colons, spaces, line endings, BOMs, NUL, digits,
/// multi-byte and invalid UTF-8.
fn piece() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        Just(b"data".to_vec()),
        Just(b"data:".to_vec()),
        Just(b"data: ".to_vec()),
        Just(b"event:".to_vec()),
        Just(b"event: x".to_vec()),
        Just(b"id:".to_vec()),
        Just(b"id: 1".to_vec()),
        Just(b"retry:".to_vec()),
        Just(b"retry: 10".to_vec()),
        Just(b"Data:".to_vec()),
        Just(b":".to_vec()),
        Just(b" ".to_vec()),
        Just(b"\n".to_vec()),
        Just(b"\r".to_vec()),
        Just(b"\r\n".to_vec()),
        Just(b"\n\n".to_vec()),
        Just(b"\xEF\xBB\xBF".to_vec()),
        Just(b"\xEF\xBB".to_vec()),
        Just(b"\0".to_vec()),
        Just("é🦅".as_bytes().to_vec()),
        Just(b"\xFF\xC3".to_vec()),
        Just(b"{\"type\":\"ping\"}".to_vec()),
        proptest::collection::vec(any::<u8>(), 0..6),
        "[a-z0-9 ]{0,12}".prop_map(String::into_bytes),
    ]
}

fn input() -> impl Strategy<Value = Vec<u8>> {
    proptest::collection::vec(piece(), 0..60).prop_map(|pieces| pieces.concat())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn any_split_gives_the_same_frames(
        input in input(),
        cuts in proptest::collection::vec(any::<usize>(), 0..20),
        use_bytes in any::<bool>(),
    ) {
        let whole = decode(&input, &[], Limits::default(), false);
        let split = decode(&input, &cuts, Limits::default(), use_bytes);
        prop_assert_eq!(&split, &whole);
    }

    #[test]
    fn one_byte_at_a_time_gives_the_same_frames(input in input()) {
        let whole = decode(&input, &[], Limits::default(), false);
        let cuts: Vec<usize> = (0..input.len()).collect();
        let bytewise = decode(&input, &cuts, Limits::default(), true);
        prop_assert_eq!(&bytewise, &whole);
    }

    #[test]
    fn borrowed_frames_are_the_owned_frames(
        input in input(),
        cuts in proptest::collection::vec(any::<usize>(), 0..20),
        line in 0usize..64,
        event in 0usize..64,
    ) {
        for limits in [Limits::default(), Limits::default().with_max_line_bytes(line).with_max_event_bytes(event)] {
            let owned = decode_with(&input, &cuts, limits, true, false);
            let borrowed = decode_with(&input, &cuts, limits, true, true);
            prop_assert_eq!(&borrowed, &owned);
        }
    }

    #[test]
    fn limits_fail_the_same_way_whatever_the_split(
        input in input(),
        cuts in proptest::collection::vec(any::<usize>(), 0..20),
        line in 0usize..24,
        event in 0usize..24,
    ) {
        let limits = Limits::default().with_max_line_bytes(line).with_max_event_bytes(event);
        let whole = decode(&input, &[], limits, false);
        let split = decode(&input, &cuts, limits, true);
        prop_assert_eq!(&split, &whole);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 3000, ..ProptestConfig::default() })]

    #[test]
    fn agrees_with_a_naive_reference(input in input(), cuts in proptest::collection::vec(any::<usize>(), 0..8)) {
        let got = decode(&input, &cuts, Limits::default(), true);
        let (frames, leftover) = anthropic_sse_kit::reference::sse(&input);
        prop_assert_eq!(&got.frames, &frames);
        // The reference cannot see an empty `event:` line, which the decoder reports only through its data.
        if got.leftover.is_none() {
            prop_assert!(!leftover, "reference saw a leftover the decoder did not");
        }
    }
}
