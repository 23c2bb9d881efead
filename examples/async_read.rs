//! A recorded stream from a file through the tokio `AsyncRead` adapter.
//!
//!     cargo run --example async_read -- path/to/stream.sse
//!
//! Without a path it reads the crate's embedded sample.

use anthropic_sse::{Events, StreamEvent};
use futures::StreamExt;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut events = match std::env::args().nth(1) {
        Some(path) => Events::from_async_read(
            Box::new(tokio::fs::File::open(path).await?) as Box<dyn tokio::io::AsyncRead + Send + Unpin>
        ),
        None => Events::from_async_read(
            Box::new(anthropic_sse::SAMPLE_STREAM) as Box<dyn tokio::io::AsyncRead + Send + Unpin>
        ),
    };
    while let Some(event) = events.next().await {
        match event {
            Ok(StreamEvent::Ping) => {}
            Ok(event) => println!("{}", event.type_name()),
            Err(e) => {
                eprintln!("error[{}]: {e}", e.error_type());
                break;
            }
        }
    }
    if let Some(message) = events.decoder().snapshot() {
        println!("{}", serde_json::to_string_pretty(message)?);
    }
    Ok(())
}
