//! Errors a newcomer meets before a resolver runs, made to say what to do (API-5):
//! - a `DateTime` argument or input field that is not RFC 3339 is refused by the resolver naming
//!   the field and the expected form with an example ([`DateTimeArg`]; async-graphql's own parse
//!   error names neither the field nor the form);
//! - a wrong enum value is answered with the enum's valid values and the argument as `field`
//!   ([`name_valid_enum_values`]).

use crate::Error;
use async_graphql::registry::Registry;
use async_graphql::{ErrorExtensions, InputType, InputValueError, InputValueResult, Value};
use chrono::{DateTime, Utc};
use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::OnceLock;

/// A `DateTime` input (the schema's `DateTime` scalar, RFC 3339) whose text is read by the
/// resolver, so that a bad one is refused naming its field: `filter.createdFrom: `2026-11-23` is
/// not a date and time in RFC 3339 form …`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DateTimeArg(Result<DateTime<Utc>, String>);

impl DateTimeArg {
    /// The time, or `BAD_INPUT` naming `field`.
    pub fn get(&self, field: &str) -> async_graphql::Result<DateTime<Utc>> {
        self.0.clone().map_err(|raw| {
            Error::bad_input(
                field,
                format!(
                    "`{}` is not a date and time in RFC 3339 form: give one such as \
                     2026-11-23T00:00:00Z (UTC) or 2026-11-23T02:00:00+02:00",
                    super::limits::shown(&raw)
                ),
            )
            .extend()
        })
    }
}

impl From<DateTime<Utc>> for DateTimeArg {
    fn from(t: DateTime<Utc>) -> Self {
        DateTimeArg(Ok(t))
    }
}

impl InputType for DateTimeArg {
    type RawValueType = Self;

    fn type_name() -> Cow<'static, str> {
        <DateTime<Utc> as InputType>::type_name()
    }

    /// The schema's `DateTime` scalar itself: the schema does not change.
    fn create_type_info(registry: &mut Registry) -> String {
        <DateTime<Utc> as InputType>::create_type_info(registry)
    }

    fn parse(value: Option<Value>) -> InputValueResult<Self> {
        match value {
            Some(Value::String(s)) => Ok(DateTimeArg(
                s.trim().parse::<DateTime<Utc>>().map_err(|_| s.clone()),
            )),
            Some(other) => Err(InputValueError::custom(format!(
                "expected a date and time as an RFC 3339 string such as \
                 \"2026-11-23T00:00:00Z\", got {other}"
            ))),
            None => Err(InputValueError::expected_type(Value::Null)),
        }
    }

    fn to_value(&self) -> Value {
        match &self.0 {
            Ok(t) => Value::String(t.to_rfc3339()),
            Err(raw) => Value::String(raw.clone()),
        }
    }

    fn as_raw_value(&self) -> Option<&Self::RawValueType> {
        Some(self)
    }
}

/// The enums of the schema and their values, read once from its SDL.
fn enum_values() -> &'static HashMap<String, Vec<String>> {
    static ENUMS: OnceLock<HashMap<String, Vec<String>>> = OnceLock::new();
    ENUMS.get_or_init(|| enums_of_sdl(&super::sdl()))
}

fn enums_of_sdl(sdl: &str) -> HashMap<String, Vec<String>> {
    let mut out = HashMap::new();
    let mut current: Option<(String, Vec<String>)> = None;
    let mut in_description = false;
    for line in sdl.lines().map(str::trim) {
        if let Some((name, values)) = current.as_mut() {
            if line.starts_with("\"\"\"") {
                // a block description opens and closes on lines of their own (or on one)
                in_description = !(in_description || line.len() > 3 && line.ends_with("\"\"\""));
                continue;
            }
            if in_description || line.starts_with('"') || line.is_empty() {
                continue;
            }
            if line.starts_with('}') {
                out.insert(std::mem::take(name), std::mem::take(values));
                current = None;
                continue;
            }
            if let Some(v) = line.split_whitespace().next() {
                values.push(v.to_string());
            }
        } else if let Some(rest) = line.strip_prefix("enum ") {
            if let Some(name) = rest.split_whitespace().next() {
                current = Some((name.to_string(), vec![]));
                in_description = false;
            }
        }
    }
    out
}

