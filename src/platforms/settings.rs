//! A source's `settings` (SRC-1), typed: each platform folder has a `settings.rs` with a serde
//! struct of its keys (`deny_unknown_fields`, a default for every key) and a table describing
//! them ([`SettingDoc`]), which `platformSettings(platform)` lists for a frontend's form.
//!
//! [`check`] is what `createSource` and `updateSource` run: an unknown key or a value of the wrong
//! type is refused naming the key (and, for an unknown one, the keys the platform takes).
//! [`read`] is what a client runs on the stored object: rows saved before the settings were typed
//! may hold a key no platform reads or a value of the wrong type, which then (as before) mean
//! the key's default, so every stored source keeps working.

use super::Platform;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value};

/// One key of a platform's settings, as `platformSettings` shows it.
#[derive(Clone, Copy, Debug)]
pub struct SettingDoc {
    pub key: &'static str,
    /// `integer`, `string`, `boolean`, `string list`, `integer list`, or `one of` for a key with
    /// [`SettingDoc::allowed`] values.
    pub kind: &'static str,
    /// The default as JSON text (`null`: none, or one the description explains).
    pub default: &'static str,
    /// The values the key takes, when it takes only a few.
    pub allowed: &'static [&'static str],
    pub description: &'static str,
}

/// The country setting, as both webhook platforms describe it.
pub const COUNTRY: SettingDoc = SettingDoc {
    key: "country",
    kind: "one of",
    default: "null",
    allowed: &["UA", "PL"],
    description: "The shop's country: phone numbers written without a country code are read in \
                  it (CUS-1); unset, the order's currency says (UAH: UA, PLN: PL)",
};

/// `reconcile_minutes`, as both webhook platforms describe it.
pub const RECONCILE_MINUTES: SettingDoc = SettingDoc {
    key: "reconcile_minutes",
    kind: "integer",
    default: "60",
    allowed: &[],
    description: "How often the webhook subscriptions are checked and recently updated orders \
                  re-read (WH-6), in minutes; 0 = every poll interval",
};

/// A platform's settings: a serde struct whose every field has a default and whose unknown keys
/// are refused, with a [`SettingDoc`] per field.
pub trait PlatformSettings: Serialize + DeserializeOwned + Default {
    /// One entry per field, in the order a form shows them.
    const KEYS: &'static [SettingDoc];

    /// The country these settings name for bare national phone numbers (CUS-1), where the
    /// platform takes one.
    fn country(&self) -> Option<Country> {
        None
    }

    /// How often the schedule runs the source (WH-6), in minutes, where the platform has the
    /// setting (the webhook platforms).
    fn reconcile_minutes(&self) -> Option<u64> {
        None
    }
}

/// A platform's typed settings as the rest of the crate asks for them (a descriptor's
/// `settings`): its keys, the check of one key's value, and what a stored object says.
#[derive(Clone, Copy)]
pub struct Typed {
    /// The platform's own keys, in the order a form shows them.
    pub keys: &'static [SettingDoc],
    check: fn(Value) -> Result<(), String>,
    country: fn(&Value) -> Option<Country>,
    reconcile_minutes: fn(&Value) -> Option<u64>,
}

impl Typed {
    /// The settings `T` (a platform folder's `settings.rs`).
    pub fn of<T: PlatformSettings>() -> Typed {
        Typed {
            keys: T::KEYS,
            check: parse_one::<T>,
            country: |v| read::<T>(v).country(),
            reconcile_minutes: |v| read::<T>(v).reconcile_minutes(),
        }
    }
}

/// The keys every source takes, whatever its platform.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, default)]
pub struct CommonSettings {
    pub manual_call_burst: Option<u64>,
    pub manual_calls_per_minute: Option<u64>,
}

