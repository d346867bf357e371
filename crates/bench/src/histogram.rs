//! A fixed-size log-linear latency histogram (nanoseconds, under 1.6 % relative error), so a
//! long load run records every request in constant memory and per-task histograms merge cheaply.

use std::time::Duration;

/// Values below this are counted exactly; above, each power of two is split into `SUB` buckets.
const LINEAR: u64 = 128;
const SUB_BITS: u32 = 6;
const SUB: u64 = 1 << SUB_BITS;
/// 128 exact buckets, then 64 per power of two from 2^7 to 2^63.
const BUCKETS: usize = LINEAR as usize + (64 - 7) * SUB as usize;

#[derive(Clone, Debug)]
pub struct Histogram {
    counts: Vec<u64>,
    total: u64,
    max: u64,
}

impl Default for Histogram {
    fn default() -> Self {
        Self::new()
    }
}

impl Histogram {
    pub fn new() -> Self {
        Self { counts: vec![0; BUCKETS], total: 0, max: 0 }
    }

    fn index(nanos: u64) -> usize {
        if nanos < LINEAR {
            return nanos as usize;
        }
        let exp = 63 - nanos.leading_zeros(); // >= 7
        let mantissa = nanos >> (exp - SUB_BITS); // in [64, 128)
        LINEAR as usize + (exp as usize - 7) * SUB as usize + (mantissa - SUB) as usize
    }

    /// The middle of a bucket's range: what a quantile falling in it reports.
    fn value(index: usize) -> u64 {
        if index < LINEAR as usize {
            return index as u64;
        }
        let rest = index - LINEAR as usize;
        let exp = (rest / SUB as usize) as u32 + 7;
        let mantissa = (rest % SUB as usize) as u64 + SUB;
        let shift = exp - SUB_BITS;
        let low = mantissa << shift;
        low + ((1u64 << shift) >> 1)
    }

    pub fn record(&mut self, latency: Duration) {
        let nanos = u64::try_from(latency.as_nanos()).unwrap_or(u64::MAX);
        self.counts[Self::index(nanos)] += 1;
        self.total += 1;
        self.max = self.max.max(nanos);
    }

    pub fn merge(&mut self, other: &Histogram) {
        for (a, b) in self.counts.iter_mut().zip(&other.counts) {
            *a += b;
        }
        self.total += other.total;
        self.max = self.max.max(other.max);
    }

    pub fn count(&self) -> u64 {
        self.total
    }

    /// The exact largest value recorded.
    pub fn max(&self) -> Duration {
        Duration::from_nanos(self.max)
    }

    /// The value at quantile `q` (0..=1), never above the exact maximum; zero when empty.
    pub fn quantile(&self, q: f64) -> Duration {
        if self.total == 0 {
            return Duration::ZERO;
        }
        let rank = ((q.clamp(0.0, 1.0) * self.total as f64).ceil() as u64).max(1);
        let mut seen = 0;
        for (i, &c) in self.counts.iter().enumerate() {
            seen += c;
            if seen >= rank {
                return Duration::from_nanos(Self::value(i).min(self.max));
            }
        }
        self.max()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_cover_u64_and_are_monotonic() {
        assert_eq!(Histogram::index(u64::MAX), BUCKETS - 1);
        let mut last = 0;
        for v in (0..20_000u64).chain([1 << 40, (1 << 40) + 12345, u64::MAX / 2]) {
            let i = Histogram::index(v);
            assert!(i >= last || v > 20_000, "not monotonic at {v}");
            last = i;
            let mid = Histogram::value(i);
            let err = (mid as f64 - v as f64).abs() / (v.max(1) as f64);
            assert!(err < 0.016, "value {v} reported as {mid}");
        }
    }

    #[test]
    fn quantiles() {
        let mut h = Histogram::new();
        for us in 1..=1000u64 {
            h.record(Duration::from_micros(us));
        }
        let p50 = h.quantile(0.5).as_micros() as i64;
        let p99 = h.quantile(0.99).as_micros() as i64;
        assert!((p50 - 500).abs() <= 8, "{p50}");
        assert!((p99 - 990).abs() <= 16, "{p99}");
        assert_eq!(h.max(), Duration::from_micros(1000));
        let mut other = Histogram::new();
        other.record(Duration::from_secs(3));
        h.merge(&other);
        assert_eq!(h.count(), 1001);
        assert_eq!(h.quantile(1.0), Duration::from_secs(3));
    }
}
