//! Every rule of the WHATWG event-stream interpretation (spec §1), walked with concrete bytes.

use anthropic_sse::__private::{Unterminated, sse_finish};
use anthropic_sse::framing::{Frame, SseDecoder as Decoder};
use anthropic_sse::{LimitError, Limits};

/// (event, data, id, retry) of each frame, for compact expectations.
type Plain = (String, String, String, Option<u64>);

fn plain(frame: &Frame) -> Plain {
    (frame.event().to_owned(), frame.data().to_owned(), frame.id().to_owned(), frame.retry())
}

/// Decodes `input` fed in `chunk`-byte pieces; returns the frames, the first error and what `finish` said.
fn decode_in(input: &[u8], chunk: usize) -> (Vec<Plain>, Option<LimitError>, Option<Unterminated>) {
    let mut decoder = Decoder::new();
    let mut frames = Vec::new();
    for piece in input.chunks(chunk.max(1)) {
        decoder.feed(piece);
        for frame in decoder.frames() {
            match frame {
                Ok(f) => frames.push(plain(&f)),
                Err(e) => return (frames, Some(e), None),
            }
        }
    }
    (frames, None, sse_finish(&mut decoder))
}

/// Frames of `input`, checked to be the same whole, byte by byte and in 2- and 3-byte pieces.
fn frames(input: &[u8]) -> Vec<Plain> {
    let (whole, err, rest) = decode_in(input, input.len().max(1));
    assert!(err.is_none());
    for chunk in [1, 2, 3] {
        let (split, err2, rest2) = decode_in(input, chunk);
        assert_eq!(split, whole, "chunk size {chunk} changed the frames");
        assert!(err2.is_none());
        assert_eq!(rest2, rest, "chunk size {chunk} changed the leftover");
    }
    whole
}

fn f(event: &str, data: &str, id: &str) -> Plain {
    (event.to_owned(), data.to_owned(), id.to_owned(), None)
}

#[test]
fn basic_event_with_type_and_data() {
    assert_eq!(frames(b"event: add\ndata: 73857293\n\n"), vec![f("add", "73857293", "")]);
}

#[test]
fn missing_event_type_is_message() {
    assert_eq!(frames(b"data: x\n\n"), vec![f("message", "x", "")]);
    assert_eq!(frames(b"event:\ndata: x\n\n"), vec![f("message", "x", "")]);
    assert_eq!(frames(b"event\ndata: x\n\n"), vec![f("message", "x", "")]);
}

#[test]
fn bom_is_skipped_only_at_stream_start() {
    assert_eq!(frames(b"\xEF\xBB\xBFdata: a\n\n"), vec![f("message", "a", "")]);
    // A second BOM is part of the first line: the field name becomes "\u{FEFF}data", which is ignored.
    assert_eq!(frames(b"\xEF\xBB\xBF\xEF\xBB\xBFdata: a\n\ndata: b\n\n"), vec![f("message", "b", "")]);
    // A BOM later in the stream is data.
    assert_eq!(
        frames(b"data: a\n\n\xEF\xBB\xBFdata: b\n\ndata: c\n\n"),
        vec![f("message", "a", ""), f("message", "c", "")]
    );
    assert_eq!(frames(b"data: \xEF\xBB\xBFx\n\n"), vec![f("message", "\u{FEFF}x", "")]);
}

#[test]
fn bom_split_across_chunks() {
    let input = b"\xEF\xBB\xBFevent: e\ndata: 1\n\n";
    let mut decoder = Decoder::new();
    let mut got = Vec::new();
    for piece in [&input[..1], &input[1..2], &input[2..3], &input[3..]] {
        decoder.feed(piece);
        got.extend(decoder.frames().map(|f| plain(&f.unwrap())));
    }
    assert_eq!(got, vec![f("e", "1", "")]);
}

#[test]
fn partial_bom_is_data_of_the_first_line() {
    // EF BB then 'd': not a BOM; the two bytes are invalid UTF-8 in the first line's field name.
    assert_eq!(frames(b"\xEF\xBBdata: a\n\ndata: b\n\n"), vec![f("message", "b", "")]);
    // EF BB then a colon: the bytes are the field name of a (ignored) field.
    assert_eq!(frames(b"\xEF\xBB: comment\ndata: b\n\n"), vec![f("message", "b", "")]);
    // A lone EF before a line end is a line by itself with an unknown name.
    assert_eq!(frames(b"\xEF\ndata: z\n\n"), vec![f("message", "z", "")]);
}

