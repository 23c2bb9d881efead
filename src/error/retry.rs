//! Retry advice equal to the official Python SDK's (`anthropic` 2.13, `_base_client.py`: `_should_retry`,
//! `_parse_retry_after_header`, `_calculate_retry_timeout`): whether to retry, and how long to wait first. The
//! crate never sends a request again itself; [`RetryPolicy`] is for the caller's own loop.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::api::ApiError;
use super::retry_after::RetryAfter;
use super::stream::{Error, ErrorKind};

/// The SDK's first backoff: half a second.
const INITIAL_DELAY: f64 = 0.5;
/// The SDK's longest backoff: eight seconds.
const MAX_DELAY: f64 = 8.0;
/// The longest wait a server's `retry-after` can ask for, as the SDK caps it (2^32 milliseconds).
const MAX_RETRY_AFTER: f64 = 4_294_967.0;

/// The SDK's retry schedule, for the caller's own loop: whether an error is worth retrying and how long to wait
/// before retry number `n` (0 for the first). The jitter and the clock can be replaced, so that tests are exact.
///
/// ```
/// use anthropic_sse::error::RetryPolicy;
/// use anthropic_sse::{ApiError, Error};
///
/// let policy = RetryPolicy::sdk_default().with_jitter(|| 0.0); // no jitter: the upper bound
/// let overloaded = Error::from(ApiError::from_response(529, None, b""));
/// assert_eq!(policy.delay(0, &overloaded).map(|d| d.as_secs_f64()), Some(0.5));
/// assert_eq!(policy.delay(3, &overloaded).map(|d| d.as_secs_f64()), Some(4.0));
/// assert_eq!(policy.delay(9, &overloaded).map(|d| d.as_secs_f64()), Some(8.0));
/// let bad_request = Error::from(ApiError::from_response(400, None, b""));
/// assert_eq!(policy.delay(0, &bad_request), None);
/// let told = ApiError::from_response_with_headers(429, [("retry-after", "2.5")], b"");
/// assert_eq!(policy.delay(0, &Error::from(told)).map(|d| d.as_secs_f64()), Some(2.5));
/// ```
#[derive(Clone)]
pub struct RetryPolicy {
    jitter: Arc<dyn Fn() -> f64 + Send + Sync>,
    clock: Arc<dyn Fn() -> SystemTime + Send + Sync>,
}

impl std::fmt::Debug for RetryPolicy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RetryPolicy").finish_non_exhaustive()
    }
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self::sdk_default()
    }
}

impl RetryPolicy {
    /// The Python SDK's schedule: a server's positive `retry-after-ms` / `retry-after` as asked (at most 2^32
    /// ms); otherwise `min(0.5 * 2^n, 8)` seconds times a jitter in (0.75, 1].
    pub fn sdk_default() -> Self {
        RetryPolicy { jitter: Arc::new(random_unit), clock: Arc::new(SystemTime::now) }
    }

    /// Replaces the jitter's random number: the SDK's `random()`, a value in [0, 1) (the wait is scaled by
    /// `1 - 0.25 * r`, in (0.75, 1]). A closure, so that a test can hand it a fixed value or a sequence.
    pub fn with_jitter(mut self, random: impl Fn() -> f64 + Send + Sync + 'static) -> Self {
        self.jitter = Arc::new(random);
        self
    }

    /// Replaces the clock that turns a `retry-after` date into a wait: a closure, so that a test can fix "now"
    /// without a global.
    ///
    /// ```
    /// use std::time::{Duration, SystemTime};
    /// use anthropic_sse::{ApiError, Error};
    /// use anthropic_sse::error::RetryPolicy;
    ///
    /// let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_445_412_480); // Wed, 21 Oct 2015 07:28:00 GMT
    /// let policy = RetryPolicy::sdk_default().with_clock(move || now);
    /// let told = ApiError::from_response_with_headers(503, [("retry-after", "Wed, 21 Oct 2015 07:28:30 GMT")], b"");
    /// assert_eq!(policy.delay(0, &Error::from(told)), Some(Duration::from_secs(30)));
    /// ```
    pub fn with_clock(mut self, now: impl Fn() -> SystemTime + Send + Sync + 'static) -> Self {
        self.clock = Arc::new(now);
        self
    }

    /// How long to wait before retry number `retry` (0 for the first) after `error`, or `None` when the error
    /// is not worth retrying ([`Error::should_retry`]).
    pub fn delay(&self, retry: u32, error: &Error) -> Option<Duration> {
        if !error.should_retry() {
            return None;
        }
        Some(self.wait(retry, error.api_error().and_then(ApiError::retry_after)))
    }

    /// How long to wait before retry number `retry` (0 for the first) when the server asked for `retry_after`
    /// (the SDK's `_calculate_retry_timeout`): a positive ask as asked, at most 2^32 ms; else the backoff.
    pub fn wait(&self, retry: u32, retry_after: Option<RetryAfter>) -> Duration {
        let asked = retry_after.map(|after| after.seconds_from((self.clock)()));
        Duration::from_secs_f64(self.seconds(retry, asked))
    }

    /// [`wait`](Self::wait) in seconds.
    fn seconds(&self, retry: u32, asked: Option<f64>) -> f64 {
        if let Some(asked) = asked.filter(|&s| s > 0.0) {
            return asked.min(MAX_RETRY_AFTER);
        }
        let backoff = (INITIAL_DELAY * 2f64.powi(retry.min(1000) as i32)).min(MAX_DELAY);
        let timeout = backoff * (1.0 - 0.25 * (self.jitter)());
        timeout.max(0.0)
    }
}

impl Error {
    /// What the server asked for before a retry (`retry-after-ms` or `retry-after`), when the error is an API
    /// error whose response said; [`RetryPolicy::delay`] turns it into the wait.
    pub fn retry_after(&self) -> Option<RetryAfter> {
        self.api_error().and_then(ApiError::retry_after)
    }

    /// Whether sending the request again may succeed, by the official SDK's rule: for an API error, its
    /// `x-should-retry` header when the response had one, else its status (408, 409, 429 and 5xx; for an error
    /// after HTTP 200, the status its type stands for); transport and I/O failures and streams cut short or
    /// stalled: yes
    /// (but say so: a retry bills the output again); anything else: no.
    pub fn should_retry(&self) -> bool {
        match self.api_error() {
            Some(api) => api.should_retry(),
            None => {
                matches!(self.kind(), ErrorKind::Transport | ErrorKind::Io | ErrorKind::Incomplete | ErrorKind::Stalled)
            }
        }
    }
}

/// A random number in [0, 1) for the jitter, without a dependency: the standard library's randomly seeded
/// hasher, which is plenty for spreading retries.
fn random_unit() -> f64 {
    use std::hash::{BuildHasher, Hasher};
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u64(SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_nanos() as u64));
    (hasher.finish() >> 11) as f64 / (1u64 << 53) as f64
}
