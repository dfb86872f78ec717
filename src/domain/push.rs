//! Pushing back to the platforms, as plain rules: which status rules a platform accepts (ST-3,
//! ST-5, ST-6, ST-7), which rule an order's status falls under, whether a status or a tracking
//! number is sent now, later or never (ST-4, TRK-1, TRK-2), the preview of enabling rules, and
//! the retry schedule of the outbox.

use super::{Platform, StatusGroup};
use std::collections::BTreeMap;
use std::time::Duration;

/// One rule: our status (or, on Prom, our status group) → the platform's status.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rule {
    pub status_id: Option<i64>,
    pub status_group: Option<StatusGroup>,
    /// Prom's cancelled group: which of our cancellation reasons this rule is for (`None` = any).
    pub cancellation_reason: Option<String>,
    pub platform_status: String,
    pub platform_cancellation_reason: Option<String>,
}

/// What a platform accepts as a rule's target (from its platform note).
#[derive(Clone, Debug)]
pub struct RuleTargets {
    /// `false`: the platform has no status sync at all (Shopify, ST-7).
    pub supported: bool,
    /// Rules are per status group rather than per status (Prom, ST-5).
    pub by_group: bool,
    /// The platform statuses a rule may name; `None` where shops define their own.
    pub statuses: Option<Vec<String>>,
    /// Statuses never sent, with the reason (Rozetka's "repeat order", ST-6).
    pub never: Vec<(String, String)>,
    /// The platform status that needs a cancellation reason (Prom `canceled`).
    pub cancel_status: Option<String>,
    pub cancellation_reasons: Vec<String>,
}

/// What a platform takes from status rules and when it takes pushes, from its platform note:
/// each platform's folder gives its own (`platforms/<name>/descriptor.rs`), and the rules here
/// read them as data.
#[derive(Clone, Debug)]
pub struct PushFacts {
    /// What a status rule may name (ST-5..7).
    pub targets: RuleTargets,
    /// A platform status sent only after the order's goods are written off (WooCommerce
    /// "completed", ST-7).
    pub after_write_off: Option<&'static str>,
    /// When the platform takes a tracking number (TRK-2).
    pub tracking: TrackingRule,
}

/// TRK-2: the platform state in which a tracking number is taken.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TrackingRule {
    /// In any state.
    Always,
    /// Only while the order has this platform status; `wait` says so, `{state}` standing for the
    /// order's status now.
    OnlyIn {
        status: &'static str,
        wait: &'static str,
    },
    /// Never, for the reason given.
    Never(&'static str),
}

impl RuleTargets {
    /// A platform whose shops define their own statuses: a rule may name any (Cartum,
    /// WooCommerce), with no cancellation reasons of its own.
    pub fn any_status() -> RuleTargets {
        RuleTargets {
            supported: true,
            by_group: false,
            statuses: None,
            never: vec![],
            cancel_status: None,
            cancellation_reasons: vec![],
        }
    }
}

/// A rule the platform would not take, naming the input field at fault.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuleError {
    pub field: &'static str,
    pub message: String,
}

fn err(field: &'static str, message: impl Into<String>) -> RuleError {
    RuleError {
        field,
        message: message.into(),
    }
}