#[test]
fn line_endings_cr_lf_crlf_and_mixed() {
    let expected = vec![f("message", "a", ""), f("message", "b", ""), f("message", "c", "")];
    assert_eq!(frames(b"data: a\n\ndata: b\n\ndata: c\n\n"), expected);
    assert_eq!(frames(b"data: a\r\rdata: b\r\rdata: c\r\r"), expected);
    assert_eq!(frames(b"data: a\r\n\r\ndata: b\r\n\r\ndata: c\r\n\r\n"), expected);
    assert_eq!(frames(b"data: a\r\n\ndata: b\r\rdata: c\n\r\n"), expected);
}

#[test]
fn crlf_split_across_chunks_is_one_line_ending() {
    // "data: a\r" | "\n" | "data: b\r\n\r\n": the LF after the CR must not count as a blank line.
    let mut decoder = Decoder::new();
    decoder.feed(b"data: a\r");
    assert!(decoder.next_frame().unwrap().is_none());
    decoder.feed(b"\n");
    assert!(decoder.next_frame().unwrap().is_none());
    decoder.feed(b"data: b\r\n\r\n");
    let frame = decoder.next_frame().unwrap().unwrap();
    assert_eq!(frame.data(), "a\nb");
}

#[test]
fn dispatches_at_blank_line_without_waiting() {
    // The blank line ends with a CR that is the last byte: the event is complete and must come out now.
    let mut decoder = Decoder::new();
    decoder.feed(b"data: now\r\r");
    assert_eq!(decoder.next_frame().unwrap().map(|f| f.data().to_owned()), Some("now".into()));
    // And an LF that follows is swallowed as part of that CRLF, not taken as another blank line.
    decoder.feed(b"\ndata: next\n\n");
    assert_eq!(decoder.next_frame().unwrap().map(|f| f.data().to_owned()), Some("next".into()));
    assert!(decoder.next_frame().unwrap().is_none());
}

#[test]
fn lf_after_cr_only_directly_after() {
    // CR, then empty chunk, then LF: still one line ending.
    let mut decoder = Decoder::new();
    decoder.feed(b"data: a\r");
    decoder.feed(b"");
    decoder.feed(b"\n\n");
    assert_eq!(decoder.next_frame().unwrap().unwrap().data(), "a");
}

#[test]
fn comments_are_ignored() {
    assert_eq!(frames(b": hello\ndata: a\n: more\n\n:\n\n"), vec![f("message", "a", "")]);
    // A comment-only block dispatches nothing.
    assert_eq!(frames(b": keep-alive\n\n"), vec![]);
}

#[test]
fn field_without_colon_has_empty_value() {
    // "data" alone appends an empty line to the data buffer.
    assert_eq!(frames(b"data\n\n"), vec![f("message", "", "")]);
    assert_eq!(frames(b"data\ndata\n\n"), vec![f("message", "\n", "")]);
    assert_eq!(frames(b"data:\n\n"), vec![f("message", "", "")]);
}

#[test]
fn exactly_one_leading_space_is_stripped() {
    assert_eq!(frames(b"data:x\n\n"), vec![f("message", "x", "")]);
    assert_eq!(frames(b"data: x\n\n"), vec![f("message", "x", "")]);
    assert_eq!(frames(b"data:  x\n\n"), vec![f("message", " x", "")]);
    assert_eq!(frames(b"data:\tx\n\n"), vec![f("message", "\tx", "")]);
    assert_eq!(frames(b"data: x \n\n"), vec![f("message", "x ", "")]);
    assert_eq!(frames(b"event:  sp\ndata: 1\n\n"), vec![f(" sp", "1", "")]);
}

#[test]
fn value_may_contain_colons() {
    assert_eq!(frames(b"data: a: b:c\n\n"), vec![f("message", "a: b:c", "")]);
}

#[test]
fn multiple_data_lines_join_with_lf() {
    assert_eq!(frames(b"data: a\ndata: b\ndata: c\n\n"), vec![f("message", "a\nb\nc", "")]);
    assert_eq!(frames(b"data: a\ndata:\n\n"), vec![f("message", "a\n", "")]);
}

#[test]
fn id_persists_and_empty_id_resets() {
    assert_eq!(
        frames(b"id: 1\ndata: a\n\ndata: b\n\nid\ndata: c\n\nid: 2\n\ndata: d\n\nid:\ndata: e\n\n"),
        vec![
            f("message", "a", "1"),
            f("message", "b", "1"),
            f("message", "c", ""),
            f("message", "d", "2"),
            f("message", "e", "")
        ]
    );
}

