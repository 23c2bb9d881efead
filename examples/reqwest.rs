//! A real Messages API call: streams the answer, printing text as it arrives, then the usage.
//!
//!     ANTHROPIC_API_KEY=sk-ant-... cargo run -p anthropic-sse-benches --example reqwest -- "Why is the sky blue?"
//!
//! (It lives with the benchmarks' workspace member, which builds a TLS client anyway.)
//!
//! Optional: ANTHROPIC_MODEL (default claude-sonnet-4-5), ANTHROPIC_BASE_URL (default https://api.anthropic.com).

use std::io::Write;
use std::process::ExitCode;

use anthropic_sse::{Delta, StreamEvent};
use futures::StreamExt;

#[tokio::main]
async fn main() -> ExitCode {
    let Ok(key) = std::env::var("ANTHROPIC_API_KEY") else {
        eprintln!("ANTHROPIC_API_KEY is not set: export your API key (console.anthropic.com) and run again.");
        return ExitCode::from(2);
    };
    let prompt = std::env::args().nth(1).unwrap_or_else(|| "Write a haiku about streams.".to_owned());
    match run(&key, &prompt).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("\nerror: {e}");
            if e.should_retry() {
                eprintln!("(retrying later may succeed)");
            }
            ExitCode::FAILURE
        }
    }
}

async fn run(key: &str, prompt: &str) -> Result<(), anthropic_sse::Error> {
    let base = std::env::var("ANTHROPIC_BASE_URL").unwrap_or_else(|_| "https://api.anthropic.com".to_owned());
    let model = std::env::var("ANTHROPIC_MODEL").unwrap_or_else(|_| "claude-sonnet-4-5".to_owned());
    let body = serde_json::json!({
        "model": model,
        "max_tokens": 1024,
        "stream": true,
        "messages": [{"role": "user", "content": prompt}],
    });
    let response = reqwest::Client::new()
        .post(format!("{base}/v1/messages"))
        .header("x-api-key", key)
        .header("anthropic-version", "2023-06-01")
        .header("content-type", "application/json")
        .body(body.to_string())
        .send()
        .await?;
    // One call: a non-2xx status is an ApiError (with its request ids and retry advice), a 2xx body that is
    // not a stream an error that says so; else the events.
    let mut events = anthropic_sse::reqwest::events(response).await?;
    let mut stdout = std::io::stdout();
    while let Some(event) = events.next().await {
        if let StreamEvent::ContentBlockDelta(delta) = event? {
            if let Delta::Text { text, .. } = &delta.delta {
                print!("{text}");
                stdout.flush().ok();
            }
        }
    }
    let usage = events.decoder().snapshot().map(|m| m.usage.clone()).unwrap_or_default();
    println!(
        "\n\n[input tokens: {}, output tokens: {}]",
        usage.input_tokens.unwrap_or(0),
        usage.output_tokens.unwrap_or(0)
    );
    Ok(())
}