/// Checks a whole rule set of a source. `group_of` tells the group of one of our statuses
/// (`None`: no such status).
pub fn validate_rules(
    platform: Platform,
    targets: &RuleTargets,
    rules: &[Rule],
    group_of: impl Fn(i64) -> Option<StatusGroup>,
) -> Result<(), RuleError> {
    let name = platform.title();
    if !targets.supported {
        return Err(err(
            "rules",
            format!(
                "{} has no status sync: orders' statuses are never sent there (ST-7)",
                platform.title()
            ),
        ));
    }
    let mut keys = std::collections::HashSet::new();
    for (i, r) in rules.iter().enumerate() {
        // rules are numbered from 1 for people; `i` is below the list's length
        let n = i.saturating_add(1);
        let key = match (r.status_id, r.status_group, targets.by_group) {
            (Some(_), Some(_), _) | (None, None, _) => {
                return Err(err(
                    "statusId",
                    format!("rule {n}: give exactly one of statusId and statusGroup"),
                ))
            }
            (Some(_), None, true) => {
                return Err(err(
                    "statusGroup",
                    format!("rule {n}: {name} rules are set per status group (ST-5)"),
                ))
            }
            (None, Some(_), false) => {
                return Err(err(
                    "statusId",
                    format!("rule {n}: {name} rules are set per status, not per group"),
                ))
            }
            (Some(id), None, false) => {
                if group_of(id).is_none() {
                    return Err(err("statusId", format!("rule {n}: no status {id}")));
                }
                format!("status:{id}")
            }
            (None, Some(g), true) => format!(
                "group:{}:{}",
                g.as_str(),
                r.cancellation_reason.as_deref().unwrap_or("")
            ),
        };
        if r.cancellation_reason.is_some() && r.status_group != Some(StatusGroup::Cancelled) {
            return Err(err(
                "cancellationReason",
                format!("rule {n}: only the cancelled group maps cancellation reasons (ST-5)"),
            ));
        }
        let target = r.platform_status.trim();
        if target.is_empty() {
            return Err(err(
                "platformStatus",
                format!("rule {n}: the platform status is empty"),
            ));
        }
        if let Some((_, why)) = targets.never.iter().find(|(s, _)| s == target) {
            return Err(err("platformStatus", format!("rule {n}: {why}")));
        }
        if let Some(known) = &targets.statuses {
            if !known.iter().any(|s| s == target) {
                return Err(err(
                    "platformStatus",
                    format!(
                        "rule {n}: {name} has no status \"{target}\"; it takes {}",
                        known.join(", ")
                    ),
                ));
            }
        }
        let is_cancel = targets.cancel_status.as_deref() == Some(target);
        match (&r.platform_cancellation_reason, is_cancel) {
            (Some(reason), true) => {
                if !targets.cancellation_reasons.is_empty()
                    && !targets.cancellation_reasons.iter().any(|c| c == reason)
                {
                    return Err(err(
                        "platformCancellationReason",
                        format!(
                            "rule {n}: {name} has no cancellation reason \"{reason}\"; it takes {}",
                            targets.cancellation_reasons.join(", ")
                        ),
                    ));
                }
            }
            // a platform with a known reason list needs one; others fall back to their default
            (None, true) if !targets.cancellation_reasons.is_empty() => {
                return Err(err(
                    "platformCancellationReason",
                    format!("rule {n}: {name} cancels only with a cancellation reason"),
                ))
            }
            (Some(_), false) => {
                return Err(err(
                    "platformCancellationReason",
                    format!(
                        "rule {n}: a cancellation reason goes only with status \"{}\"",
                        targets.cancel_status.as_deref().unwrap_or("cancelled")
                    ),
                ))
            }
            (None, _) => {}
        }
        if !keys.insert(key) {
            return Err(err(
                "rules",
                format!("rule {n}: a second rule for the same status"),
            ));
        }
    }
    Ok(())
}

/// The rule an order's status falls under: its own status first, then its group (with the
/// cancellation reason, then without).
pub fn rule_for<'a>(
    rules: &'a [Rule],
    status_id: i64,
    group: StatusGroup,
    cancellation_reason: Option<&str>,
) -> Option<&'a Rule> {
    rules
        .iter()
        .find(|r| r.status_id == Some(status_id))
        .or_else(|| {
            rules.iter().find(|r| {
                r.status_group == Some(group)
                    && r.cancellation_reason.is_some()
                    && r.cancellation_reason.as_deref() == cancellation_reason
            })
        })
        .or_else(|| {
            rules
                .iter()
                .find(|r| r.status_group == Some(group) && r.cancellation_reason.is_none())
        })
}

/// What the order's facts are, for deciding a status push.
#[derive(Clone, Debug, Default)]
pub struct OrderFacts<'a> {
    pub source_status: Option<&'a str>,
    pub written_off: bool,
}

