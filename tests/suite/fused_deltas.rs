//! The fold's fused path for SSE deltas (`EventDecoder::fold_buffered` reading a delta written as the API
//! writes it straight from the wire into its block) against the layered route (`next_event`, every event
//! typed and applied): the same message or error (kind, message with its offsets, partial message), the same
//! last event id, reconnection time and offset, on every fragment below (deltas of each kind for each block,
//! escapes, surrogates, invalid UTF-8, every tail, CR and CRLF, other fields, limits of every kind) alone and
//! in random sequences, each whole, in 1-byte pieces and in random pieces.

use anthropic_sse::{EventDecoder, Limits};

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// The result (the message, or the error's kind, text and partial message), and the framing's last event
/// id, reconnection time and offset.
type Outcome = (String, String, Option<u64>, u64);

fn outcome(dec: EventDecoder, id: String, retry: Option<u64>, off: u64) -> Outcome {
    let r = match dec.into_final_message() {
        Ok(m) => format!("OK {}", serde_json::to_string(&m).unwrap()),
        Err(e) => format!(
            "ERR kind={} msg={} partial={}",
            e.kind(),
            e,
            e.partial_message().map(|m| serde_json::to_string(m).unwrap()).unwrap_or_default()
        ),
    };
    (r, id, retry, off)
}

fn fused(chunks: &[&[u8]], limits: Limits) -> Outcome {
    let mut dec = EventDecoder::new().with_limits(limits);
    for c in chunks {
        dec.feed(c);
        if dec.fold_buffered().is_err() {
            break;
        }
    }
    let (id, retry, off) = anthropic_sse::__private::sse_state(&dec).expect("SSE");
    outcome(dec, id, retry, off)
}

fn layered(chunks: &[&[u8]], limits: Limits) -> Outcome {
    let mut dec = EventDecoder::new().with_limits(limits);
    'outer: for c in chunks {
        dec.feed(c);
        while let Some(item) = dec.next_event() {
            // The fold stops at message_stop (what follows is not read), and so does this reference.
            if item.as_ref().is_ok_and(|e| matches!(e, anthropic_sse::StreamEvent::MessageStop(_))) || item.is_err() {
                break 'outer;
            }
        }
    }
    let (id, retry, off) = anthropic_sse::__private::sse_state(&dec).expect("SSE");
    outcome(dec, id, retry, off)
}

const START: &str = concat!(
    "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"m\",\"type\":\"message\",",
    "\"role\":\"assistant\",\"model\":\"x\",\"content\":[],\"usage\":{\"output_tokens\":1}}}\n\n",
    "event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n",
    "event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":1,\"content_block\":{\"type\":\"thinking\",\"thinking\":\"\",\"signature\":\"\"}}\n\n",
    "event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":2,\"content_block\":{\"type\":\"tool_use\",\"id\":\"t\",\"name\":\"n\",\"input\":{}}}\n\n",
);
const STOP: &str = "event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":2}\n\nevent: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\"},\"usage\":{\"output_tokens\":3}}\n\nevent: message_stop\ndata: {\"type\":\"message_stop\"}\n\n";

fn delta(idx: &str, kind: usize, s: &str, tail: &str) -> String {
    let k = [
        "text_delta\",\"text\":\"",
        "thinking_delta\",\"thinking\":\"",
        "input_json_delta\",\"partial_json\":\"",
        "signature_delta\",\"signature\":\"",
    ][kind];
    format!(
        "event: content_block_delta\ndata: {{\"type\":\"content_block_delta\",\"index\":{idx},\"delta\":{{\"type\":\"{k}{s}\"{tail}"
    )
}

