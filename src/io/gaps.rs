//! The gaps between chunks, in a histogram of fixed size: the gateway tap's median and 99th percentile without
//! keeping one figure per chunk.
//!
//! Gaps are counted in whole microseconds. Below 16 µs each value has a bucket of its own; above, each power
//! of two is cut into 16 buckets of equal width, so a bucket's width is at most 1/16 of its lower bound, and
//! its middle, which a quantile reports, is within 1/32 (3.125%) of every gap it holds. Gaps beyond 2^41 µs
//! (25 days) share the last bucket; the maximum is kept exactly.

use std::time::Duration;

/// Sub-buckets per power of two (and the exact values below them).
const SUB: u64 = 16;
const SUB_BITS: u32 = 4;
/// Powers of two covered above the exact values: 2^4 µs to 2^41 µs.
const OCTAVES: u64 = 37;
const BUCKETS: usize = (SUB + OCTAVES * SUB) as usize;

/// A histogram of the gaps between chunks (allocated once, never per gap).
#[derive(Clone)]
pub(crate) struct Gaps {
    counts: Box<[u32; BUCKETS]>,
    total: u64,
    max: Duration,
}

impl std::fmt::Debug for Gaps {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Gaps").field("total", &self.total).field("max", &self.max).finish_non_exhaustive()
    }
}

impl Default for Gaps {
    fn default() -> Self {
        Gaps { counts: Box::new([0; BUCKETS]), total: 0, max: Duration::ZERO }
    }
}

/// The bucket of a gap of `micros`.
fn bucket(micros: u64) -> usize {
    if micros < SUB {
        return micros as usize;
    }
    let octave = u64::from(63 - micros.leading_zeros()) - u64::from(SUB_BITS);
    if octave >= OCTAVES {
        return BUCKETS - 1;
    }
    let sub = (micros >> octave) - SUB;
    (SUB + octave * SUB + sub) as usize
}

/// The middle of a bucket, in microseconds (a value below 16 µs is exact).
fn middle(bucket: usize) -> f64 {
    let bucket = bucket as u64;
    if bucket < SUB {
        return bucket as f64;
    }
    let octave = (bucket - SUB) / SUB;
    let sub = (bucket - SUB) % SUB;
    let low = (SUB + sub) << octave;
    let width = 1u64 << octave;
    low as f64 + (width as f64 - 1.0) / 2.0
}

impl Gaps {
    /// Counts one gap.
    pub(crate) fn record(&mut self, gap: Duration) {
        // Without `as_micros`'s 128-bit arithmetic: this runs once per chunk.
        let micros = gap.as_secs().saturating_mul(1_000_000).saturating_add(u64::from(gap.subsec_micros()));
        let slot = &mut self.counts[bucket(micros)];
        *slot = slot.saturating_add(1);
        self.total += 1;
        self.max = self.max.max(gap);
    }

    /// The largest gap, exact.
    pub(crate) fn max(&self) -> Option<Duration> {
        (self.total > 0).then_some(self.max)
    }

    /// The gap at quantile `q` (0 to 1) by the nearest-rank rule (the `ceil(q * n)`-th smallest), as its
    /// bucket's middle, never above the maximum. `None` before any gap.
    pub(crate) fn quantile(&self, q: f64) -> Option<Duration> {
        if self.total == 0 {
            return None;
        }
        let rank = ((q * self.total as f64).ceil() as u64).clamp(1, self.total);
        let mut seen = 0u64;
        for (index, &count) in self.counts.iter().enumerate() {
            seen += u64::from(count);
            if seen >= rank {
                let micros = middle(index);
                return Some(Duration::from_secs_f64(micros / 1e6).min(self.max));
            }
        }
        Some(self.max)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_gap_is_within_one_thirty_second_of_its_bucket_middle() {
        let mut micros = 0u64;
        while micros < 1 << 41 {
            let middle = middle(bucket(micros));
            let error = (middle - micros as f64).abs();
            assert!(error <= micros as f64 / 32.0, "{micros} µs read as {middle}");
            micros = micros + 1 + micros / 7;
        }
        assert_eq!(bucket(u64::MAX), BUCKETS - 1);
    }

    #[test]
    fn quantiles_take_the_nearest_rank() {
        let mut gaps = Gaps::default();
        assert_eq!(gaps.quantile(0.5), None);
        for ms in 1..=100u64 {
            gaps.record(Duration::from_millis(ms));
        }
        let median = gaps.quantile(0.5).unwrap().as_secs_f64() * 1e3;
        assert!((median - 50.0).abs() <= 50.0 / 32.0, "{median}");
        let p99 = gaps.quantile(0.99).unwrap().as_secs_f64() * 1e3;
        assert!((p99 - 99.0).abs() <= 99.0 / 32.0, "{p99}");
        assert_eq!(gaps.max(), Some(Duration::from_millis(100)));
        assert!(gaps.quantile(1.0).unwrap() <= Duration::from_millis(100));
        assert_eq!(gaps.total, 100);
    }
}