/// Whether a status change goes to the platform, and if not, why (the order shows it).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StatusPush {
    Send {
        platform_status: String,
        cancellation_reason: Option<String>,
    },
    NotSent(String),
}

/// ST-7: why `target` is not sent yet, where the platform takes it only after the order's goods
/// are written off (WooCommerce "completed") and they are not.
pub fn held_for_write_off(
    platform: Platform,
    facts: &PushFacts,
    target: &str,
    written_off: bool,
) -> Option<String> {
    (facts.after_write_off == Some(target) && !written_off).then(|| {
        format!(
            "{} \"{target}\" is sent only after the order's goods are written off (ST-7)",
            platform.title()
        )
    })
}

/// ST-4 and ST-7: decides the push of an order that entered a status.
pub fn plan_status_push(
    platform: Platform,
    facts: &PushFacts,
    rules_enabled: bool,
    rule: Option<&Rule>,
    order: &OrderFacts<'_>,
) -> StatusPush {
    if !facts.targets.supported {
        return StatusPush::NotSent(format!(
            "{} statuses are not synchronised (ST-7)",
            platform.title()
        ));
    }
    if !rules_enabled {
        return StatusPush::NotSent("status rules are off for this source".into());
    }
    let Some(rule) = rule else {
        return StatusPush::NotSent("no status rule for this status".into());
    };
    let target = rule.platform_status.as_str();
    if order.source_status == Some(target) {
        return StatusPush::NotSent(format!(
            "{} already has status \"{target}\"",
            platform.title()
        ));
    }
    if let Some(why) = held_for_write_off(platform, facts, target, order.written_off) {
        return StatusPush::NotSent(why);
    }
    StatusPush::Send {
        platform_status: target.to_string(),
        cancellation_reason: rule.platform_cancellation_reason.clone(),
    }
}

/// What makes orderhub consider sending a tracking number.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TrackingMoment {
    /// The order entered a status: sent when that status is one of the source's triggers.
    EnteredStatus,
    /// A person set the number: sent when the order is in a trigger status, or when the source
    /// names no trigger statuses at all.
    NumberSet,
}

/// TRK-1: does this moment send the order's tracking number?
pub fn tracking_triggered(
    send_tracking: bool,
    trigger_status_ids: &[i64],
    status_id: i64,
    has_number: bool,
    moment: TrackingMoment,
) -> bool {
    let in_trigger = trigger_status_ids.contains(&status_id);
    send_tracking
        && has_number
        && match moment {
            TrackingMoment::EnteredStatus => in_trigger,
            TrackingMoment::NumberSet => trigger_status_ids.is_empty() || in_trigger,
        }
}

/// TRK-2: may the number be sent in the platform state the order is in now?
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TrackingReadiness {
    Ready,
    /// Not attempted now; tried again when a re-sync brings the state.
    Wait(String),
    /// The platform never takes it (the order shows why).
    Never(String),
}

pub fn tracking_readiness(rule: TrackingRule, source_status: Option<&str>) -> TrackingReadiness {
    let state = source_status.unwrap_or("unknown");
    match rule {
        TrackingRule::OnlyIn { status, wait } if state != status => {
            TrackingReadiness::Wait(wait.replace("{state}", state))
        }
        TrackingRule::Never(why) => TrackingReadiness::Never(why.into()),
        TrackingRule::OnlyIn { .. } | TrackingRule::Always => TrackingReadiness::Ready,
    }
}

/// ST-3: one line of the preview of enabling rules.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PreviewMove {
    pub platform_status: String,
    pub platform_cancellation_reason: Option<String>,
    pub count: u64,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Preview {
    pub moves: Vec<PreviewMove>,
    /// Orders already in the rule's platform status.
    pub unchanged: u64,
    /// Open orders that no rule covers, or that a platform condition holds back (with counts).
    pub not_sent: Vec<(String, u64)>,
}

/// An open order as the preview sees it.
#[derive(Clone, Debug)]
pub struct OpenOrder {
    pub status_id: i64,
    pub group: StatusGroup,
    pub source_status: Option<String>,
    pub written_off: bool,
}