/// `Invalid value for argument "filter.platform", enumeration type "Platform" does not contain
/// the value "ROZETK"` gains `: valid values are ROZETKA, PROM, …`, and the argument as `field`.
pub fn name_valid_enum_values(err: &mut async_graphql::ServerError) {
    let Some((argument, enum_name)) = parse_enum_refusal(&err.message) else {
        return;
    };
    if let Some(values) = enum_values().get(&enum_name) {
        err.message = format!("{}: valid values are {}", err.message, values.join(", "));
    }
    if let Some(argument) = argument {
        let ext = err.extensions.get_or_insert_with(Default::default);
        if ext.get("field").is_none() {
            ext.set("field", argument);
        }
    }
}

/// The argument and the enum of async-graphql's refusal of an enum value.
fn parse_enum_refusal(message: &str) -> Option<(Option<String>, String)> {
    let (_, rest) = message.split_once("enumeration type \"")?;
    let (enum_name, _) = rest.split_once('"')?;
    let argument = message
        .split_once("argument \"")
        .and_then(|(_, r)| r.split_once('"'))
        .map(|(a, _)| a.to_string());
    Some((argument, enum_name.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    // covers: API-5
    #[test]
    fn the_schemas_enums_are_read_with_their_values() {
        let e = enum_values();
        assert_eq!(
            e.get("Platform").unwrap(),
            &[
                "ROZETKA",
                "PROM",
                "EPICENTR",
                "CARTUM",
                "SHOPIFY",
                "WOOCOMMERCE"
            ]
        );
        assert_eq!(
            e.get("OrderOrigin").unwrap(),
            &["ALL", "HERE", "INTEGRATIONS"]
        );
        let sdl = "enum Kind {\n\t\"\"\"\n\tThe first.\n\t\"\"\"\n\tA\n\t\"One line.\"\n\tB @deprecated\n}\n";
        assert_eq!(enums_of_sdl(sdl).get("Kind").unwrap(), &["A", "B"]);
    }

    // covers: API-5
    #[test]
    fn a_wrong_enum_value_is_answered_with_the_valid_ones() {
        let mut err = async_graphql::ServerError::new(
            "Invalid value for argument \"filter.platform\", enumeration type \"Platform\" \
             does not contain the value \"ROZETK\"",
            None,
        );
        name_valid_enum_values(&mut err);
        assert!(
            err.message.ends_with(
                "valid values are ROZETKA, PROM, EPICENTR, CARTUM, SHOPIFY, WOOCOMMERCE"
            ),
            "{}",
            err.message
        );
        let ext = err.extensions.unwrap();
        assert_eq!(
            ext.get("field"),
            Some(&async_graphql::Value::from("filter.platform"))
        );
    }

    // covers: API-5
    #[test]
    fn a_bad_date_time_names_its_field_and_the_form() {
        let bad = DateTimeArg::parse(Some(Value::String("2026-11-23".into()))).unwrap();
        let e = bad.get("filter.createdFrom").unwrap_err();
        assert!(
            e.message.starts_with(
                "filter.createdFrom: `2026-11-23` is not a date and time in RFC 3339 form"
            ),
            "{}",
            e.message
        );
        assert!(e.message.contains("2026-11-23T00:00:00Z"));
        let good =
            DateTimeArg::parse(Some(Value::String("2026-11-23T02:00:00+02:00".into()))).unwrap();
        assert_eq!(
            good.get("x").unwrap(),
            "2026-11-23T00:00:00Z".parse::<DateTime<Utc>>().unwrap()
        );
    }
}