fn fragments() -> Vec<Vec<u8>> {
    let strs = [
        "hi",
        "",
        "a\\u00e9b",
        "\\ud83d\\ude00",
        "\\ud83d",
        "\\ude00x",
        "\\x",
        "\\n\\\"\\\\",
        "{\\\"a\\\":1",
        "}",
        "é🦅",
        "\\u0000",
        "\t",
    ];
    let tails = [
        "}}\n\n",
        "} }\n\n",
        "}} \t\n\n",
        " }}\n\n",
        "}}\r\n\r\n",
        "}}\n\r\n",
        "}}x\n\n",
        "}}\n",
        "},\"x\":1}\n\n",
        "}}\n\n\n",
        "}} }\n\n",
        "}}\r\n",
        "\t}\t}\t\n\n",
    ];
    let mut out: Vec<Vec<u8>> = Vec::new();
    for idx in ["0", "1", "2", "3", "00", "01", "999999999999999"] {
        for kind in 0..4 {
            for s in strs {
                out.push(delta(idx, kind, s, "}}\n\n").into_bytes());
            }
            for t in tails {
                out.push(delta(idx, kind, "x", t).into_bytes());
            }
        }
    }
    out.push(delta("0", 0, &"L".repeat(300), "}}\n\n").into_bytes());
    out.push(delta("0", 0, &"M".repeat(120), "}}\n\n").into_bytes());
    out.push(delta("2", 2, &"M".repeat(60), "}}\n\n").into_bytes());
    out.push(format!("data: {}\n\n", "Z".repeat(200)).into_bytes());
    out.push(delta("0", 0, &format!("{}\\u00e9", "L".repeat(250)), "}}\n\n").into_bytes());
    out.push(delta("0", 0, &format!("{}\\ud83d\\ude00", "L".repeat(248)), "}}\n\n").into_bytes());
    out.push(delta("0", 0, &format!("{}\\\"", "L".repeat(253)), "}}\n\n").into_bytes());
    out.push(delta("0", 0, &"é".repeat(130), "}}\n\n").into_bytes());
    let mut bad = delta("0", 0, "a", "}}\n\n").into_bytes();
    let p = bad.len() - 6;
    bad.insert(p, 0xff);
    out.push(bad);
    let mut bad2 = delta("0", 0, "a", "}}\n\n").into_bytes();
    bad2.insert(bad2.len() - 1, 0xC3);
    out.push(bad2);
    for s in [
        "event:content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"n\"}}\n\n",
        "event: content_block_delta\ndata:{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"m\"}}\n\n",
        "event: content_block_delta \ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"m\"}}\n\n",
        "id: 7\n",
        "id: 8\n\n",
        "retry: 100\n",
        "retry: 200\n\n",
        ": c\n",
        "\n",
        "\r\n",
        "\r",
        "event: ping\ndata: {\"type\":\"ping\"}\n\n",
        "data: {\"type\":\"ping\"}\n\n",
        "event: content_block_delta\n",
        "data: x\n",
        "data:\n",
        "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n",
        "event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"o\"}}\n\n",
        "event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}\n\n",
        "event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":2}\n\n",
        "event: content_block_delta\r\n",
        "\u{feff}",
        "data: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"q\"}}\n\n",
        "event: content_block_delta\nid: 3\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"q\"}}\n\n",
    ] {
        out.push(s.as_bytes().to_vec());
    }
    out
}

fn limit_sets() -> Vec<Limits> {
    let d = Limits::default();
    vec![
        d,
        d.with_max_line_bytes(100),
        d.with_max_line_bytes(110),
        d.with_max_event_bytes(80),
        d.with_max_event_bytes(90),
        d.with_max_tool_input_bytes(5),
        d.with_max_tool_input_bytes(20),
        d.with_max_line_bytes(400).with_max_event_bytes(300),
        d.with_max_line_bytes(150),
        d.with_max_line_bytes(250),
        d.with_max_event_bytes(150),
        d.with_max_event_bytes(200).with_max_tool_input_bytes(8),
    ]
}

