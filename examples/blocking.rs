//! A recorded stream from a file through the blocking `std::io::Read` adapter, for synchronous programs.
//!
//!     cargo run --example blocking -- path/to/stream.sse
//!
//! Without a path it reads the crate's embedded sample.

use anthropic_sse::BlockingEvents;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let reader: Box<dyn std::io::Read> = match std::env::args().nth(1) {
        Some(path) => Box::new(std::fs::File::open(path)?),
        None => Box::new(anthropic_sse::SAMPLE_STREAM),
    };
    match BlockingEvents::new(reader).final_message() {
        Ok(message) => {
            println!("{}", message.text());
            println!("stop reason: {:?}, usage: {:?}", message.stop_reason, message.usage.output_tokens);
        }
        Err(e) => {
            eprintln!("error[{}]: {e}", e.error_type());
            if let Some(partial) = e.partial_message() {
                eprintln!("the message so far:\n{}", serde_json::to_string_pretty(partial)?);
            }
            std::process::exit(1);
        }
    }
    Ok(())
}
