//! PostgreSQL's text form of an array (`{{"a b",NULL},{c,"d\"e"}}`), read back into its elements
//! in order. The orders page asks PostgreSQL for each order's items as a two-dimensional `text[]`
//! cast to text (issue 20): cheaper for the database than any aggregate, and sqlx decodes only
//! one-dimensional arrays.
//!
//! The form (PostgreSQL's `array_out`): braces around each dimension, elements separated by
//! commas; an element is double-quoted when it is empty, contains a brace, comma, quote,
//! backslash or white space, or spells `NULL`, and inside quotes `"` and `\` are escaped by a
//! backslash; an unquoted `NULL` is a null. Lower bounds other than 1 come first as
//! `[0:1]=`; arrays we build never have them, and they are refused.

/// The elements of `text`, every dimension flattened in order; `None` for a null element. An
/// error names what could not be read.
pub fn parse_flat(text: &str) -> Result<Vec<Option<String>>, String> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut depth = 0usize;
    let mut i = 0usize;
    let bad = |at: usize, what: &str| format!("array literal, byte {at}: {what}");
    if bytes.first() != Some(&b'{') {
        return Err(bad(0, "no opening brace"));
    }
    // after an element or a closing brace only `,` or `}` may follow
    let mut after_value = false;
    while i < bytes.len() {
        match bytes[i] {
            b'{' if !after_value => {
                depth = depth.checked_add(1).ok_or_else(|| bad(i, "too deep"))?;
                i += 1;
            }
            b'}' => {
                depth = depth
                    .checked_sub(1)
                    .ok_or_else(|| bad(i, "unbalanced brace"))?;
                after_value = true;
                i += 1;
                if depth == 0 {
                    return if i == bytes.len() {
                        Ok(out)
                    } else {
                        Err(bad(i, "text after the array"))
                    };
                }
            }
            b',' if after_value => {
                after_value = false;
                i += 1;
            }
            b'"' if !after_value => {
                let mut s = Vec::new();
                i += 1;
                loop {
                    match bytes.get(i) {
                        None => return Err(bad(i, "unterminated quoted element")),
                        Some(b'"') => {
                            i += 1;
                            break;
                        }
                        Some(b'\\') => {
                            let c = bytes
                                .get(i + 1)
                                .ok_or_else(|| bad(i, "escape at the end"))?;
                            s.push(*c);
                            i += 2;
                        }
                        Some(c) => {
                            s.push(*c);
                            i += 1;
                        }
                    }
                }
                // the quotes and escapes were ASCII, so the rest is the input's own UTF-8
                out.push(Some(String::from_utf8(s).map_err(|_| bad(i, "not UTF-8"))?));
                after_value = true;
            }
            _ if !after_value && depth > 0 => {
                let start = i;
                while i < bytes.len() && !matches!(bytes[i], b',' | b'}') {
                    if matches!(bytes[i], b'{' | b'"' | b'\\') {
                        return Err(bad(i, "unexpected character in an unquoted element"));
                    }
                    i += 1;
                }
                if i == start {
                    return Err(bad(i, "empty unquoted element"));
                }
                let raw = &text[start..i];
                out.push(if raw.eq_ignore_ascii_case("NULL") {
                    None
                } else {
                    Some(raw.to_owned())
                });
                after_value = true;
            }
            _ => return Err(bad(i, "unexpected character")),
        }
    }
    Err(bad(i, "unterminated array"))
}

#[cfg(test)]
mod tests {
    use super::parse_flat;

    fn s(v: &str) -> Option<String> {
        Some(v.to_owned())
    }

    #[test]
    fn reads_empty_flat_and_two_dimensional_arrays() {
        assert_eq!(parse_flat("{}").unwrap(), Vec::<Option<String>>::new());
        assert_eq!(parse_flat("{a,b}").unwrap(), vec![s("a"), s("b")]);
        assert_eq!(
            parse_flat("{{a,NULL,2},{\"\",null,\"NULL\"}}").unwrap(),
            vec![s("a"), None, s("2"), s(""), None, s("NULL")]
        );
    }

    #[test]
    fn reads_quoted_elements_with_escapes_and_unicode() {
        let text = r#"{{"Сукня \"Літо\", 42","a\\b","{x}"," lead"}}"#;
        assert_eq!(
            parse_flat(text).unwrap(),
            vec![s("Сукня \"Літо\", 42"), s("a\\b"), s("{x}"), s(" lead")]
        );
        assert_eq!(
            parse_flat("{Łódź,12.5000}").unwrap(),
            vec![s("Łódź"), s("12.5000")]
        );
    }

    #[test]
    fn refuses_what_is_not_an_array_literal() {
        for bad in [
            "",
            "a",
            "{",
            "{a",
            "{\"a}",
            "{a}}",
            "{a}x",
            "{a\"b}",
            "[0:1]={a,b}",
            "{\"a\\",
            "{a,,b}",
        ] {
            assert!(parse_flat(bad).is_err(), "{bad:?} was read");
        }
    }
}