fn check(input: &[u8], limits: Limits, rng: &mut Rng, failures: &mut Vec<String>) {
    let mut cuts: Vec<Vec<usize>> = vec![vec![], (1..input.len()).collect()];
    for _ in 0..3 {
        let mut c: Vec<usize> = (0..rng.below(12)).map(|_| rng.below(input.len() + 1)).collect();
        c.sort();
        c.dedup();
        cuts.push(c);
    }
    let whole_layered = layered(&[input], limits);
    for c in cuts {
        let mut chunks: Vec<&[u8]> = Vec::new();
        let mut s = 0;
        for &e in c.iter().chain(std::iter::once(&input.len())) {
            chunks.push(&input[s..e]);
            s = e;
        }
        let f = fused(&chunks, limits);
        let l = layered(&chunks, limits);
        if f != l {
            failures.push(format!(
                "input={:?}\nlimits={:?} cuts={:?}\nFUSED  ={:?}\nLAYERED={:?}\n",
                String::from_utf8_lossy(input),
                limits,
                c,
                f,
                l
            ));
            return;
        }
        assert_eq!(
            l.0,
            whole_layered.0,
            "the layered route depends on the chunking: {:?}",
            String::from_utf8_lossy(input)
        );
    }
}

#[test]
fn fused_matches_layered() {
    let frags = fragments();
    let limits = limit_sets();
    let mut rng = Rng(0x1234_5678_9abc_def1);
    let mut failures = Vec::new();
    // single fragments
    for f in &frags {
        for pre in [START.as_bytes().to_vec(), [b"\xef\xbb\xbf".as_slice(), START.as_bytes()].concat()] {
            let input = [pre.as_slice(), f.as_slice(), STOP.as_bytes()].concat();
            for &l in &limits {
                check(&input, l, &mut rng, &mut failures);
            }
        }
    }
    // random sequences
    for _ in 0..3000 {
        let mut input = START.as_bytes().to_vec();
        for _ in 0..rng.below(8) + 1 {
            input.extend_from_slice(&frags[rng.below(frags.len())]);
        }
        if rng.below(2) == 0 {
            input.extend_from_slice(STOP.as_bytes());
        }
        if rng.below(3) == 0 {
            input.extend_from_slice(&frags[rng.below(frags.len())]);
        }
        let l = limits[rng.below(limits.len())];
        check(&input, l, &mut rng, &mut failures);
    }
    // also a fresh stream starting straight with deltas
    for f in &frags {
        let input = [f.as_slice(), f.as_slice()].concat();
        check(&input, Limits::default(), &mut rng, &mut failures);
    }
    let n = failures.len();
    failures.sort_by_key(|f| f.len());
    for f in failures.iter().take(8) {
        eprintln!("{f}");
    }
    assert!(n == 0, "{n} failures");
}

/// An error's offset after deltas read on the fused path: the decoder stands where the layered route leaves it.
#[test]
fn offsets_after_fused_deltas() {
    let mut input = START.as_bytes().to_vec();
    input.extend_from_slice(delta("0", 0, "hi", "}}\n\n").as_bytes());
    input.extend_from_slice(format!("data: {}\n\n", "Z".repeat(200)).as_bytes());
    let l = Limits::default().with_max_line_bytes(150);
    let start = START.len();
    let chunks: Vec<&[u8]> = vec![&input[..start], &input[start..]];
    let (fused, layered) = (fused(&chunks, l), layered(&chunks, l));
    assert!(fused.0.contains("line"), "a line-limit error: {fused:?}");
    assert_eq!(fused, layered);
}

/// Deltas written as the API writes them are recognized by the fused path's reader (so that a change to it
/// cannot silently send them all to the layered route, where the comparison above would still pass), and
/// other shapes are not.
#[test]
fn the_fused_path_takes_what_the_api_writes() {
    use anthropic_sse::__private::fused_sse_delta_len;
    for kind in 0..3 {
        let event = delta("0", kind, "a\\u00e9\\\"b", "}}\n\n");
        assert_eq!(fused_sse_delta_len(&format!("{event}next")), Some(event.len()), "{event:?}");
    }
    let padded = delta("0", 0, "x", "}       }\n\n");
    assert_eq!(fused_sse_delta_len(&padded), Some(padded.len()));
    for other in [delta("0", 0, "x", "}}\r\n\r\n"), delta("0", 0, "x", "}}\n"), delta("0", 3, "x", "}}\n\n")] {
        assert_eq!(fused_sse_delta_len(&other), None, "{other:?}");
    }
}
