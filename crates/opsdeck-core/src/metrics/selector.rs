//! Series selectors of a scraped prometheus check (`metric = 'http_requests_total{code=~"5.."}'`)
//! and single label matchers (`severity="critical"`, for Alertmanager):
//! this module owns their one parser, used by `opsdeck check` (so an invalid
//! selector is a diagnostic at its key) and by the scrape probe (so a selector
//! that passes `check` always works at run time), and matching a label set.
//!
//! Matchers are PromQL's: `=`, `!=`, `=~`, `!~`. Regexes use the `regex`
//! crate's RE2-like syntax, anchored like PromQL: the regex must match the
//! whole label value (`code=~"5.."` matches `503`, not `5031`). Label values
//! are double-quoted with the escapes `\\`, `\"` and `\n`.

use regex::Regex;

/// A label matcher as written in PromQL.
#[derive(Debug, Clone)]
pub enum LabelMatch {
    /// `label="value"`
    Eq(String),
    /// `label!="value"`
    Ne(String),
    /// `label=~"regex"`, anchored at both ends.
    Re(Regex),
    /// `label!~"regex"`, anchored at both ends.
    NotRe(Regex),
}

impl PartialEq for LabelMatch {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (LabelMatch::Eq(a), LabelMatch::Eq(b)) | (LabelMatch::Ne(a), LabelMatch::Ne(b)) => a == b,
            (LabelMatch::Re(a), LabelMatch::Re(b)) | (LabelMatch::NotRe(a), LabelMatch::NotRe(b)) => a.as_str() == b.as_str(),
            _ => false,
        }
    }
}

impl LabelMatch {
    /// True when the matcher accepts `value` (a missing label is `""`).
    pub fn accepts(&self, value: &str) -> bool {
        match self {
            LabelMatch::Eq(want) => value == want,
            LabelMatch::Ne(want) => value != want,
            LabelMatch::Re(re) => re.is_match(value),
            LabelMatch::NotRe(re) => !re.is_match(value),
        }
    }
}

/// A series selector such as `http_requests_total{code=~"5.."}`.
#[derive(Debug, Clone, PartialEq)]
pub struct Selector {
    pub name: String,
    pub labels: Vec<(String, LabelMatch)>,
}

impl Selector {
    /// Parses `name` or `name{label op "value", ...}` with `op` one of `=`,
    /// `!=`, `=~`, `!~`; a trailing comma is allowed. Errors say what was
    /// expected, and an invalid regex says why.
    pub fn parse(text: &str) -> Result<Selector, String> {
        let mut c = Cursor { s: text, pos: 0 };
        c.skip_ws();
        let name = c.ident(true).to_string();
        if name.is_empty() {
            return Err(format!("selector {text:?} must start with a metric name"));
        }
        c.skip_ws();
        let mut labels = Vec::new();
        if c.eat("{") {
            loop {
                c.skip_ws();
                if c.eat("}") {
                    break;
                }
                let label = c.ident(false).to_string();
                if label.is_empty() {
                    return Err(format!("expected a label name in selector {text:?}"));
                }
                c.skip_ws();
                let Some(op) = ["=~", "!~", "!=", "="].into_iter().find(|op| c.eat(op)) else {
                    return Err(format!("expected =, !=, =~ or !~ after label {label:?}"));
                };
                c.skip_ws();
                let value = c.quoted().map_err(|e| format!("{e} for label {label:?}"))?;
                let matcher = match op {
                    "=" => LabelMatch::Eq(value),
                    "!=" => LabelMatch::Ne(value),
                    "=~" => LabelMatch::Re(anchored(&label, &value)?),
                    _ => LabelMatch::NotRe(anchored(&label, &value)?),
                };
                labels.push((label, matcher));
                c.skip_ws();
                if c.eat("}") {
                    break;
                }
                if !c.eat(",") {
                    return Err(format!("expected ',' or '}}' in selector {text:?}"));
                }
            }
            c.skip_ws();
        }
        if !c.rest().is_empty() {
            return Err(format!("unexpected text {:?} in selector", c.rest()));
        }
        Ok(Selector { name, labels })
    }

    /// True when every matcher accepts the label set; a missing label reads
    /// as the empty string, as in PromQL.
    pub fn matches_labels(&self, labels: &[(String, String)]) -> bool {
        self.labels.iter().all(|(name, m)| m.accepts(labels.iter().find(|(n, _)| n == name).map_or("", |(_, v)| v.as_str())))
    }
}

/// The operator of one label matcher.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MatchOp {
    Eq,
    Ne,
    Re,
    NotRe,
}

