//! Assertions on JSON bodies (`$.status == "healthy"`, `$.queue.depth < 100`)
//! and numeric fields read by JSONPath (`$.uptime`). Paths follow RFC 9535
//! (serde_json_path); the right-hand side is a JSON literal. Also owns
//! [`evaluate_all`]: every assertion judged on one body, each reported as a
//! [`Condition`] (for `opsdeck status --json`), with the first failure as
//! the probe's reason.

use std::fmt;

use serde_json::Value;
use serde_json_path::JsonPath;

use crate::config::band::CmpOp;

/// `PATH OP LITERAL`, or a bare `PATH` that must exist.
#[derive(Debug, Clone)]
pub struct Assertion {
    text: String,
    path: JsonPath,
    test: Option<(CmpOp, Value)>,
}

pub const ASSERT_EXPECTED: &str = "expected `$.path OP value` with OP one of ==, !=, <, <=, >, >= and a JSON value (\"text\", 12, true, null), or a bare `$.path` that must exist";

impl Assertion {
    pub fn parse(text: &str) -> Result<Assertion, String> {
        let t = text.trim();
        let (path_text, test) = match find_operator(t) {
            Some((at, op, len)) => {
                let literal = t[at + len..].trim();
                let value: Value = serde_json::from_str(literal)
                    .map_err(|_| format!("cannot read `{literal}` in \"{text}\" as a JSON value; {ASSERT_EXPECTED}"))?;
                (t[..at].trim(), Some((op, value)))
            }
            None => (t, None),
        };
        if !path_text.starts_with('$') {
            return Err(format!("\"{text}\" does not start with a JSONPath like `$.status`; {ASSERT_EXPECTED}"));
        }
        let path = JsonPath::parse(path_text).map_err(|e| format!("invalid JSONPath `{path_text}`: {e}"))?;
        Ok(Assertion { text: t.to_string(), path, test })
    }

    /// Checks a body; the error says what was found instead
    /// (`$.database was "down"`, `$.status is missing`).
    pub fn check(&self, body: &Value) -> Result<(), String> {
        self.judge(self.path.query(body).first())
    }

    /// This assertion on a body: whether it held and the value its path found.
    pub fn evaluate(&self, body: &Value) -> Condition {
        self.evaluated(body).0
    }

    /// The condition, and why it failed.
    fn evaluated(&self, body: &Value) -> (Condition, Result<(), String>) {
        let found = self.path.query(body).first();
        let judged = self.judge(found);
        (Condition { condition: self.text.clone(), passed: judged.is_ok(), actual: found.cloned() }, judged)
    }

    /// This assertion when there was no body to judge (no answer, a failed
    /// status, a body that is not JSON): not passed, nothing found.
    pub fn unreached(&self) -> Condition {
        Condition { condition: self.text.clone(), passed: false, actual: None }
    }

    /// Judges the value the path found (`None`: nothing).
    fn judge(&self, found: Option<&Value>) -> Result<(), String> {
        let path = self.path_text();
        let Some(found) = found else {
            return Err(format!("{path} is missing"));
        };
        let Some((op, expected)) = &self.test else {
            return Ok(());
        };
        let holds = match (found.as_f64(), expected.as_f64()) {
            (Some(a), Some(b)) => op.holds(a, b),
            _ => match op {
                CmpOp::Eq => found == expected,
                CmpOp::Ne => found != expected,
                _ => return Err(format!("{path} was {} (not a number)", short(found))),
            },
        };
        if holds { Ok(()) } else { Err(format!("{path} was {}", short(found))) }
    }

    fn path_text(&self) -> &str {
        find_operator(&self.text).map_or(self.text.as_str(), |(at, _, _)| self.text[..at].trim())
    }
}

impl fmt::Display for Assertion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// One assertion as judged on one body: its text, whether it held and the
/// value its path found (`null` when it found nothing).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Condition {
    pub condition: String,
    pub passed: bool,
    pub actual: Option<Value>,
}

impl Condition {
    /// The condition with `mask` applied to its text and to every string in
    /// the value found (keys included), so no secret leaves in a report.
    pub fn masked(&self, mask: &impl Fn(&str) -> String) -> Condition {
        Condition { condition: mask(&self.condition), passed: self.passed, actual: self.actual.as_ref().map(|v| mask_strings(v, mask)) }
    }
}

fn mask_strings(v: &Value, mask: &impl Fn(&str) -> String) -> Value {
    match v {
        Value::String(s) => Value::String(mask(s)),
        Value::Array(items) => Value::Array(items.iter().map(|i| mask_strings(i, mask)).collect()),
        Value::Object(fields) => Value::Object(fields.iter().map(|(k, v)| (mask(k), mask_strings(v, mask))).collect()),
        other => other.clone(),
    }
}

/// Every assertion judged on `body`, in order, and the first failure's
/// reason (`Ok` when all hold): all of them are reported, the first that
/// fails is why the probe failed.
pub fn evaluate_all(assertions: &[Assertion], body: &Value) -> (Vec<Condition>, Result<(), String>) {
    let mut first_failure = Ok(());
    let conditions = assertions
        .iter()
        .map(|a| {
            let (condition, judged) = a.evaluated(body);
            if first_failure.is_ok() {
                first_failure = judged;
            }
            condition
        })
        .collect();
    (conditions, first_failure)
}

/// Reads a number at `path` (`$.uptime`); booleans count as 0 and 1.
pub fn extract_number(body: &Value, path: &str) -> Result<f64, String> {
    let p = JsonPath::parse(path).map_err(|e| format!("invalid JSONPath `{path}`: {e}"))?;
    match p.query(body).first() {
        None => Err(format!("{path} is missing")),
        Some(Value::Bool(b)) => Ok(if *b { 1.0 } else { 0.0 }),
        Some(v) => v
            .as_f64()
            .or_else(|| v.as_str().and_then(|s| s.trim().parse().ok()))
            .ok_or_else(|| format!("{path} was {} (not a number)", short(v))),
    }
}

