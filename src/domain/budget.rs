//! The budget of platform calls people ask for (`syncSource`, `syncOrder`, `syncPublication`,
//! `syncPublications`): one per source, shared by every user, request and instance, so that no
//! request or burst of requests spends the seller's platform quota (the scheduled polls have their
//! own pace). It is the generic cell rate algorithm: `burst` calls at once, then one call every
//! `60 / per_minute` seconds. The state is one number per source, the theoretical arrival time
//! (`tat`) of the next call, in milliseconds since the Unix epoch.

/// A source's budget. Settings `manual_call_burst` (1–1000) and `manual_calls_per_minute`
/// (1–600) change it; values out of range are clamped, others give the default.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CallBudget {
    pub burst: u32,
    pub per_minute: u32,
}

impl Default for CallBudget {
    /// 10 calls at once, then 10 a minute: a person clicking through orders is never held up, a
    /// script or a request of 25 aliases is.
    fn default() -> Self {
        CallBudget {
            burst: 10,
            per_minute: 10,
        }
    }
}

/// The setting keys, as a source's `settings` carry them.
pub const BURST_SETTING: &str = "manual_call_burst";
pub const RATE_SETTING: &str = "manual_calls_per_minute";

impl CallBudget {
    /// The budget a source's settings ask for (`platforms::settings::CommonSettings`), each
    /// figure kept within its bounds; unset, the default.
    pub fn from_settings(burst: Option<u64>, per_minute: Option<u64>) -> CallBudget {
        let d = CallBudget::default();
        let read = |v: Option<u64>, default: u32, max: u32| {
            v.map_or(default, |v| {
                u32::try_from(v.clamp(1, u64::from(max))).unwrap_or(max)
            })
        };
        CallBudget {
            burst: read(burst, d.burst, 1000),
            per_minute: read(per_minute, d.per_minute, 600),
        }
    }

    /// Milliseconds between two calls once the burst is spent.
    fn interval_ms(&self) -> i64 {
        60_000_i64
            .checked_div(i64::from(self.per_minute.max(1)))
            .unwrap_or(60_000)
    }

    /// How far ahead of `now` the next call's arrival time may be and still be admitted.
    fn tolerance_ms(&self) -> i64 {
        self.interval_ms()
            .saturating_mul(i64::from(self.burst.max(1).saturating_sub(1)))
    }

    /// One call at `now_ms`: `Ok(new_tat)` to store when it is admitted, `Err(retry_at_ms)` (when
    /// the next call will be) when the budget is spent. `tat` is `None` for a source never asked.
    pub fn admit(&self, tat: Option<i64>, now_ms: i64) -> Result<i64, i64> {
        let start = tat.map_or(now_ms, |t| t.max(now_ms));
        let earliest = start.saturating_sub(self.tolerance_ms());
        if earliest > now_ms {
            return Err(earliest);
        }
        Ok(start.saturating_add(self.interval_ms()))
    }

    /// What a refused caller reads.
    pub fn describe(&self) -> String {
        format!(
            "{} calls at once, then {} a minute (source settings `{BURST_SETTING}` and `{RATE_SETTING}`)",
            self.burst, self.per_minute
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // covers: API-4 (manual syncs share one per-source budget)
    #[test]
    fn a_burst_is_admitted_then_one_call_per_interval() {
        let b = CallBudget {
            burst: 3,
            per_minute: 6,
        };
        let now = 1_000_000;
        let mut tat = None;
        for _ in 0..3 {
            tat = Some(b.admit(tat, now).expect("within the burst"));
        }
        // the fourth at the same moment waits one interval (10 s)
        assert_eq!(b.admit(tat, now), Err(now + 10_000));
        assert_eq!(b.admit(tat, now + 9_999), Err(now + 10_000));
        let t = b
            .admit(tat, now + 10_000)
            .expect("one more after the interval");
        assert_eq!(b.admit(Some(t), now + 10_000), Err(now + 20_000));
        // after a long quiet time the whole burst is there again, not more
        let later = now + 3_600_000;
        let mut tat = Some(t);
        for _ in 0..3 {
            tat = Some(b.admit(tat, later).expect("a full burst again"));
        }
        assert!(b.admit(tat, later).is_err());
    }

    // covers: API-4
    #[test]
    fn a_burst_of_one_is_a_plain_rate() {
        let b = CallBudget {
            burst: 1,
            per_minute: 60,
        };
        let t = b.admit(None, 0).unwrap();
        assert_eq!(b.admit(Some(t), 500), Err(1_000));
        assert!(b.admit(Some(t), 1_000).is_ok());
    }

    // covers: API-4, SRC-1 (settings)
    #[test]
    fn settings_change_the_budget_within_bounds() {
        assert_eq!(CallBudget::from_settings(None, None), CallBudget::default());
        assert_eq!(
            CallBudget::from_settings(Some(3), Some(0)),
            CallBudget {
                burst: 3,
                per_minute: 1
            }
        );
        assert_eq!(
            CallBudget::from_settings(Some(u64::MAX), None),
            CallBudget {
                burst: 1000,
                per_minute: 10
            }
        );
        // extreme values and times do not overflow
        let b = CallBudget {
            burst: 1000,
            per_minute: 1,
        };
        assert!(b.admit(Some(i64::MAX), i64::MAX).is_ok());
        assert!(b.admit(Some(i64::MIN), 0).is_ok());
    }
}