impl MatchOp {
    pub fn symbol(self) -> &'static str {
        match self {
            MatchOp::Eq => "=",
            MatchOp::Ne => "!=",
            MatchOp::Re => "=~",
            MatchOp::NotRe => "!~",
        }
    }

    /// A regex operator (`=~`, `!~`).
    pub fn is_regex(self) -> bool {
        matches!(self, MatchOp::Re | MatchOp::NotRe)
    }

    /// A positive operator (`=`, `=~`).
    pub fn is_equal(self) -> bool {
        matches!(self, MatchOp::Eq | MatchOp::Re)
    }
}

/// One label matcher written on its own, as Alertmanager takes them
/// (`severity="critical"`, `service=~"api|web"`): the label, the operator
/// and the value as written (a regex uncompiled; it was checked to compile).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Matcher {
    pub name: String,
    pub op: MatchOp,
    pub value: String,
}

impl Matcher {
    /// Parses `label op "value"` with the selector's syntax (label names,
    /// the four operators, a double-quoted value with `\\`, `\"` and `\n`
    /// escapes); a regex must compile. Errors say what was expected.
    pub fn parse(text: &str) -> Result<Matcher, String> {
        let mut c = Cursor { s: text, pos: 0 };
        c.skip_ws();
        let name = c.ident(false).to_string();
        if name.is_empty() {
            return Err(format!("matcher {text:?} must start with a label name"));
        }
        c.skip_ws();
        let Some(op) = [("=~", MatchOp::Re), ("!~", MatchOp::NotRe), ("!=", MatchOp::Ne), ("=", MatchOp::Eq)]
            .into_iter()
            .find_map(|(s, op)| c.eat(s).then_some(op))
        else {
            return Err(format!("expected =, !=, =~ or !~ after label {name:?}"));
        };
        c.skip_ws();
        let value = c.quoted().map_err(|e| format!("{e} for label {name:?}"))?;
        if op.is_regex() {
            anchored(&name, &value)?;
        }
        c.skip_ws();
        if !c.rest().is_empty() {
            return Err(format!("unexpected text {:?} after the matcher; write one matcher per string", c.rest()));
        }
        Ok(Matcher { name, op, value })
    }

    /// The matcher written back (`severity="critical"`), its value quoted
    /// and escaped: what Alertmanager's `filter` parameter reads.
    pub fn render(&self) -> String {
        let value = self.value.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n");
        format!("{}{}\"{value}\"", self.name, self.op.symbol())
    }
}

/// `pattern` compiled to match a whole label value. The error keeps the
/// regex crate's one-line reason (`unclosed group`), not its drawing.
fn anchored(label: &str, pattern: &str) -> Result<Regex, String> {
    Regex::new(&format!("^(?:{pattern})$")).map_err(|e| {
        let text = e.to_string();
        let why = text.lines().rev().find_map(|l| l.trim().strip_prefix("error: ")).unwrap_or(text.trim()).to_string();
        format!("invalid regex {pattern:?} for label {label:?}: {why}")
    })
}

/// Character cursor over a selector.
struct Cursor<'a> {
    s: &'a str,
    pos: usize,
}