/// A value as shown in reasons, cut short.
fn short(v: &Value) -> String {
    let s = v.to_string();
    if s.chars().count() > 40 { format!("{}…", s.chars().take(40).collect::<String>()) } else { s }
}

/// Finds a comparison operator outside brackets and quotes: (byte index, op, length).
fn find_operator(s: &str) -> Option<(usize, CmpOp, usize)> {
    let bytes = s.as_bytes();
    let (mut depth, mut quote) = (0i32, None::<u8>);
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) if c == b'\\' => i += 1,
            Some(_) => {}
            None => match c {
                b'"' | b'\'' => quote = Some(c),
                b'[' | b'(' => depth += 1,
                b']' | b')' => depth -= 1,
                b'=' | b'!' | b'<' | b'>' if depth == 0 => {
                    let two = s.get(i..i + 2).unwrap_or("");
                    let op = match two {
                        "==" => Some((CmpOp::Eq, 2)),
                        "!=" => Some((CmpOp::Ne, 2)),
                        "<=" => Some((CmpOp::Le, 2)),
                        ">=" => Some((CmpOp::Ge, 2)),
                        _ if c == b'<' => Some((CmpOp::Lt, 1)),
                        _ if c == b'>' => Some((CmpOp::Gt, 1)),
                        _ => None,
                    };
                    if let Some((op, len)) = op {
                        return Some((i, op, len));
                    }
                }
                _ => {}
            },
        }
        i += 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn check(a: &str, body: &Value) -> Result<(), String> {
        Assertion::parse(a).unwrap().check(body)
    }

    #[test]
    fn equality_and_comparisons() {
        let body = json!({"status": "healthy", "database": "down", "queue": {"depth": 12}, "ok": true});
        assert_eq!(check("$.status == \"healthy\"", &body), Ok(()));
        assert_eq!(check("$.database == \"connected\"", &body), Err("$.database was \"down\"".into()));
        assert_eq!(check("$.queue.depth < 100", &body), Ok(()));
        assert_eq!(check("$.queue.depth >= 100", &body), Err("$.queue.depth was 12".into()));
        assert_eq!(check("$.ok == true", &body), Ok(()));
        assert_eq!(check("$.missing", &body), Err("$.missing is missing".into()));
        assert_eq!(check("$.status", &body), Ok(()));
        assert_eq!(check("$.status > 3", &body), Err("$.status was \"healthy\" (not a number)".into()));
    }

    #[test]
    fn operators_inside_filters_are_not_split() {
        let body = json!({"items": [{"name": "db", "up": 1}, {"name": "cache", "up": 0}]});
        assert_eq!(check("$.items[?@.name == 'cache'].up == 0", &body), Ok(()));
    }

    #[test]
    fn parse_errors_say_what_is_expected() {
        assert!(Assertion::parse("status == 1").unwrap_err().contains("does not start with a JSONPath"));
        assert!(Assertion::parse("$.status == healthy").unwrap_err().contains("cannot read `healthy`"));
        assert!(Assertion::parse("$..[ == 1").unwrap_err().contains("invalid JSONPath"));
    }

    #[test]
    fn every_assertion_is_reported_and_the_first_failure_is_the_reason() {
        let body = json!({"status": "healthy", "database": "down", "queue": {"depth": 12}});
        let list: Vec<Assertion> = ["$.status == \"healthy\"", "$.database == \"connected\"", "$.gone", "$.queue.depth > 100"]
            .iter()
            .map(|a| Assertion::parse(a).unwrap())
            .collect();
        let (conditions, reason) = evaluate_all(&list, &body);
        assert_eq!(reason, Err("$.database was \"down\"".into()));
        let seen: Vec<(&str, bool, Option<Value>)> =
            conditions.iter().map(|c| (c.condition.as_str(), c.passed, c.actual.clone())).collect();
        assert_eq!(
            seen,
            [
                ("$.status == \"healthy\"", true, Some(json!("healthy"))),
                ("$.database == \"connected\"", false, Some(json!("down"))),
                ("$.gone", false, None),
                ("$.queue.depth > 100", false, Some(json!(12))),
            ]
        );
        assert_eq!(evaluate_all(&list[..1], &body).1, Ok(()));
        assert_eq!(list[0].evaluate(&body), conditions[0]);
        assert_eq!(list[1].unreached(), Condition { condition: list[1].to_string(), passed: false, actual: None });
    }

    #[test]
    fn masking_reaches_every_string_of_a_condition() {
        let c = Condition { condition: "$.auth == \"s3cret\"".into(), passed: false, actual: Some(json!({"s3cret": ["x s3cret", 1]})) };
        let masked = c.masked(&|s: &str| s.replace("s3cret", "***"));
        assert_eq!(masked.condition, "$.auth == \"***\"");
        assert_eq!(masked.actual, Some(json!({"***": ["x ***", 1]})));
    }

    #[test]
    fn extracts_numbers() {
        let body = json!({"uptime": 3600.5, "up": true, "count": "42", "name": "x"});
        assert_eq!(extract_number(&body, "$.uptime"), Ok(3600.5));
        assert_eq!(extract_number(&body, "$.up"), Ok(1.0));
        assert_eq!(extract_number(&body, "$.count"), Ok(42.0));
        assert!(extract_number(&body, "$.name").unwrap_err().contains("not a number"));
        assert_eq!(extract_number(&body, "$.nope"), Err("$.nope is missing".into()));
    }
}