#[test]
fn id_containing_nul_is_ignored() {
    assert_eq!(
        frames(b"id: 1\ndata: a\n\nid: 2\x003\ndata: b\n\n"),
        vec![f("message", "a", "1"), f("message", "b", "1")]
    );
}

#[test]
fn retry_accepts_ascii_digits_only() {
    let got = frames(b"retry: 5\ndata: a\n\nretry: +5\ndata: b\n\nretry: -1\ndata: c\n\nretry:  5\ndata: d\n\nretry: 1.5\ndata: e\n\nretry:\ndata: f\n\nretry: 5x\ndata: g\n\nretry: 0\ndata: h\n\nretry: 99999999999999999999999\ndata: i\n\n");
    let retries: Vec<_> = got.iter().map(|p| p.3).collect();
    assert_eq!(retries, vec![Some(5), None, None, None, None, None, None, Some(0), None]);
}

#[test]
fn decoder_remembers_reconnection_time() {
    let mut decoder = Decoder::new();
    decoder.feed(b"retry: 3000\n\ndata: x\n\n");
    let frame = decoder.next_frame().unwrap().unwrap();
    // The retry was in a block without data: the frame did not set one, the decoder remembers it.
    assert_eq!(frame.retry(), None);
    assert_eq!(decoder.reconnection_time(), Some(3000));
}

#[test]
fn unknown_and_differently_cased_fields_are_ignored() {
    assert_eq!(frames(b"Data: a\nDATA: b\nEvent: x\nfoo: bar\nID: 9\ndata: c\n\n"), vec![f("message", "c", "")]);
}

#[test]
fn blank_line_without_data_resets_event_type() {
    assert_eq!(frames(b"event: lost\n\ndata: a\n\n"), vec![f("message", "a", "")]);
}

#[test]
fn last_event_type_wins() {
    assert_eq!(frames(b"event: one\nevent: two\ndata: a\n\n"), vec![f("two", "a", "")]);
}

#[test]
fn unterminated_event_is_not_dispatched_but_reported() {
    let (got, err, rest) = decode_in(b"data: a\n\nevent: e\ndata: b\n", 1000);
    assert!(err.is_none());
    assert_eq!(got, vec![f("message", "a", "")]);
    assert_eq!(rest, Some(Unterminated { event: Some("e".into()), data: Some("b".into()), partial_line_bytes: 0 }));

    let (got, _, rest) = decode_in(b"data: a\n\ndata: b", 3);
    assert_eq!(got, vec![f("message", "a", "")]);
    assert_eq!(rest, Some(Unterminated { event: None, data: None, partial_line_bytes: 7 }));

    // A clean end leaves nothing.
    assert_eq!(decode_in(b"data: a\n\n", 1).2, None);
    assert_eq!(decode_in(b"", 1).2, None);
}

#[test]
fn finish_resets_for_a_new_stream() {
    let mut decoder = Decoder::new();
    decoder.feed(b"id: 5\ndata: partial");
    assert!(decoder.next_frame().unwrap().is_none());
    assert!(sse_finish(&mut decoder).is_some());
    decoder.feed(b"\xEF\xBB\xBFdata: fresh\n\n");
    let frame = decoder.next_frame().unwrap().unwrap();
    assert_eq!((frame.data(), frame.id()), ("fresh", ""));
}

#[test]
fn invalid_utf8_is_replaced_and_decoding_goes_on() {
    assert_eq!(
        frames(b"data: a\xFFb\n\nevent: \xC3\ndata: \xE2\x82\n\ndata: ok \xE2\x82\xAC\n\n"),
        vec![f("message", "a\u{FFFD}b", ""), f("\u{FFFD}", "\u{FFFD}", ""), f("message", "ok \u{20AC}", "")]
    );
}

#[test]
fn multibyte_characters_split_across_chunks() {
    let input = "data: héllo 🦅 wörld\n\n".as_bytes();
    assert_eq!(frames(input), vec![f("message", "héllo 🦅 wörld", "")]);
}

