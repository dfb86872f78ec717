//! Platform local times. Rozetka and Prom write Kyiv wall-clock time without a zone; the store
//! keeps UTC. The rules of Europe/Kyiv come from the tz database (`chrono-tz`), so a change of
//! Ukraine's clock rules is a crate update, not a code change.

use chrono::{DateTime, Duration, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Europe::Kyiv;

/// Kyiv wall-clock time → UTC, or `None` for a time at the edge of chrono's range that has no
/// UTC instant. In the repeated autumn hour the earlier instant is taken; a time in the skipped
/// spring hour (which no clock showed) is read with the offset before the change.
pub fn kyiv_to_utc_checked(local: NaiveDateTime) -> Option<DateTime<Utc>> {
    match Kyiv.from_local_datetime(&local).earliest() {
        Some(t) => Some(t.with_timezone(&Utc)),
        None => {
            // the spring gap: the offset an hour earlier still holds
            let before = Kyiv
                .from_local_datetime(&local.checked_sub_signed(Duration::hours(1))?)
                .earliest()?;
            Some(
                before
                    .with_timezone(&Utc)
                    .checked_add_signed(Duration::hours(1))?,
            )
        }
    }
}

/// [`kyiv_to_utc_checked`] for times known to be in range (simulators, tests); the start of
/// chrono's range stands for a time before it.
pub fn kyiv_to_utc(local: NaiveDateTime) -> DateTime<Utc> {
    kyiv_to_utc_checked(local).unwrap_or(DateTime::<Utc>::MIN_UTC)
}

/// UTC → Kyiv wall-clock time, for query parameters such as Rozetka's `changed_from`.
pub fn utc_to_kyiv(utc: DateTime<Utc>) -> NaiveDateTime {
    utc.with_timezone(&Kyiv).naive_local()
}

/// Parses `YYYY-MM-DD HH:MM:SS` (or with `T`) as Kyiv time.
pub fn parse_kyiv(s: &str) -> Option<DateTime<Utc>> {
    let s = s.trim();
    NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S")
        .or_else(|_| NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S"))
        .or_else(|_| NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f"))
        .ok()
        .and_then(kyiv_to_utc_checked)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn naive(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S").unwrap()
    }

    #[test]
    fn winter_is_plus_two_and_summer_plus_three() {
        assert_eq!(
            kyiv_to_utc(naive("2026-01-15 12:00:00")).to_rfc3339(),
            "2026-01-15T10:00:00+00:00"
        );
        assert_eq!(
            kyiv_to_utc(naive("2026-07-15 12:00:00")).to_rfc3339(),
            "2026-07-15T09:00:00+00:00"
        );
        // 2026: summer time from 29 March 01:00 UTC to 25 October 01:00 UTC
        assert_eq!(
            kyiv_to_utc(naive("2026-03-29 02:30:00")).to_rfc3339(),
            "2026-03-29T00:30:00+00:00"
        );
        assert_eq!(
            kyiv_to_utc(naive("2026-03-29 04:30:00")).to_rfc3339(),
            "2026-03-29T01:30:00+00:00"
        );
        assert_eq!(
            kyiv_to_utc(naive("2026-10-25 05:00:00")).to_rfc3339(),
            "2026-10-25T03:00:00+00:00"
        );
    }

    // covers: IMP-3 (issue 17: Kyiv time across both clock changes, to the second on each side)
    #[test]
    fn both_clock_changes_to_the_second() {
        let at = |s: &str| kyiv_to_utc(naive(s)).to_rfc3339();
        // spring, 29 March 2026: 03:00 Kyiv winter time is 04:00 summer time (01:00 UTC)
        assert_eq!(at("2026-03-29 02:59:59"), "2026-03-29T00:59:59+00:00");
        assert_eq!(at("2026-03-29 04:00:00"), "2026-03-29T01:00:00+00:00");
        // autumn, 25 October 2026: 04:00 summer time is 03:00 winter time (01:00 UTC), so
        // 03:00-03:59 happens twice; a platform's bare wall-clock time is read as the first one
        assert_eq!(at("2026-10-25 02:59:59"), "2026-10-24T23:59:59+00:00");
        assert_eq!(at("2026-10-25 03:00:00"), "2026-10-25T00:00:00+00:00");
        assert_eq!(at("2026-10-25 03:59:59"), "2026-10-25T00:59:59+00:00");
        assert_eq!(at("2026-10-25 04:00:00"), "2026-10-25T02:00:00+00:00");
        // and back: each UTC instant of the repeated hour shows its Kyiv wall-clock time
        let utc = |s: &str| chrono::DateTime::parse_from_rfc3339(s).unwrap().to_utc();
        assert_eq!(
            utc_to_kyiv(utc("2026-10-25T00:30:00Z")),
            naive("2026-10-25 03:30:00")
        );
        assert_eq!(
            utc_to_kyiv(utc("2026-10-25T01:30:00Z")),
            naive("2026-10-25 03:30:00")
        );
        assert_eq!(
            utc_to_kyiv(utc("2026-03-29T01:00:00Z")),
            naive("2026-03-29 04:00:00")
        );
    }

    // covers: IMP-3 — the tz database's rules, not the EU rule alone: Kyiv kept Moscow time
    // (UTC+3 in winter) until July 1990
    #[test]
    fn historic_rules_come_from_the_tz_database() {
        assert_eq!(
            kyiv_to_utc(naive("1990-01-15 12:00:00")).to_rfc3339(),
            "1990-01-15T09:00:00+00:00"
        );
        // the hour skipped in spring is read with the winter offset
        assert_eq!(
            kyiv_to_utc(naive("2026-03-29 03:30:00")).to_rfc3339(),
            "2026-03-29T01:30:00+00:00"
        );
        assert_eq!(
            utc_to_kyiv(kyiv_to_utc(naive("2026-10-25 03:30:00"))),
            naive("2026-10-25 03:30:00")
        );
    }

    #[test]
    fn round_trips() {
        for s in [
            "2026-01-15 12:00:00",
            "2026-07-15 23:59:59",
            "2026-11-23 00:10:00",
        ] {
            assert_eq!(utc_to_kyiv(kyiv_to_utc(naive(s))), naive(s));
        }
        assert_eq!(
            parse_kyiv("2019-07-25 11:49:32").unwrap().to_rfc3339(),
            "2019-07-25T08:49:32+00:00"
        );
        assert_eq!(parse_kyiv("yesterday"), None);
    }
}
