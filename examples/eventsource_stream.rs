//! Switching from `eventsource-stream` (or `reqwest-eventsource`) frames to typed events, keeping the
//! transport as it is: the frames you already have go into `Events::from_eventsource`.
//!
//!     cargo run --example eventsource_stream --features eventsource-stream

use anthropic_sse::{Delta, Events, StreamEvent};
use eventsource_stream::Eventsource;
use futures::StreamExt;

fn main() -> Result<(), anthropic_sse::Error> {
    futures::executor::block_on(async {
        // What you have today: a byte stream (e.g. `response.bytes_stream()`) turned into frames.
        let bytes = futures::stream::iter(anthropic_sse::SAMPLE_STREAM.chunks(32).map(Ok::<_, std::io::Error>));
        let frames = bytes.eventsource();

        // What you get: typed events, folded into the message as they pass.
        let mut events = Events::from_eventsource(frames);
        while let Some(event) = events.next().await {
            if let StreamEvent::ContentBlockDelta(d) = event? {
                if let Delta::Text { text, .. } = &d.delta {
                    print!("{text}");
                }
            }
        }
        println!();
        if let Some(message) = events.decoder().snapshot() {
            println!("{} content blocks, stop reason {:?}", message.content.len(), message.stop_reason);
        }
        Ok(())
    })
}
