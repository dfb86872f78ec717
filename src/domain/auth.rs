//! Who is asking, and what they may see (API-3). Tokens are random and stored only as a SHA-256
//! hash: enough for 256-bit random secrets, and cheap on every request. Failed authentications
//! are throttled per client address ([`AuthThrottle`]).

use super::{SourceId, UserId};
use base64::Engine;
use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};
use std::collections::{HashMap, HashSet};
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The shortest `ORDERHUB_ADMIN_TOKEN` accepted: 24 characters of a random alphabet are well past
/// guessing, even at the throttled rate of failed attempts.
pub const MIN_ADMIN_TOKEN_LEN: usize = 24;

#[derive(Clone, Debug)]
pub struct Principal {
    pub user_id: UserId,
    pub name: String,
    pub admin: bool,
    /// Sources granted to a non-admin user; admins see every source.
    pub granted: HashSet<SourceId>,
}

/// What a principal may read, as the store applies it to queries.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum SourceScope {
    All,
    Only(Vec<SourceId>),
}

impl Principal {
    pub fn can_see_source(&self, id: SourceId) -> bool {
        self.admin || self.granted.contains(&id)
    }

    pub fn scope(&self) -> SourceScope {
        if self.admin {
            SourceScope::All
        } else {
            let mut ids: Vec<_> = self.granted.iter().copied().collect();
            ids.sort();
            SourceScope::Only(ids)
        }
    }
}

impl SourceScope {
    pub fn allows(&self, id: SourceId) -> bool {
        match self {
            SourceScope::All => true,
            SourceScope::Only(ids) => ids.contains(&id),
        }
    }

    /// Whether an order of `source` is visible; orders created here belong to no source, and
    /// only admins see them.
    pub fn sees_order_of(&self, source: Option<SourceId>) -> bool {
        match (self, source) {
            (SourceScope::All, _) => true,
            (SourceScope::Only(_), None) => false,
            (SourceScope::Only(ids), Some(s)) => ids.contains(&s),
        }
    }
}

