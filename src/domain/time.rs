//! Platform local times. Rozetka and Prom write Kyiv wall-clock time without a zone; the store
//! keeps UTC. Europe/Kyiv is UTC+2 in winter and UTC+3 from the last Sunday of March 01:00 UTC
//! to the last Sunday of October 01:00 UTC (the EU rule), which is all we need of a tz database.

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveDateTime, TimeZone, Utc, Weekday};

/// The last Sunday of a month; `None` only at the ends of chrono's calendar.
fn last_sunday(year: i32, month: u32) -> Option<NaiveDate> {
    let first_next = if month == 12 {
        NaiveDate::from_ymd_opt(year.checked_add(1)?, 1, 1)
    } else {
        NaiveDate::from_ymd_opt(year, month.checked_add(1)?, 1)
    }?;
    let mut d = first_next.pred_opt()?;
    while d.weekday() != Weekday::Sun {
        d = d.pred_opt()?;
    }
    Some(d)
}

/// Whether summer time is in force in Kyiv at this UTC instant.
fn kyiv_summer_time(utc: DateTime<Utc>) -> bool {
    let y = utc.year();
    let switch = |month| {
        last_sunday(y, month)
            .and_then(|d| d.and_hms_opt(1, 0, 0))
            .map(|t| Utc.from_utc_datetime(&t))
    };
    match (switch(3), switch(10)) {
        (Some(start), Some(end)) => utc >= start && utc < end,
        // a year at the end of the calendar: no platform writes it, winter time will do
        _ => false,
    }
}

/// Kyiv wall-clock time → UTC, or `None` for a time at the very start of chrono's range that has
/// no UTC instant. In the repeated autumn hour the earlier instant is taken.
pub fn kyiv_to_utc_checked(local: NaiveDateTime) -> Option<DateTime<Utc>> {
    let summer = Utc.from_utc_datetime(&local.checked_sub_signed(Duration::hours(3))?);
    if kyiv_summer_time(summer) {
        Some(summer)
    } else {
        Some(Utc.from_utc_datetime(&local.checked_sub_signed(Duration::hours(2))?))
    }
}

/// [`kyiv_to_utc_checked`] for times known to be in range (simulators, tests); the start of
/// chrono's range stands for a time before it.
pub fn kyiv_to_utc(local: NaiveDateTime) -> DateTime<Utc> {
    kyiv_to_utc_checked(local).unwrap_or(DateTime::<Utc>::MIN_UTC)
}

/// UTC → Kyiv wall-clock time, for query parameters such as Rozetka's `changed_from`. The end of
/// chrono's range stands for a time past it.
pub fn utc_to_kyiv(utc: DateTime<Utc>) -> NaiveDateTime {
    let offset = if kyiv_summer_time(utc) { 3 } else { 2 };
    utc.naive_utc()
        .checked_add_signed(Duration::hours(offset))
        .unwrap_or(NaiveDateTime::MAX)
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