#[test]
fn frames_share_the_chunk_without_copying() {
    let chunk = bytes::Bytes::from_static(b"event: e\ndata: shared\n\n");
    let mut decoder = Decoder::new();
    decoder.feed_bytes(chunk.clone());
    let frame = decoder.next_frame().unwrap().unwrap();
    let data = frame.data_shared().as_bytes_shared();
    let range = chunk.as_ptr() as usize..chunk.as_ptr() as usize + chunk.len();
    assert!(range.contains(&(data.as_ptr() as usize)), "data was copied out of the chunk");
}

#[test]
fn line_limit_gives_a_clear_error_and_stops() {
    let limits = Limits::default().with_max_line_bytes(10);
    for chunk in [1, 4, 100] {
        let mut decoder = Decoder::with_limits(limits);
        let mut result = Vec::new();
        for piece in b"data: ok\n\ndata: far too long a line\n\ndata: x\n\n".chunks(chunk) {
            decoder.feed(piece);
            for frame in decoder.frames() {
                result.push(frame.map(|f| f.data().to_owned()));
            }
        }
        assert_eq!(result[0], Ok("ok".to_owned()));
        let err = result[1].clone().unwrap_err();
        assert_eq!(err, LimitError::LineTooLong { limit: 10, offset: 10 });
        assert!(err.to_string().contains("Limits::with_max_line_bytes"), "{err}");
        assert_eq!(result.len(), 2, "chunk {chunk}: decoding must stop at the error");
        assert_eq!(decoder.next_frame(), Err(err));
    }
}

#[test]
fn line_limit_bounds_memory_of_an_endless_line() {
    let mut decoder = Decoder::with_limits(Limits::default().with_max_line_bytes(1000));
    let piece = [b'a'; 100];
    let mut failed = None;
    for i in 0..1_000_000 {
        decoder.feed(&piece);
        if let Err(e) = decoder.next_frame() {
            failed = Some((i, e));
            break;
        }
    }
    let (i, e) = failed.expect("the endless line must hit the limit");
    assert!(i <= 10, "limit noticed late: after {i} pieces");
    assert!(matches!(e, LimitError::LineTooLong { limit: 1000, offset: 0 }));
}

#[test]
fn event_limit_counts_joined_data() {
    let limits = Limits::default().with_max_event_bytes(5);
    let mut decoder = Decoder::with_limits(limits);
    decoder.feed(b"data: ab\ndata: cd\n\n");
    assert_eq!(decoder.next_frame().unwrap().unwrap().data(), "ab\ncd");
    decoder.feed(b"data: ab\ndata: cde\n\n");
    let err = decoder.next_frame().unwrap_err();
    assert_eq!(err, LimitError::EventTooLarge { limit: 5, offset: 28 });
    assert!(err.to_string().contains("Limits::with_max_event_bytes"));
}

#[test]
fn endless_data_lines_hit_the_event_limit() {
    let mut decoder = Decoder::with_limits(Limits::default().with_max_event_bytes(1 << 16));
    let mut n = 0;
    let err = loop {
        decoder.feed(b"data: 0123456789abcdef0123456789abcdef\n");
        n += 1;
        match decoder.next_frame() {
            Ok(None) => {}
            Ok(Some(_)) => panic!("no blank line was sent"),
            Err(e) => break e,
        }
        assert!(n < 10_000, "limit never hit");
    };
    assert!(matches!(err, LimitError::EventTooLarge { limit: 65536, .. }));
}

#[test]
fn feeding_more_before_draining_keeps_order() {
    let mut decoder = Decoder::new();
    decoder.feed(b"data: 1\n\ndata: 2\n\n");
    decoder.feed(b"data: 3\n\n");
    let got: Vec<_> = decoder.frames().map(|f| f.unwrap().data().to_owned()).collect();
    assert_eq!(got, ["1", "2", "3"]);
}

#[test]
fn offsets_in_errors_do_not_depend_on_chunking() {
    let input = b"\xEF\xBB\xBFdata: a\r\n\r\n: comment\rdata: 0123456789abcdef\n\n";
    let mut errors = Vec::new();
    for chunk in 1..input.len() {
        let mut decoder = Decoder::with_limits(Limits::default().with_max_line_bytes(12));
        let mut err = None;
        for piece in input.chunks(chunk) {
            decoder.feed(piece);
            if let Some(Err(e)) = decoder.frames().find(|f| f.is_err()) {
                err = Some(e);
                break;
            }
        }
        errors.push(err.expect("limit must be hit"));
    }
    assert!(errors.iter().all(|e| *e == LimitError::LineTooLong { limit: 12, offset: 24 }), "{errors:?}");
}