/// A new bearer token: 32 random bytes, URL-safe base64, with a prefix that makes leaks greppable.
pub fn generate_token() -> String {
    let bytes: [u8; 32] = rand::random();
    format!(
        "oh_{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    )
}

pub fn hash_token(token: &str) -> String {
    let digest = Sha256::digest(token.trim().as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// How failed authentications are throttled.
#[derive(Clone, Debug)]
pub struct ThrottlePolicy {
    /// Failures from one address within `window` that start a cooling period.
    pub max_failures: u32,
    pub window: Duration,
    /// How long an address cools down once it reached `max_failures`.
    pub cooldown: Duration,
    /// Addresses remembered at most; beyond it the least recently seen are forgotten.
    pub capacity: usize,
}

impl Default for ThrottlePolicy {
    fn default() -> Self {
        ThrottlePolicy {
            max_failures: 10,
            window: Duration::from_secs(60),
            cooldown: Duration::from_secs(300),
            capacity: 10_000,
        }
    }
}

/// Tokens that worked from an address, kept to let them through its cooling period.
const TRUSTED_PER_ADDRESS: usize = 4;

#[derive(Debug)]
struct Attempts {
    failures: u32,
    window_start: Instant,
    blocked_until: Option<Instant>,
    /// Short fingerprints of tokens that authenticated from this address before.
    trusted: Vec<u64>,
    last_seen: Instant,
}

/// Whether an authentication attempt may be checked.
#[derive(Debug, PartialEq, Eq)]
pub enum Gate {
    Open,
    /// The address is cooling down and the token is not one that worked from it before.
    Throttled {
        retry_at: DateTime<Utc>,
    },
}

/// Failed authentications per client address. After `max_failures` within `window` the address
/// cools down: a token that already worked from that address still works (a user behind the same
/// NAT or proxy as a guesser is not locked out), any other token is refused unchecked until the
/// cooling ends, so guessing learns nothing then, not even whether a guess was right. Memory is
/// bounded by `capacity`.
pub struct AuthThrottle {
    policy: ThrottlePolicy,
    addresses: Mutex<HashMap<IpAddr, Attempts>>,
}

impl AuthThrottle {
    pub fn new(policy: ThrottlePolicy) -> Self {
        AuthThrottle {
            policy,
            addresses: Mutex::new(HashMap::new()),
        }
    }

    /// Before a token is checked.
    pub fn gate(&self, addr: IpAddr, token: &str, now: Instant) -> Gate {
        let map = self.addresses.lock().unwrap();
        let Some(a) = map.get(&addr) else {
            return Gate::Open;
        };
        match a.blocked_until {
            Some(until) if until > now && !a.trusted.contains(&fingerprint(token)) => {
                Gate::Throttled {
                    retry_at: wall_clock(until, now),
                }
            }
            _ => Gate::Open,
        }
    }

    /// A token that opened nothing; the `max_failures`-th within the window starts a cooling
    /// period. Returns when the address may try again if it was cooling down already (a request
    /// that passed the gate alongside the one that started it).
    pub fn failed(&self, addr: IpAddr, now: Instant) -> Option<DateTime<Utc>> {
        let mut map = self.addresses.lock().unwrap();
        self.make_room(&mut map, addr, now);
        let p = &self.policy;
        let a = map.entry(addr).or_insert_with(|| Attempts {
            failures: 0,
            window_start: now,
            blocked_until: None,
            trusted: Vec::new(),
            last_seen: now,
        });
        a.last_seen = now;
        if let Some(until) = a.blocked_until {
            if until > now {
                return Some(wall_clock(until, now));
            }
            a.blocked_until = None;
            a.failures = 0;
            a.window_start = now;
        }
        if now.duration_since(a.window_start) > p.window {
            a.failures = 0;
            a.window_start = now;
        }
        // at most one past `max_failures` before the address cools down
        a.failures = a.failures.saturating_add(1);
        if a.failures >= p.max_failures {
            // this failure is answered as any other; the attempts after it are throttled
            // the policy's minutes always fit the monotonic clock
            a.blocked_until = now.checked_add(p.cooldown);
        }
        None
    }

    /// A token that worked from `addr`: it passes the address's cooling periods from now on.
    /// Failures are not forgiven, so valid requests between guesses do not reset the count.
    pub fn succeeded(&self, addr: IpAddr, token: &str, now: Instant) {
        let f = fingerprint(token);
        let mut map = self.addresses.lock().unwrap();
        if let Some(a) = map.get_mut(&addr) {
            a.last_seen = now;
            if !a.trusted.contains(&f) {
                if a.trusted.len() == TRUSTED_PER_ADDRESS {
                    a.trusted.remove(0);
                }
                a.trusted.push(f);
            }
            return;
        }
        self.make_room(&mut map, addr, now);
        map.insert(
            addr,
            Attempts {
                failures: 0,
                window_start: now,
                blocked_until: None,
                trusted: vec![f],
                last_seen: now,
            },
        );
    }

    /// Addresses remembered now (for tests of the bound).
    pub fn remembered(&self) -> usize {
        self.addresses.lock().unwrap().len()
    }

    /// Keeps the map under its capacity: first forgets addresses with nothing pending, then the
    /// least recently seen tenth (one scan for many inserts).
    fn make_room(&self, map: &mut HashMap<IpAddr, Attempts>, addr: IpAddr, now: Instant) {
        if map.len() < self.policy.capacity || map.contains_key(&addr) {
            return;
        }
        let window = self.policy.window;
        map.retain(|_, a| {
            a.blocked_until.is_some_and(|u| u > now)
                || (a.failures > 0 && now.duration_since(a.window_start) <= window)
        });
        if map.len() >= self.policy.capacity {
            let mut seen: Vec<Instant> = map.values().map(|a| a.last_seen).collect();
            seen.sort_unstable();
            // `seen` holds at least `capacity` (≥ 1) entries here
            let cut = seen[(seen.len() / 10).min(seen.len().saturating_sub(1))];
            map.retain(|_, a| a.last_seen > cut);
        }
    }
}

impl Default for AuthThrottle {
    fn default() -> Self {
        AuthThrottle::new(ThrottlePolicy::default())
    }
}

fn fingerprint(token: &str) -> u64 {
    let d = Sha256::digest(token.trim().as_bytes());
    u64::from_le_bytes(d[..8].try_into().expect("8 bytes"))
}

fn wall_clock(at: Instant, now: Instant) -> DateTime<Utc> {
    let wait = chrono::Duration::from_std(at.saturating_duration_since(now)).unwrap_or_default();
    let now_utc = Utc::now();
    now_utc.checked_add_signed(wait).unwrap_or(now_utc)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_unique_and_hash_stably() {
        let a = generate_token();
        let b = generate_token();
        assert_ne!(a, b);
        assert!(a.starts_with("oh_") && a.len() > 40);
        assert_eq!(hash_token(&a), hash_token(&a));
        assert_ne!(hash_token(&a), hash_token(&b));
        assert_eq!(hash_token(&a).len(), 64);
        assert!(!hash_token(&a).contains(&a));
    }

    // covers: API-3
    #[test]
    fn non_admins_see_only_granted_sources() {
        let p = Principal {
            user_id: UserId(2),
            name: "m".into(),
            admin: false,
            granted: [SourceId(1)].into(),
        };
        assert!(p.can_see_source(SourceId(1)));
        assert!(!p.can_see_source(SourceId(2)));
        assert_eq!(p.scope(), SourceScope::Only(vec![SourceId(1)]));
        let admin = Principal {
            admin: true,
            granted: HashSet::new(),
            ..p
        };
        assert!(admin.can_see_source(SourceId(2)));
    }

    fn small() -> AuthThrottle {
        AuthThrottle::new(ThrottlePolicy {
            max_failures: 3,
            window: Duration::from_secs(60),
            cooldown: Duration::from_secs(300),
            capacity: 20,
        })
    }

    #[test]
    fn failures_start_a_cooling_period_that_ends() {
        let t = small();
        let a: IpAddr = "10.0.0.1".parse().unwrap();
        let t0 = Instant::now();
        assert_eq!(t.failed(a, t0), None);
        assert_eq!(t.failed(a, t0), None);
        assert_eq!(
            t.failed(a, t0),
            None,
            "the third failure is answered as any"
        );
        assert!(matches!(t.gate(a, "guess", t0), Gate::Throttled { .. }));
        let other: IpAddr = "10.0.0.2".parse().unwrap();
        assert_eq!(t.gate(other, "guess", t0), Gate::Open);
        let later = t0 + Duration::from_secs(301);
        assert_eq!(t.gate(a, "guess", later), Gate::Open);
        assert_eq!(t.failed(a, later), None, "a fresh count after cooling");
    }

    #[test]
    fn failures_outside_the_window_do_not_add_up() {
        let t = small();
        let a: IpAddr = "10.0.0.1".parse().unwrap();
        let t0 = Instant::now();
        t.failed(a, t0);
        t.failed(a, t0);
        assert_eq!(t.failed(a, t0 + Duration::from_secs(61)), None);
    }

    #[test]
    fn a_token_that_worked_before_passes_the_cooling_period() {
        let t = small();
        let a: IpAddr = "10.0.0.1".parse().unwrap();
        let t0 = Instant::now();
        t.succeeded(a, "good", t0);
        for _ in 0..3 {
            t.failed(a, t0);
        }
        assert_eq!(t.gate(a, "good", t0), Gate::Open);
        assert!(matches!(t.gate(a, "new", t0), Gate::Throttled { .. }));
    }

    #[test]
    fn memory_stays_bounded() {
        let t = small();
        let t0 = Instant::now();
        for i in 0..1000u32 {
            let addr = IpAddr::from(i.to_be_bytes());
            t.failed(addr, t0 + Duration::from_millis(i.into()));
        }
        assert!(t.remembered() <= 20, "{}", t.remembered());
    }
}
