//! The integration tests of the async adapters, the HTTP edge, the retry advice and the command-line tool, as one
//! test binary: each module is what was a separate file of `tests/`. See `tests/suite/main.rs` for how the
//! tests are grouped into binaries, and why.

mod adapters;
mod cli_events;
mod cli_formats;
mod cli_frames;
mod cli_json_lines;
mod cli_kinds;
mod cli_memory;
mod cli_pipe;
mod common;
mod http_e2e;
mod http_edge;
mod http_watchdog;
mod retry;
mod tap;
mod tap_loopback;