impl PlatformSettings for CommonSettings {
    const KEYS: &'static [SettingDoc] = &[
        SettingDoc {
            key: "manual_call_burst",
            kind: "integer",
            default: "null",
            allowed: &[],
            description: "Platform calls people may ask for at once (syncSource, syncOrder, \
                          syncOrders, syncPublication(s)), 1 to 1000; 10 when unset (API-4)",
        },
        SettingDoc {
            key: "manual_calls_per_minute",
            kind: "integer",
            default: "null",
            allowed: &[],
            description: "Platform calls people may ask for per minute once the burst is spent, \
                          1 to 600; 10 when unset (API-4)",
        },
    ];
}

/// A refused `settings` object.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SettingsError {
    #[error("must be a JSON object")]
    NotAnObject,
    #[error("{platform} has no setting `{key}`; it takes {allowed}")]
    Unknown {
        platform: Platform,
        key: String,
        allowed: String,
    },
    #[error("`{key}`: {message}")]
    Invalid { key: String, message: String },
}

impl SettingsError {
    /// The offending key, for the error's `field` (`settings.<key>`).
    pub fn key(&self) -> Option<&str> {
        match self {
            SettingsError::NotAnObject => None,
            SettingsError::Unknown { key, .. } | SettingsError::Invalid { key, .. } => Some(key),
        }
    }
}

/// Every key a source of `platform` takes: the platform's own, then the common ones.
pub fn docs(platform: Platform) -> Vec<SettingDoc> {
    let own = super::descriptor(platform).settings().keys;
    own.iter().chain(CommonSettings::KEYS).copied().collect()
}

/// Checks a `settings` object for a source of `platform`: every key known, every value of its
/// key's type. The first offending key (in the object's order) is named.
pub fn check(platform: Platform, settings: &Value) -> Result<(), SettingsError> {
    let Value::Object(map) = settings else {
        return Err(SettingsError::NotAnObject);
    };
    for (key, value) in map {
        let one = || Value::Object(Map::from_iter([(key.clone(), value.clone())]));
        let parsed = if CommonSettings::KEYS.iter().any(|d| d.key == key) {
            parse_one::<CommonSettings>(one())
        } else if docs(platform).iter().any(|d| d.key == key) {
            (super::descriptor(platform).settings().check)(one())
        } else {
            return Err(SettingsError::Unknown {
                platform,
                key: key.chars().take(100).collect(),
                allowed: docs(platform)
                    .iter()
                    .map(|d| format!("`{}`", d.key))
                    .collect::<Vec<_>>()
                    .join(", "),
            });
        };
        parsed.map_err(|message| SettingsError::Invalid {
            key: key.clone(),
            message,
        })?;
    }
    Ok(())
}

/// Reads a settings object (of one key) as `T`; the error says what is wrong with it.
pub fn parse_one<T: DeserializeOwned>(one: Value) -> Result<(), String> {
    serde_json::from_value::<T>(one)
        .map(drop)
        .map_err(|e| e.to_string())
}

/// The settings of a stored source, leniently: keys `T` does not know are left out and a value
/// of the wrong type means its key's default, as untyped lookups read them before.
pub fn read<T: PlatformSettings>(settings: &Value) -> T {
    let Value::Object(map) = settings else {
        return T::default();
    };
    let mut kept = Map::new();
    for (key, value) in map {
        if !T::KEYS.iter().any(|d| d.key == key) {
            continue;
        }
        let one = Value::Object(Map::from_iter([(key.clone(), value.clone())]));
        if serde_json::from_value::<T>(one).is_ok() {
            kept.insert(key.clone(), value.clone());
        } else {
            tracing::warn!(setting = %key, "a stored source setting of the wrong type is read as its default");
        }
    }
    serde_json::from_value(Value::Object(kept)).unwrap_or_default()
}

/// The common settings of a stored source (see [`read`]).
pub fn common(settings: &Value) -> CommonSettings {
    read(settings)
}

/// How often the schedule runs a webhook platform's source (WH-6), in minutes; `None` for the
/// polled platforms, which have no such setting.
pub fn reconcile_minutes(platform: Platform, settings: &Value) -> Option<u64> {
    (super::descriptor(platform).settings().reconcile_minutes)(settings)
}

