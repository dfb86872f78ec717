//! PHP-style JSON as WooCommerce sends webhook bodies (`trim(wp_json_encode(..))`): compact, `/`
//! written as `\/`, every non-ASCII character as `\uXXXX` (UTF-16, lower-case hex). The simulator
//! signs exactly these bytes, so receivers that re-serialise before verifying fail as they would
//! against a real shop.

use serde_json::Value;
use std::fmt::Write;

/// The bytes PHP's `json_encode` (default flags) would produce for `value`.
pub fn encode(value: &Value) -> String {
    let mut out = String::new();
    write_value(&mut out, value);
    out
}

fn write_value(out: &mut String, value: &Value) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&n.to_string()),
        Value::String(s) => write_string(out, s),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_value(out, item);
            }
            out.push(']');
        }
        Value::Object(map) => {
            out.push('{');
            for (i, (key, item)) in map.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_string(out, key);
                out.push(':');
                write_value(out, item);
            }
            out.push('}');
        }
    }
}

fn write_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '/' => out.push_str("\\/"),
            '\u{08}' => out.push_str("\\b"),
            '\u{0c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 || !c.is_ascii() => {
                // characters above the BMP become a surrogate pair, as PHP writes them
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    let _ = write!(out, "\\u{:04x}", unit);
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    // covers: WH-1 — the note's §1.9 escapes, byte for byte
    #[test]
    fn escapes_like_php() {
        assert_eq!(
            encode(&json!({"first_name": "Олена", "url": "https://shop.example.com/x"})),
            r#"{"first_name":"\u041e\u043b\u0435\u043d\u0430","url":"https:\/\/shop.example.com\/x"}"#
        );
        assert_eq!(
            encode(&json!(["a\"b\\c\n", 875, 14.99, null, true, "₴", "😀"])),
            r#"["a\"b\\c\n",875,14.99,null,true,"\u20b4","\ud83d\ude00"]"#
        );
        // what PHP wrote decodes back to the same value
        let v = json!({"k": ["Ґ/є", {"x": 1}]});
        assert_eq!(serde_json::from_str::<Value>(&encode(&v)).unwrap(), v);
    }
}
