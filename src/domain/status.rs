//! Our order statuses: data the user may edit, each in one of six fixed groups.

use std::fmt;
use std::str::FromStr;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum StatusGroup {
    New,
    Approval,
    Production,
    Delivery,
    Completed,
    Cancelled,
}

impl StatusGroup {
    pub const ALL: [StatusGroup; 6] = [
        StatusGroup::New,
        StatusGroup::Approval,
        StatusGroup::Production,
        StatusGroup::Delivery,
        StatusGroup::Completed,
        StatusGroup::Cancelled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            StatusGroup::New => "new",
            StatusGroup::Approval => "approval",
            StatusGroup::Production => "production",
            StatusGroup::Delivery => "delivery",
            StatusGroup::Completed => "completed",
            StatusGroup::Cancelled => "cancelled",
        }
    }

    /// An order is open until it reaches a final group (ST-3 applies rules to open orders).
    pub fn is_final(self) -> bool {
        matches!(self, StatusGroup::Completed | StatusGroup::Cancelled)
    }
}

impl fmt::Display for StatusGroup {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for StatusGroup {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        StatusGroup::ALL
            .into_iter()
            .find(|g| g.as_str().eq_ignore_ascii_case(s))
            .ok_or_else(|| format!("unknown status group `{s}`"))
    }
}

/// A seeded default status. `key` is stable across renames so code can find e.g. "repeat order".
pub struct DefaultStatus {
    pub key: &'static str,
    pub name: &'static str,
    pub group: StatusGroup,
}

/// Statuses every new installation starts with: at least one per group, named as sellers know them.
pub const DEFAULT_STATUSES: &[DefaultStatus] = &[
    DefaultStatus {
        key: "new",
        name: "New",
        group: StatusGroup::New,
    },
    DefaultStatus {
        key: "repeat_order",
        name: "Repeat order",
        group: StatusGroup::New,
    },
    DefaultStatus {
        key: "awaiting_confirmation",
        name: "Awaiting confirmation",
        group: StatusGroup::Approval,
    },
    DefaultStatus {
        key: "confirmed",
        name: "Confirmed",
        group: StatusGroup::Approval,
    },
    DefaultStatus {
        key: "packing",
        name: "Packing",
        group: StatusGroup::Production,
    },
    DefaultStatus {
        key: "shipped",
        name: "Shipped",
        group: StatusGroup::Delivery,
    },
    DefaultStatus {
        key: "at_post_office",
        name: "At the post office",
        group: StatusGroup::Delivery,
    },
    DefaultStatus {
        key: "completed",
        name: "Completed",
        group: StatusGroup::Completed,
    },
    DefaultStatus {
        key: "cancelled",
        name: "Cancelled",
        group: StatusGroup::Cancelled,
    },
    DefaultStatus {
        key: "returned",
        name: "Returned",
        group: StatusGroup::Cancelled,
    },
];

/// The status key new imported orders get unless the source says otherwise (IMP-7).
pub const DEFAULT_NEW_STATUS_KEY: &str = "new";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_group_has_a_seeded_status() {
        for g in StatusGroup::ALL {
            assert!(
                DEFAULT_STATUSES.iter().any(|s| s.group == g),
                "{g} has no default"
            );
        }
    }

    #[test]
    fn only_completed_and_cancelled_are_final() {
        let finals: Vec<_> = StatusGroup::ALL
            .into_iter()
            .filter(|g| g.is_final())
            .collect();
        assert_eq!(finals, [StatusGroup::Completed, StatusGroup::Cancelled]);
        assert_eq!(
            "CANCELLED".parse::<StatusGroup>(),
            Ok(StatusGroup::Cancelled)
        );
    }
}
