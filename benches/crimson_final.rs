//! The whole-process baseline of issue 26 for `anthropic-sse --final`: a program that reads a file in 16 KiB
//! chunks and folds it with `crimson-crab` 0.3's `MessageStream::from_byte_stream(..).collect_final()`, the
//! strongest Rust crate doing the whole job, printing only the length of the final message's text (so that
//! the fold is not optimised away and the output costs nothing). It also writes the benchmarks' text stream
//! (100,000 deltas, 14.4 MB, `anthropic_sse_benches::text_stream`) to a file, so that both programs read the
//! same bytes.
//!
//! Rerun (from the workspace root; hyperfine from Debian's packages, alternating the two commands):
//!
//! ```sh
//! cargo build --release --bin anthropic-sse -p anthropic-sse
//! cargo build --release -p anthropic-sse-benches --bin crimson-final
//! target/release/crimson-final --write-text-stream /tmp/text.sse
//! hyperfine -N --warmup 3 --runs 31 \
//!     'target/release/anthropic-sse --final /tmp/text.sse' \
//!     'target/release/crimson-final /tmp/text.sse'
//! hyperfine -N --warmup 3 --runs 31 'target/release/anthropic-sse --events /tmp/text.sse'
//! ```
//!
//! (`-N` runs without a shell, and hyperfine sends the output to `/dev/null`.) hyperfine runs one command's
//! runs, then the next's; `benches/whole_process.py` alternates them (each round runs every command once, so a
//! noisy neighbour slows all alike) and prints the medians and the ratio:
//!
//! ```sh
//! python3 benches/whole_process.py /tmp/text.sse --runs 41
//! ```

use std::io::Read;

use bytes::Bytes;

const CHUNK: usize = 16 * 1024;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.as_slice() {
        [flag, path] if flag == "--write-text-stream" => {
            std::fs::write(path, anthropic_sse_benches::text_stream(100_000)).expect("writing the stream");
        }
        [path] => {
            let mut file = std::fs::File::open(path).expect("opening the input");
            // Read lazily, one 16 KiB chunk per item, as a network body hands them over.
            let chunks = std::iter::from_fn(move || {
                let mut buf = vec![0u8; CHUNK];
                let n = file.read(&mut buf).expect("reading the input");
                (n > 0).then(|| {
                    buf.truncate(n);
                    Ok::<_, crimson_crab::Error>(Bytes::from(buf))
                })
            });
            let stream = crimson_crab::streaming::MessageStream::from_byte_stream(futures::stream::iter(chunks));
            let message = futures::executor::block_on(stream.collect_final()).expect("a complete stream");
            let text: usize = message.content.iter().filter_map(|block| block.as_text()).map(str::len).sum();
            println!("{text}");
        }
        _ => {
            eprintln!("usage: crimson-final FILE | crimson-final --write-text-stream FILE");
            std::process::exit(2);
        }
    }
}