/// The country a source's settings name for its bare national phone numbers (CUS-1), where its
/// platform takes one; `None` leaves it to the order (its currency) or the platform's market.
pub fn country(platform: Platform, settings: &Value) -> Option<crate::domain::phone::Region> {
    (super::descriptor(platform).settings().country)(settings).map(Country::region)
}

/// The country a source's bare national numbers are read in (CUS-1), where a platform lets the
/// seller say it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Country {
    #[serde(rename = "UA")]
    Ukraine,
    #[serde(rename = "PL")]
    Poland,
}

impl Country {
    pub fn region(self) -> crate::domain::phone::Region {
        match self {
            Country::Ukraine => crate::domain::phone::Region::Ukraine,
            Country::Poland => crate::domain::phone::Region::Poland,
        }
    }
}

/// A list of strings, written as a JSON array or as one comma-separated string.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct StringList(pub Vec<String>);

impl<'de> Deserialize<'de> for StringList {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Either {
            List(Vec<String>),
            Text(String),
        }
        match Either::deserialize(d).map_err(|_| {
            serde::de::Error::custom(
                "expected a list of strings, or one string of comma-separated values",
            )
        })? {
            Either::List(l) => Ok(StringList(l)),
            Either::Text(t) => Ok(StringList(
                t.split(',')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(str::to_string)
                    .collect(),
            )),
        }
    }
}

impl StringList {
    pub fn of(items: &[&str]) -> StringList {
        StringList(items.iter().map(|s| s.to_string()).collect())
    }
}

/// A list of ids, each a JSON number or a string of digits.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct IdList(pub Vec<u64>);

impl<'de> Deserialize<'de> for IdList {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Id {
            Number(u64),
            Text(String),
        }
        let bad = || serde::de::Error::custom("expected a list of ids (numbers)");
        let items = Vec::<Id>::deserialize(d).map_err(|_| bad())?;
        items
            .into_iter()
            .map(|i| match i {
                Id::Number(n) => Ok(n),
                Id::Text(t) => t.trim().parse().map_err(|_| bad()),
            })
            .collect::<Result<_, _>>()
            .map(IdList)
    }
}

/// A yes/no setting: `true`/`false`, or a number (0 is no), as sources stored it before.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Flag(pub bool);

impl<'de> Deserialize<'de> for Flag {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Either {
            Bool(bool),
            Number(u64),
        }
        match Either::deserialize(d)
            .map_err(|_| serde::de::Error::custom("expected true or false"))?
        {
            Either::Bool(b) => Ok(Flag(b)),
            Either::Number(n) => Ok(Flag(n != 0)),
        }
    }
}