/// ST-3: what enabling `rules` would do to the source's open orders, changing nothing.
pub fn preview(
    platform: Platform,
    facts: &PushFacts,
    rules: &[Rule],
    orders: &[OpenOrder],
) -> Preview {
    let mut moves: BTreeMap<(String, Option<String>), u64> = BTreeMap::new();
    let mut not_sent: BTreeMap<String, u64> = BTreeMap::new();
    let mut unchanged: u64 = 0;
    for o in orders {
        let rule = rule_for(rules, o.status_id, o.group, None);
        let order = OrderFacts {
            source_status: o.source_status.as_deref(),
            written_off: o.written_off,
        };
        match plan_status_push(platform, facts, true, rule, &order) {
            StatusPush::Send {
                platform_status,
                cancellation_reason,
            } => {
                let count = moves
                    .entry((platform_status, cancellation_reason))
                    .or_default();
                // counts are bounded by the number of orders
                *count = count.saturating_add(1)
            }
            StatusPush::NotSent(_)
                if rule
                    .is_some_and(|r| order.source_status == Some(r.platform_status.as_str())) =>
            {
                unchanged = unchanged.saturating_add(1)
            }
            StatusPush::NotSent(why) => {
                let count = not_sent.entry(why).or_default();
                *count = count.saturating_add(1)
            }
        }
    }
    Preview {
        moves: moves
            .into_iter()
            .map(
                |((platform_status, platform_cancellation_reason), count)| PreviewMove {
                    platform_status,
                    platform_cancellation_reason,
                    count,
                },
            )
            .collect(),
        unchanged,
        not_sent: not_sent.into_iter().collect(),
    }
}

/// ST-3: what enabling rules did, for the source's feed (one event, not one per order):
/// the preview's counts and how many pushes were queued.
pub fn enabling_summary(platform: Platform, p: &Preview, open: u64, queued: u64) -> String {
    let moved: u64 = p.moves.iter().map(|m| m.count).sum();
    let not_sent: u64 = p.not_sent.iter().map(|n| n.1).sum();
    let mut s = format!(
        "Status rules enabled: of {open} open order(s), {moved} to be sent to {}",
        platform.title()
    );
    if moved > 0 {
        let moves: Vec<String> = p
            .moves
            .iter()
            .map(|m| match &m.platform_cancellation_reason {
                Some(r) => format!("\"{}\" ({r}): {}", m.platform_status, m.count),
                None => format!("\"{}\": {}", m.platform_status, m.count),
            })
            .collect();
        s.push_str(&format!(" ({})", moves.join(", ")));
    }
    if queued < moved {
        s.push_str(&format!(
            ", {} of them already on their way",
            moved.saturating_sub(queued)
        ));
    }
    s.push_str(&format!(
        "; {} already in their rule's status; {not_sent} not sent",
        p.unchanged
    ));
    if not_sent > 0 {
        let why: Vec<String> = p
            .not_sent
            .iter()
            .map(|(reason, n)| format!("{reason}: {n}"))
            .collect();
        s.push_str(&format!(" ({})", why.join("; ")));
    }
    s
}

/// The same counts as data, shaped as `previewStatusRules` answers them (plus `queued`).
pub fn preview_json(p: &Preview, open: u64, queued: u64) -> serde_json::Value {
    serde_json::json!({
        "openOrders": open,
        "unchanged": p.unchanged,
        "queued": queued,
        "moves": p.moves.iter().map(|m| serde_json::json!({
            "platformStatus": m.platform_status,
            "platformCancellationReason": m.platform_cancellation_reason,
            "count": m.count,
        })).collect::<Vec<_>>(),
        "notSent": p.not_sent.iter().map(|(reason, count)| serde_json::json!({
            "reason": reason,
            "count": count,
        })).collect::<Vec<_>>(),
    })
}

