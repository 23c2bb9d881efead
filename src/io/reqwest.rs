//! From a `reqwest::Response` to events in one call (feature `reqwest`).

use crate::error::Error;
use crate::io::http::events as http_events;
use crate::io::stream::Events;

/// The events of a streaming `reqwest` response, or the error it is: [`http::events`](crate::http::events)
/// on `http::Response::from(response)`. For a timeout set before the call (an error body that stalls would
/// otherwise hold it), limits or a format: `http::events_with(http::Response::from(response), options)`.
///
/// ```no_run
/// # async fn run(body: serde_json::Value) -> Result<(), anthropic_sse::Error> {
/// let response = reqwest::Client::new()
///     .post("https://api.anthropic.com/v1/messages")
///     .header("x-api-key", std::env::var("ANTHROPIC_API_KEY").unwrap_or_default())
///     .header("anthropic-version", "2023-06-01")
///     .header("content-type", "application/json")
///     .body(body.to_string())
///     .send()
///     .await?; // a reqwest::Error is a transport error
/// let message = anthropic_sse::reqwest::events(response).await?.final_message().await?;
/// println!("{}", message.text());
/// # Ok(())
/// # }
/// ```
pub async fn events(response: ::reqwest::Response) -> Result<Events, Error> {
    http_events(::http::Response::from(response)).await
}