/// The checks every platform's table must pass: one entry per field of its struct, and each
/// documented default is the struct's own.
#[cfg(test)]
pub(crate) fn assert_documented<T: PlatformSettings>() {
    let defaults = serde_json::to_value(T::default()).expect("defaults serialize");
    let fields: Vec<&String> = defaults.as_object().expect("a struct").keys().collect();
    let mut documented: Vec<&str> = T::KEYS.iter().map(|d| d.key).collect();
    documented.sort_unstable();
    let mut fields_sorted: Vec<&str> = fields.iter().map(|s| s.as_str()).collect();
    fields_sorted.sort_unstable();
    assert_eq!(documented, fields_sorted, "KEYS and the struct's fields");
    for d in T::KEYS {
        let doc: Value = serde_json::from_str(d.default)
            .unwrap_or_else(|e| panic!("`{}`'s default is not JSON: {e}", d.key));
        assert_eq!(doc, defaults[d.key], "`{}`'s documented default", d.key);
        assert!(!d.description.is_empty(), "`{}` is described", d.key);
        for a in d.allowed {
            let one = serde_json::json!({ d.key: a });
            assert!(
                serde_json::from_value::<T>(one).is_ok(),
                "`{}` takes its allowed value {a}",
                d.key
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    // covers: SRC-1 (typed settings)
    #[test]
    fn every_platform_documents_exactly_its_fields_and_their_defaults() {
        assert_documented::<CommonSettings>();
        assert_documented::<super::super::rozetka::settings::RozetkaSettings>();
        assert_documented::<super::super::prom::settings::PromSettings>();
        assert_documented::<super::super::epicentr::settings::EpicentrSettings>();
        assert_documented::<super::super::cartum::settings::CartumSettings>();
        assert_documented::<super::super::shopify::settings::ShopifySettings>();
        assert_documented::<super::super::woocommerce::settings::WooCommerceSettings>();
    }

    // covers: SRC-1 (typed settings)
    #[test]
    fn an_unknown_key_or_a_wrong_type_is_refused_naming_the_key() {
        assert_eq!(check(Platform::Prom, &json!({})), Ok(()));
        assert_eq!(
            check(
                Platform::Prom,
                &json!({"page_size": 50, "manual_call_burst": 3})
            ),
            Ok(())
        );
        let e = check(Platform::Prom, &json!({"page_sise": 50})).unwrap_err();
        assert_eq!(e.key(), Some("page_sise"));
        let text = e.to_string();
        assert!(text.contains("`page_size`"), "{text}");
        assert!(text.contains("`manual_call_burst`"), "{text}");
        // a Shopify key is not a Prom key
        let e = check(Platform::Prom, &json!({"api_version": "2025-07"})).unwrap_err();
        assert_eq!(e.key(), Some("api_version"));
        let e = check(Platform::Prom, &json!({"page_size": "50"})).unwrap_err();
        assert_eq!(e.key(), Some("page_size"));
        assert!(e.to_string().contains("invalid type"), "{e}");
        let e = check(Platform::Rozetka, &json!({"manual_call_burst": -1})).unwrap_err();
        assert_eq!(e.key(), Some("manual_call_burst"));
        let e = check(Platform::Shopify, &json!({"country": "DE"})).unwrap_err();
        assert_eq!(e.key(), Some("country"));
        assert!(e.to_string().contains("UA"), "{e}");
        assert_eq!(check(Platform::Shopify, &json!({"country": "PL"})), Ok(()));
        assert_eq!(
            check(Platform::Prom, &json!([1])),
            Err(SettingsError::NotAnObject)
        );
    }

    // covers: SRC-1 (stored settings keep working)
    #[test]
    fn stored_settings_are_read_leniently() {
        use super::super::prom::settings::PromSettings;
        let s: PromSettings = read(&json!({
            "page_size": 20, "min_interval_ms": "fast", "note": "old", "manual_call_burst": 2
        }));
        assert_eq!(s.page_size, 20);
        assert_eq!(s.min_interval_ms, PromSettings::default().min_interval_ms);
        assert_eq!(
            common(&json!({"manual_call_burst": 2})).manual_call_burst,
            Some(2)
        );
        let s: PromSettings = read(&json!("not an object"));
        assert_eq!(s.page_size, PromSettings::default().page_size);
    }

    #[test]
    fn lists_and_flags_take_the_spellings_stored_before() {
        let l: StringList = serde_json::from_value(json!("a, b,,c")).unwrap();
        assert_eq!(l, StringList::of(&["a", "b", "c"]));
        let l: StringList = serde_json::from_value(json!(["a"])).unwrap();
        assert_eq!(l, StringList::of(&["a"]));
        assert!(serde_json::from_value::<StringList>(json!(3)).is_err());
        let i: IdList = serde_json::from_value(json!([3, "4"])).unwrap();
        assert_eq!(i, IdList(vec![3, 4]));
        assert!(serde_json::from_value::<IdList>(json!(["x"])).is_err());
        let f: Flag = serde_json::from_value(json!(0)).unwrap();
        assert_eq!(f, Flag(false));
        assert!(serde_json::from_value::<Flag>(json!("yes")).is_err());
    }
}
