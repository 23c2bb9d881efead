//! A gateway in one screen: forwards `POST /v1/messages` to an upstream, streams the answer back byte for byte,
//! and logs one JSON line per request of what it carried (outcome, usage, ids, latency).
//!
//!     UPSTREAM_URL=https://api.anthropic.com cargo run -p anthropic-sse-benches --example gateway
//!     ANTHROPIC_BASE_URL=http://127.0.0.1:8080 your-client ...
//!
//! (It lives with the benchmarks' workspace member, which builds a TLS client anyway; the tests run this same
//! code over loopback without TLS.) Optional: GATEWAY_ADDR (default 127.0.0.1:8080).

use std::sync::Arc;
use std::time::Instant;

use anthropic_sse::{Tap, TapReport};
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http;
use axum::response::Response;

/// Where to forward, with what, and what to do with each report.
#[derive(Clone)]
pub struct Gateway {
    pub upstream: String,
    pub client: reqwest::Client,
    pub log: Arc<dyn Fn(TapReport) + Send + Sync>,
}

pub fn router(gateway: Gateway) -> axum::Router {
    axum::Router::new().route("/v1/messages", axum::routing::post(forward)).with_state(gateway)
}

async fn forward(State(gateway): State<Gateway>, request: Request) -> Result<Response, http::StatusCode> {
    let (parts, body) = request.into_parts();
    let body = axum::body::to_bytes(body, 32 << 20).await.map_err(|_| http::StatusCode::PAYLOAD_TOO_LARGE)?;
    let mut headers = parts.headers;
    headers.remove(http::header::HOST);
    let sent = Instant::now();
    let upstream = gateway.client.post(format!("{}/v1/messages", gateway.upstream)).headers(headers).body(body);
    let upstream = upstream.send().await.map_err(|_| http::StatusCode::BAD_GATEWAY)?;
    // The same response, its body tapped: status, headers and every byte reach the client untouched.
    let response = Tap::response(http::Response::from(upstream)).map(|tap| tap.with_start(sent));
    let observer = response.body().observer();
    tokio::spawn(async move { (gateway.log)(observer.await) });
    Ok(response.map(Body::new))
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let upstream = std::env::var("UPSTREAM_URL").unwrap_or_else(|_| "https://api.anthropic.com".to_owned());
    let addr = std::env::var("GATEWAY_ADDR").unwrap_or_else(|_| "127.0.0.1:8080".to_owned());
    let log = Arc::new(|report: TapReport| println!("{}", report.to_json()));
    let gateway = Gateway { upstream, client: reqwest::Client::new(), log };
    let listener = tokio::net::TcpListener::bind(&addr).await?;
    eprintln!("forwarding http://{addr}/v1/messages to {}", gateway.upstream);
    axum::serve(listener, router(gateway)).await
}