/// The outbox's retry schedule: exponential from `base`, capped at an hour.
pub fn retry_delay(attempts: u32, base: Duration) -> Duration {
    let factor = 2u32.saturating_pow(attempts.saturating_sub(1).min(16));
    let cap = Duration::from_secs(3600);
    base.checked_mul(factor).map_or(cap, |d| d.min(cap))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(status_id: i64, target: &str) -> Rule {
        Rule {
            status_id: Some(status_id),
            status_group: None,
            cancellation_reason: None,
            platform_status: target.into(),
            platform_cancellation_reason: None,
        }
    }

    fn group_rule(g: StatusGroup, reason: Option<&str>, target: &str, pr: Option<&str>) -> Rule {
        Rule {
            status_id: None,
            status_group: Some(g),
            cancellation_reason: reason.map(Into::into),
            platform_status: target.into(),
            platform_cancellation_reason: pr.map(Into::into),
        }
    }

    fn rozetka() -> RuleTargets {
        RuleTargets {
            supported: true,
            by_group: false,
            statuses: Some(vec!["1".into(), "2".into(), "26".into(), "49".into()]),
            never: vec![(
                "49".into(),
                "repeat order is never sent to Rozetka (ST-6)".into(),
            )],
            cancel_status: None,
            cancellation_reasons: vec![],
        }
    }

    fn prom() -> RuleTargets {
        RuleTargets {
            supported: true,
            by_group: true,
            statuses: Some(vec!["received".into(), "canceled".into()]),
            never: vec![],
            cancel_status: Some("canceled".into()),
            cancellation_reasons: vec!["not_available".into(), "buyers_request".into()],
        }
    }

    /// Push facts with the given rule targets, sending at any time.
    fn facts(targets: RuleTargets) -> PushFacts {
        PushFacts {
            targets,
            after_write_off: None,
            tracking: TrackingRule::Always,
        }
    }

    fn known(id: i64) -> Option<StatusGroup> {
        (id < 100).then_some(StatusGroup::New)
    }

    // covers: ST-6
    #[test]
    fn rozetka_rules_never_send_repeat_order_and_name_unknown_statuses() {
        assert!(validate_rules(Platform::Rozetka, &rozetka(), &[rule(1, "26")], known).is_ok());
        let e = validate_rules(Platform::Rozetka, &rozetka(), &[rule(1, "49")], known).unwrap_err();
        assert_eq!(e.field, "platformStatus");
        assert!(e.message.contains("never sent"), "{e:?}");
        let e = validate_rules(Platform::Rozetka, &rozetka(), &[rule(1, "77")], known).unwrap_err();
        assert!(e.message.contains("no status \"77\""), "{e:?}");
        let e =
            validate_rules(Platform::Rozetka, &rozetka(), &[rule(500, "2")], known).unwrap_err();
        assert_eq!(e.field, "statusId");
        let e = validate_rules(
            Platform::Rozetka,
            &rozetka(),
            &[rule(1, "2"), rule(1, "26")],
            known,
        )
        .unwrap_err();
        assert!(e.message.contains("second rule"), "{e:?}");
    }

    // covers: ST-5
    #[test]
    fn prom_rules_are_per_group_and_cancellations_need_a_reason() {
        let ok = [
            group_rule(StatusGroup::New, None, "received", None),
            group_rule(
                StatusGroup::Cancelled,
                Some("Нема в наявності"),
                "canceled",
                Some("not_available"),
            ),
            group_rule(
                StatusGroup::Cancelled,
                None,
                "canceled",
                Some("buyers_request"),
            ),
        ];
        assert!(validate_rules(Platform::Prom, &prom(), &ok, known).is_ok());
        let e = validate_rules(Platform::Prom, &prom(), &[rule(1, "received")], known).unwrap_err();
        assert_eq!(e.field, "statusGroup");
        let e = validate_rules(
            Platform::Prom,
            &prom(),
            &[group_rule(StatusGroup::Cancelled, None, "canceled", None)],
            known,
        )
        .unwrap_err();
        assert_eq!(e.field, "platformCancellationReason");
        let e = validate_rules(
            Platform::Prom,
            &prom(),
            &[group_rule(
                StatusGroup::Cancelled,
                None,
                "canceled",
                Some("bored"),
            )],
            known,
        )
        .unwrap_err();
        assert!(
            e.message.contains("no cancellation reason \"bored\""),
            "{e:?}"
        );
        let e = validate_rules(
            Platform::Prom,
            &prom(),
            &[group_rule(StatusGroup::New, Some("x"), "received", None)],
            known,
        )
        .unwrap_err();
        assert_eq!(e.field, "cancellationReason");

        // the reason's own rule wins over the group's catch-all
        let r = rule_for(&ok, 9, StatusGroup::Cancelled, Some("Нема в наявності")).unwrap();
        assert_eq!(
            r.platform_cancellation_reason.as_deref(),
            Some("not_available")
        );
        let r = rule_for(&ok, 9, StatusGroup::Cancelled, Some("other")).unwrap();
        assert_eq!(
            r.platform_cancellation_reason.as_deref(),
            Some("buyers_request")
        );
        assert_eq!(rule_for(&ok, 9, StatusGroup::Delivery, None), None);
    }

    // covers: ST-7 (the platforms' own facts: platforms/mod.rs descriptor_tests)
    #[test]
    fn no_status_sync_sends_nothing_and_a_write_off_status_waits_for_the_write_off() {
        let none = RuleTargets {
            supported: false,
            ..RuleTargets::any_status()
        };
        assert!(validate_rules(Platform::Shopify, &none, &[], known).is_err());
        let woo = PushFacts {
            after_write_off: Some("completed"),
            ..facts(RuleTargets::any_status())
        };
        let done = rule(5, "completed");
        let open = OrderFacts {
            source_status: Some("processing"),
            written_off: false,
        };
        assert!(matches!(
            plan_status_push(Platform::Woocommerce, &woo, true, Some(&done), &open),
            StatusPush::NotSent(m) if m == "WooCommerce \"completed\" is sent only after the order's goods are written off (ST-7)"
        ));
        assert_eq!(
            plan_status_push(
                Platform::Woocommerce,
                &woo,
                true,
                Some(&rule(5, "processing")),
                &OrderFacts::default()
            ),
            StatusPush::Send {
                platform_status: "processing".into(),
                cancellation_reason: None
            }
        );
        let written = OrderFacts {
            written_off: true,
            ..open.clone()
        };
        assert_eq!(
            plan_status_push(Platform::Woocommerce, &woo, true, Some(&done), &written),
            StatusPush::Send {
                platform_status: "completed".into(),
                cancellation_reason: None
            }
        );
        assert_eq!(
            plan_status_push(Platform::Shopify, &facts(none), true, Some(&done), &written),
            StatusPush::NotSent("Shopify statuses are not synchronised (ST-7)".into())
        );
    }

    // covers: ST-3, ST-4
    #[test]
    fn a_push_says_why_it_is_not_made() {
        let r = rule(1, "26");
        let rz = facts(rozetka());
        let order = OrderFacts {
            source_status: Some("1"),
            written_off: false,
        };
        let why = |p| match p {
            StatusPush::NotSent(m) => m,
            other => panic!("{other:?}"),
        };
        assert!(why(plan_status_push(
            Platform::Rozetka,
            &rz,
            false,
            Some(&r),
            &order
        ))
        .contains("off"));
        assert!(
            why(plan_status_push(Platform::Rozetka, &rz, true, None, &order))
                .contains("no status rule")
        );
        let there = OrderFacts {
            source_status: Some("26"),
            written_off: false,
        };
        assert!(why(plan_status_push(
            Platform::Rozetka,
            &rz,
            true,
            Some(&r),
            &there
        ))
        .contains("already"));
    }

    // covers: ST-3
    #[test]
    fn preview_counts_moves_without_touching_anything() {
        let rules = [rule(1, "26"), rule(2, "2")];
        let o = |status_id, s: &str| OpenOrder {
            status_id,
            group: StatusGroup::New,
            source_status: Some(s.into()),
            written_off: false,
        };
        let p = preview(
            Platform::Rozetka,
            &facts(rozetka()),
            &rules,
            &[o(1, "1"), o(1, "1"), o(1, "26"), o(2, "1"), o(3, "1")],
        );
        assert_eq!(
            p.moves,
            vec![
                PreviewMove {
                    platform_status: "2".into(),
                    platform_cancellation_reason: None,
                    count: 1
                },
                PreviewMove {
                    platform_status: "26".into(),
                    platform_cancellation_reason: None,
                    count: 2
                },
            ]
        );
        assert_eq!(p.unchanged, 1);
        assert_eq!(
            p.not_sent,
            vec![("no status rule for this status".into(), 1)]
        );
    }

    // covers: ST-3
    #[test]
    fn enabling_says_the_preview_once() {
        let p = Preview {
            moves: vec![PreviewMove {
                platform_status: "26".into(),
                platform_cancellation_reason: None,
                count: 3,
            }],
            unchanged: 1,
            not_sent: vec![("no status rule for this status".into(), 2)],
        };
        assert_eq!(
            enabling_summary(Platform::Rozetka, &p, 6, 3),
            "Status rules enabled: of 6 open order(s), 3 to be sent to Rozetka (\"26\": 3); \
             1 already in their rule's status; 2 not sent (no status rule for this status: 2)"
        );
        let none = Preview::default();
        assert_eq!(
            enabling_summary(Platform::Prom, &none, 0, 0),
            "Status rules enabled: of 0 open order(s), 0 to be sent to Prom.ua; 0 already in \
             their rule's status; 0 not sent"
        );
        let j = preview_json(&p, 6, 3);
        assert_eq!(j["moves"][0]["count"], 3);
        assert_eq!(j["notSent"][0]["count"], 2);
        assert_eq!(j["queued"], 3);
    }

    // covers: TRK-1, TRK-2
    #[test]
    fn tracking_is_sent_in_trigger_statuses_and_the_platform_state_that_takes_it() {
        use TrackingMoment::*;
        assert!(tracking_triggered(true, &[4, 5], 4, true, EnteredStatus));
        assert!(!tracking_triggered(true, &[4, 5], 3, true, EnteredStatus));
        assert!(!tracking_triggered(true, &[], 3, true, EnteredStatus));
        assert!(!tracking_triggered(false, &[], 3, true, NumberSet));
        assert!(!tracking_triggered(true, &[], 3, false, NumberSet));
        assert!(tracking_triggered(true, &[], 3, true, NumberSet));
        assert!(!tracking_triggered(true, &[4], 3, true, NumberSet));
        let only_in_2 = TrackingRule::OnlyIn {
            status: "2",
            wait: "takes it only in status 2; the order is in status {state}",
        };
        assert_eq!(
            tracking_readiness(only_in_2, Some("2")),
            TrackingReadiness::Ready
        );
        assert_eq!(
            tracking_readiness(only_in_2, Some("26")),
            TrackingReadiness::Wait("takes it only in status 2; the order is in status 26".into())
        );
        assert_eq!(
            tracking_readiness(only_in_2, None),
            TrackingReadiness::Wait(
                "takes it only in status 2; the order is in status unknown".into()
            )
        );
        assert_eq!(
            tracking_readiness(TrackingRule::Never("fulfilments"), Some("2")),
            TrackingReadiness::Never("fulfilments".into())
        );
        assert_eq!(
            tracking_readiness(TrackingRule::Always, Some("received")),
            TrackingReadiness::Ready
        );
    }

    // covers: ST-4
    #[test]
    fn retries_back_off_exponentially_up_to_an_hour() {
        let b = Duration::from_secs(2);
        assert_eq!(retry_delay(1, b), Duration::from_secs(2));
        assert_eq!(retry_delay(2, b), Duration::from_secs(4));
        assert_eq!(retry_delay(5, b), Duration::from_secs(32));
        assert_eq!(retry_delay(40, b), Duration::from_secs(3600));
    }
}
