//! Re-syncs that cost what changed (issue 15). A re-sync reads again only what changed since the
//! last run, where the platform's list says when an order changed; where it does not, each order
//! (or slice of orders) is read again once per period, spread over the runs.
//!
//! The spreading needs no memory between runs, so it holds whichever instance runs a source: each
//! key has a fixed phase within the period (a stable hash of the key), and is due in the run whose
//! span `[since, now)` holds that phase. The engine's `since` is the last successful run's start
//! minus an overlap, so the spans of successive runs leave no gap, and every key is read at least
//! once per period while the source is polled; a span of a whole period or more reads every key.
#![deny(clippy::arithmetic_side_effects)]

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use std::time::Duration;

/// FNV-1a, 64 bits: the same key gives the same phase in every process and on every instance
/// (std's hasher is seeded per process).
fn stable_hash(key: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in key.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// Whether `key` is due for its periodic re-read in the run covering `[since, now)`. A zero
/// period means every run (no spreading).
pub fn spread_due(key: &str, since: DateTime<Utc>, now: DateTime<Utc>, period: Duration) -> bool {
    let phase = stable_hash(key)
        .checked_rem(period.as_secs().max(1))
        .unwrap_or(0);
    phase_due(phase, since, now, period)
}

/// Whether the point `phase` seconds into each period falls in `[since, now)` (periods counted
/// from the Unix epoch). A zero period means every run; a span of a period or more holds every
/// phase; an empty or reversed span none.
pub fn phase_due(phase: u64, since: DateTime<Utc>, now: DateTime<Utc>, period: Duration) -> bool {
    let Ok(period) = i64::try_from(period.as_secs()) else {
        return false;
    };
    if period == 0 {
        return true;
    }
    let (start, end) = (since.timestamp(), now.timestamp());
    let Some(span) = end.checked_sub(start) else {
        return true;
    };
    if span >= period {
        return true;
    }
    if span <= 0 {
        return false;
    }
    let phase = i64::try_from(phase).unwrap_or(0);
    // seconds from `since` to the next time the phase comes round
    let offset = phase
        .checked_sub(start.checked_rem_euclid(period).unwrap_or(0))
        .and_then(|d| d.checked_rem_euclid(period))
        .unwrap_or(0);
    offset < span
}

/// Days in one turn of the day phases: more than a 60-day window, so no two days of the window
/// share a phase.
const DAY_PHASES: i64 = 64;

/// The days of `first..=last` due in the run covering `[since, now)`, as ranges of consecutive
/// days (inclusive). Day `d`'s phase is `d mod 64` sixty-fourths of the period, so consecutive
/// days fall due one after another and a run's due days form at most a few ranges: a platform
/// that filters by creation date reads them in a few requests, and every day of the window once
/// per period.
pub fn due_day_ranges(
    first: NaiveDate,
    last: NaiveDate,
    since: DateTime<Utc>,
    now: DateTime<Utc>,
    period: Duration,
) -> Vec<(NaiveDate, NaiveDate)> {
    let mut out: Vec<(NaiveDate, NaiveDate)> = Vec::new();
    let mut day = first;
    while day <= last {
        let n = i64::from(day.num_days_from_ce()).rem_euclid(DAY_PHASES);
        let phase = period
            .as_secs()
            .checked_mul(u64::try_from(n).unwrap_or(0))
            .and_then(|p| p.checked_div(DAY_PHASES.unsigned_abs()))
            .unwrap_or(0);
        if phase_due(phase, since, now, period) {
            match out.last_mut() {
                Some((_, end)) if end.succ_opt() == Some(day) => *end = day,
                _ => out.push((day, day)),
            }
        }
        match day.succ_opt() {
            Some(next) => day = next,
            None => break,
        }
    }
    out
}

/// Whether a listed order changed at or after `since` by its change time; `None` when the list
/// entry carries no readable change time (the caller spreads such orders).
pub fn changed_since(change_time: Option<DateTime<Utc>>, since: DateTime<Utc>) -> Option<bool> {
    change_time.map(|t| t >= since)
}

#[cfg(test)]
#[allow(clippy::arithmetic_side_effects)]
mod tests {
    use super::*;
    use chrono::Duration as ChronoDuration;

    fn at(secs: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000 + secs, 0).unwrap()
    }

    #[test]
    fn every_key_is_read_once_per_period_by_runs_that_leave_no_gap() {
        let period = Duration::from_secs(3600);
        let keys: Vec<String> = (0..500).map(|i| format!("order-{i}")).collect();
        // runs every 10 minutes, each reaching back to the previous start (no overlap)
        let mut reads = vec![0u32; keys.len()];
        for run in 0..6 {
            let (since, now) = (at(run * 600), at((run + 1) * 600));
            for (i, k) in keys.iter().enumerate() {
                if spread_due(k, since, now, period) {
                    reads[i] += 1;
                }
            }
        }
        assert!(reads.iter().all(|&n| n == 1), "{reads:?}");
    }

    #[test]
    fn a_run_reads_about_its_share_of_the_period() {
        let period = Duration::from_secs(3600);
        let due = (0..1000)
            .filter(|i| spread_due(&format!("o{i}"), at(0), at(600), period))
            .count();
        // a sixth of the period: about 167 of 1000
        assert!((100..240).contains(&due), "{due}");
    }

    #[test]
    fn long_spans_and_zero_periods_read_all_and_empty_spans_none() {
        let period = Duration::from_secs(3600);
        assert!(spread_due("x", at(0), at(3600), period));
        assert!(spread_due("x", at(0), at(1), Duration::ZERO));
        assert!(!spread_due("x", at(10), at(10), period));
        assert!(!spread_due("x", at(10), at(5), period));
        let far = DateTime::<Utc>::MIN_UTC;
        assert!(spread_due("x", far, at(0), period));
        assert!(spread_due(
            "x",
            at(0),
            at(0) + ChronoDuration::days(1),
            period
        ));
    }

    #[test]
    fn due_days_come_in_few_ranges_and_each_day_once_per_period() {
        let period = Duration::from_secs(3600);
        let first = NaiveDate::from_ymd_opt(2026, 9, 1).unwrap();
        let last = NaiveDate::from_ymd_opt(2026, 10, 27).unwrap();
        let mut days = std::collections::BTreeMap::new();
        for run in 0..6 {
            let ranges = due_day_ranges(first, last, at(run * 600), at((run + 1) * 600), period);
            assert!(ranges.len() <= 3, "{ranges:?}");
            for (a, b) in ranges {
                let mut d = a;
                while d <= b {
                    *days.entry(d).or_insert(0) += 1;
                    d = d.succ_opt().unwrap();
                }
            }
        }
        assert_eq!(days.len(), 57);
        assert!(days.values().all(|&n| n == 1), "{days:?}");
        assert_eq!(
            due_day_ranges(first, last, at(0), at(3600), period),
            vec![(first, last)]
        );
    }

    #[test]
    fn change_times_decide_where_there_are_any() {
        assert_eq!(changed_since(Some(at(5)), at(5)), Some(true));
        assert_eq!(changed_since(Some(at(4)), at(5)), Some(false));
        assert_eq!(changed_since(None, at(5)), None);
    }
}