impl<'a> Cursor<'a> {
    fn rest(&self) -> &'a str {
        self.s.get(self.pos..).unwrap_or("")
    }

    fn eat(&mut self, s: &str) -> bool {
        let hit = self.rest().starts_with(s);
        if hit {
            self.pos += s.len();
        }
        hit
    }

    fn skip_ws(&mut self) {
        self.take_while(char::is_whitespace);
    }

    fn take_while(&mut self, f: impl Fn(char) -> bool) -> &'a str {
        let rest = self.rest();
        let n = rest.find(|c: char| !f(c)).unwrap_or(rest.len());
        self.pos += n;
        rest.get(..n).unwrap_or("")
    }

    /// Metric name (`[a-zA-Z_:][a-zA-Z0-9_:]*`) or label name (no colons).
    fn ident(&mut self, metric: bool) -> &'a str {
        let first = |c: char| c.is_ascii_alphabetic() || c == '_' || (metric && c == ':');
        if !self.rest().starts_with(first) {
            return "";
        }
        self.take_while(|c| first(c) || c.is_ascii_digit())
    }

    /// A double-quoted value with `\\`, `\"` and `\n` escapes.
    fn quoted(&mut self) -> Result<String, String> {
        if !self.eat("\"") {
            return Err("expected a double-quoted value".to_string());
        }
        let mut out = String::new();
        let mut chars = self.rest().char_indices();
        while let Some((i, ch)) = chars.next() {
            match ch {
                '"' => {
                    self.pos += i + 1;
                    return Ok(out);
                }
                '\\' => match chars.next() {
                    Some((_, '\\')) => out.push('\\'),
                    Some((_, '"')) => out.push('"'),
                    Some((_, 'n')) => out.push('\n'),
                    Some((_, e)) => {
                        return Err(format!("invalid escape '\\{e}' (write a regex backslash as \\\\)"));
                    }
                    None => break,
                },
                ch => out.push(ch),
            }
        }
        Err("unterminated value".to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sel(s: &str) -> Selector {
        Selector::parse(s).unwrap()
    }

    fn labels(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(n, v)| (n.to_string(), v.to_string())).collect()
    }

    #[test]
    fn the_four_matchers() {
        assert_eq!(sel("up"), Selector { name: "up".into(), labels: vec![] });
        let s = sel(r#" http_requests_total { code =~ "5..|4.*" , path!="/x\"y", method="GET", job!~"canary.*", } "#);
        assert_eq!(s.name, "http_requests_total");
        assert_eq!(s.labels[1], ("path".into(), LabelMatch::Ne("/x\"y".into())));
        assert_eq!(s.labels[2], ("method".into(), LabelMatch::Eq("GET".into())));
        assert!(matches!(&s.labels[0].1, LabelMatch::Re(re) if re.as_str() == "^(?:5..|4.*)$"));
        assert!(matches!(&s.labels[3].1, LabelMatch::NotRe(_)));
        let base = [("path", "/a"), ("method", "GET"), ("job", "api")];
        assert!(s.matches_labels(&labels(&[("code", "503"), base[0], base[1], base[2]])));
        assert!(s.matches_labels(&labels(&[("code", "404"), base[0], base[1], base[2]])));
        // Anchored: the regex must match the whole value.
        assert!(!s.matches_labels(&labels(&[("code", "5031"), base[0], base[1], base[2]])));
        assert!(!s.matches_labels(&labels(&[("code", "200"), base[0], base[1], base[2]])));
        assert!(!s.matches_labels(&labels(&[("code", "500"), base[0], base[1], ("job", "canary-2")])));
        assert!(!s.matches_labels(&labels(&[("code", "500"), ("path", "/x\"y"), base[1], base[2]])));
        // A missing label reads as "".
        assert!(sel(r#"a{b=""}"#).matches_labels(&[]));
        assert!(sel(r#"a{b=~"x?"}"#).matches_labels(&[]));
        assert!(!sel(r#"a{b!~""}"#).matches_labels(&[]));
        // Real regex syntax, with a backslash escaped in the quotes.
        let s = sel(r#"a{v=~"1\\.[0-9]+(-rc)?"}"#);
        assert!(s.matches_labels(&labels(&[("v", "1.25-rc")])) && !s.matches_labels(&labels(&[("v", "1x2")])));
    }

    #[test]
    fn single_matchers_parse_and_render_back() {
        let m = Matcher::parse(r#" severity = "critical" "#).unwrap();
        assert_eq!((m.name.as_str(), m.op, m.value.as_str()), ("severity", MatchOp::Eq, "critical"));
        assert_eq!(m.render(), r#"severity="critical""#);
        let m = Matcher::parse(r#"path!~"/a\"b\\.*""#).unwrap();
        assert_eq!((m.op, m.value.as_str()), (MatchOp::NotRe, r#"/a"b\.*"#));
        assert_eq!(Matcher::parse(&m.render()).unwrap(), m, "render reads back");
        assert!(MatchOp::Re.is_regex() && MatchOp::Re.is_equal() && !MatchOp::Ne.is_equal());
        let err = |s: &str| Matcher::parse(s).unwrap_err();
        assert_eq!(err(r#"code=~"5(..""#), r#"invalid regex "5(.." for label "code": unclosed group"#);
        assert_eq!(err("severity"), r#"expected =, !=, =~ or !~ after label "severity""#);
        assert_eq!(err("severity=critical"), r#"expected a double-quoted value for label "severity""#);
        assert_eq!(err(r#"="x""#), r#"matcher "=\"x\"" must start with a label name"#);
        assert!(err(r#"a="1", b="2""#).starts_with("unexpected text"), "one matcher per string");
    }

    #[test]
    fn invalid_selectors_say_why() {
        let err = |s: &str| Selector::parse(s).unwrap_err();
        assert_eq!(err(r#"a{code=~"5(.."}"#), r#"invalid regex "5(.." for label "code": unclosed group"#);
        assert!(err(r#"a{code!~"[z-a]"}"#).starts_with(r#"invalid regex "[z-a]" for label "code": "#));
        assert_eq!(err(r#"a{b=~"\d"}"#), r#"invalid escape '\d' (write a regex backslash as \\) for label "b""#);
        assert_eq!(err("a{code}"), r#"expected =, !=, =~ or !~ after label "code""#);
        assert_eq!(err("a{code=1}"), r#"expected a double-quoted value for label "code""#);
        assert_eq!(err(r#"a{c="1""#), r#"expected ',' or '}' in selector "a{c=\"1\"""#);
        assert_eq!(err(r#"a{c="1"#), r#"unterminated value for label "c""#);
        for bad in ["", "{code=\"1\"}", "a{c=\"1\" d=\"2\"}", "a b", "a{=\"x\"}"] {
            assert!(Selector::parse(bad).is_err(), "{bad:?} should fail");
        }
    }
}
