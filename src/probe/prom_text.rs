//! Prometheus text exposition format (version 0.0.4): this module owns parsing a
//! scrape into families and samples. Reading values out of a parsed scrape
//! (selectors, sums, quantiles, rates) lives in `prom_query`.

use std::collections::HashMap;
use std::fmt;

/// Metric type declared by a `# TYPE` line (`Untyped` when there is none).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MetricKind {
    Counter,
    Gauge,
    Histogram,
    Summary,
    Untyped,
}

/// One sample line. `name` is the full sample name (e.g. `foo_bucket`);
/// `labels` are sorted by label name.
#[derive(Debug, Clone, PartialEq)]
pub struct SamplePoint {
    pub name: String,
    pub labels: Vec<(String, String)>,
    pub value: f64,
    pub timestamp_ms: Option<i64>,
}

/// A metric family; histogram/summary `_bucket`, `_sum`, `_count` and quantile
/// samples belong to the family named by the base name.
#[derive(Debug, Clone, PartialEq)]
pub struct Family {
    pub name: String,
    pub help: Option<String>,
    pub kind: MetricKind,
    pub samples: Vec<SamplePoint>,
}

/// A whole parsed scrape, families in order of first appearance.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Scrape {
    pub families: Vec<Family>,
}

impl Scrape {
    /// The family with exactly this name, if any.
    pub fn family(&self, name: &str) -> Option<&Family> {
        self.families.iter().find(|f| f.name == name)
    }
}

/// Parse failure; `line` is 1-based.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    pub line: usize,
    pub message: String,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

impl std::error::Error for ParseError {}

/// Parses a scrape in the text exposition format. Never panics.
pub fn parse(text: &str) -> Result<Scrape, ParseError> {
    let mut b = Builder::default();
    for (line, raw) in (1..).zip(text.split('\n')) {
        let text = raw.strip_suffix('\r').unwrap_or(raw);
        b.line(text)
            .map_err(|message| ParseError { line, message })?;
    }
    let Builder { families, .. } = b;
    Ok(Scrape { families })
}

#[derive(Default)]
struct Builder {
    families: Vec<Family>,
    typed: Vec<bool>,
    index: HashMap<String, usize>,
}

impl Builder {
    fn line(&mut self, line: &str) -> Result<(), String> {
        let mut c = Cursor::new(line);
        c.skip_ws();
        if c.at_end() {
            Ok(())
        } else if c.eat('#') {
            self.comment(c)
        } else {
            self.sample(c)
        }
    }

    fn get_or_create(&mut self, name: &str) -> usize {
        if let Some(&i) = self.index.get(name) {
            return i;
        }
        self.families.push(Family {
            name: name.to_string(),
            help: None,
            kind: MetricKind::Untyped,
            samples: Vec::new(),
        });
        self.typed.push(false);
        self.index.insert(name.to_string(), self.families.len() - 1);
        self.families.len() - 1
    }

    fn comment(&mut self, mut c: Cursor<'_>) -> Result<(), String> {
        c.skip_ws();
        let keyword = c.token();
        if keyword != "HELP" && keyword != "TYPE" {
            return Ok(());
        }
        c.skip_ws();
        let name = c.token();
        if !is_metric_name(name) {
            return Err(format!("invalid metric name {name:?} in {keyword} line"));
        }
        c.skip_ws();
        let i = self.get_or_create(name);
        if keyword == "HELP" {
            if self.families[i].help.is_some() {
                return Err(format!("duplicate HELP line for {name:?}"));
            }
            self.families[i].help = Some(unescape_help(c.rest())?);
            return Ok(());
        }
        let kind = match c.token() {
            "counter" => MetricKind::Counter,
            "gauge" => MetricKind::Gauge,
            "histogram" => MetricKind::Histogram,
            "summary" => MetricKind::Summary,
            "untyped" => MetricKind::Untyped,
            other => return Err(format!("unknown metric type {other:?} for {name:?}")),
        };
        c.skip_ws();
        if !c.at_end() {
            return Err(format!("unexpected text {:?} after TYPE", c.rest()));
        }
        if self.typed[i] {
            return Err(format!("duplicate TYPE line for {name:?}"));
        }
        if !self.families[i].samples.is_empty() {
            return Err(format!("TYPE for {name:?} must precede its samples"));
        }
        self.families[i].kind = kind;
        self.typed[i] = true;
        Ok(())
    }

    fn family_for_sample(&mut self, name: &str) -> usize {
        if let Some(&i) = self.index.get(name) {
            return i;
        }
        for suffix in ["_bucket", "_sum", "_count"] {
            if let Some(&i) = name.strip_suffix(suffix).and_then(|b| self.index.get(b)) {
                match self.families[i].kind {
                    MetricKind::Histogram => return i,
                    MetricKind::Summary if suffix != "_bucket" => return i,
                    _ => {}
                }
            }
        }
        self.get_or_create(name)
    }

    fn sample(&mut self, mut c: Cursor<'_>) -> Result<(), String> {
        let name = c.ident(true);
        if name.is_empty() {
            return Err(format!(
                "expected metric name, found {}",
                describe(c.peek())
            ));
        }
        if !matches!(c.peek(), None | Some(' ' | '\t' | '{')) {
            return Err(format!("unexpected {} in metric name", describe(c.peek())));
        }
        c.skip_ws();
        let mut labels: Vec<(String, String)> = Vec::new();
        if c.eat('{') {
            loop {
                c.skip_ws();
                if c.eat('}') {
                    break;
                }
                let lname = c.ident(false);
                if lname.is_empty() {
                    let found = describe(c.peek());
                    return Err(format!("expected label name or '}}', found {found}"));
                }
                c.skip_ws();
                if !c.eat('=') {
                    return Err(format!("expected '=' after label name {lname:?}"));
                }
                c.skip_ws();
                let value = c.quoted()?;
                if labels.iter().any(|(n, _)| n == lname) {
                    return Err(format!("duplicate label name {lname:?}"));
                }
                labels.push((lname.to_string(), value));
                c.skip_ws();
                if c.eat('}') {
                    break;
                }
                if !c.eat(',') {
                    let found = describe(c.peek());
                    return Err(format!("expected ',' or '}}' after label, found {found}"));
                }
            }
            c.skip_ws();
        }
        let token = c.token();
        if token.is_empty() {
            return Err(format!("expected sample value for {name:?}"));
        }
        let value = parse_value(token).ok_or_else(|| format!("invalid sample value {token:?}"))?;
        c.skip_ws();
        let token = c.token();
        let timestamp_ms = if token.is_empty() {
            None
        } else {
            let ts = token.parse::<i64>();
            Some(ts.map_err(|_| format!("invalid timestamp {token:?}"))?)
        };
        c.skip_ws();
        if !c.at_end() {
            return Err(format!("unexpected text {:?} after sample", c.rest()));
        }
        labels.sort_by(|a, b| a.0.cmp(&b.0));
        let i = self.family_for_sample(name);
        let fam = &self.families[i];
        let required = match fam.kind {
            MetricKind::Histogram if name.ends_with("_bucket") => Some("le"),
            MetricKind::Summary if name == fam.name => Some("quantile"),
            _ => None,
        };
        if let Some(req) = required {
            match labels.iter().find(|(n, _)| n == req) {
                None => return Err(format!("sample {name:?} is missing the {req:?} label")),
                Some((_, v)) if parse_value(v).is_none() => {
                    return Err(format!("invalid {req:?} label value {v:?}"));
                }
                Some(_) => {}
            }
        }
        let point = SamplePoint {
            name: name.to_string(),
            labels,
            value,
            timestamp_ms,
        };
        self.families[i].samples.push(point);
        Ok(())
    }
}

/// Parses a sample value: floats, exponents, `NaN`, `+Inf`, `-Inf`, `Inf`.
pub(crate) fn parse_value(s: &str) -> Option<f64> {
    s.parse::<f64>().ok()
}

fn is_metric_name(s: &str) -> bool {
    let mut c = Cursor::new(s);
    !c.ident(true).is_empty() && c.at_end()
}

fn describe(c: Option<char>) -> String {
    c.map_or_else(|| "end of line".to_string(), |c| format!("{c:?}"))
}

fn unescape_help(s: &str) -> Result<String, String> {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(ch) = chars.next() {
        if ch != '\\' {
            out.push(ch);
            continue;
        }
        out.push(unescape(chars.next(), false, "HELP text")?);
    }
    Ok(out)
}

/// Decodes the character after a backslash: `\\`, `\n`, and `\"` in quotes.
fn unescape(e: Option<char>, quoted: bool, what: &str) -> Result<char, String> {
    match e {
        Some('\\') => Ok('\\'),
        Some('n') => Ok('\n'),
        Some('"') if quoted => Ok('"'),
        Some(e) => Err(format!("invalid escape sequence '\\{e}' in {what}")),
        None => Err(format!("unterminated escape sequence in {what}")),
    }
}

/// Character cursor over one line; shared with the selector parser.
pub(crate) struct Cursor<'a> {
    s: &'a str,
    pos: usize,
}

impl<'a> Cursor<'a> {
    pub(crate) fn new(s: &'a str) -> Self {
        Cursor { s, pos: 0 }
    }

    pub(crate) fn rest(&self) -> &'a str {
        self.s.get(self.pos..).unwrap_or("")
    }

    pub(crate) fn peek(&self) -> Option<char> {
        self.rest().chars().next()
    }

    pub(crate) fn at_end(&self) -> bool {
        self.rest().is_empty()
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += c.len_utf8();
        Some(c)
    }

    pub(crate) fn eat(&mut self, c: char) -> bool {
        self.eat_str(c.encode_utf8(&mut [0; 4]))
    }

    pub(crate) fn eat_str(&mut self, s: &str) -> bool {
        let hit = self.rest().starts_with(s);
        if hit {
            self.pos += s.len();
        }
        hit
    }

    pub(crate) fn skip_ws(&mut self) {
        self.take_while(|c| c == ' ' || c == '\t');
    }

    fn take_while(&mut self, f: impl Fn(char) -> bool) -> &'a str {
        let rest = self.rest();
        let n = rest.find(|c: char| !f(c)).unwrap_or(rest.len());
        self.pos += n;
        rest.get(..n).unwrap_or("")
    }

    /// Next whitespace-delimited token (possibly empty).
    fn token(&mut self) -> &'a str {
        self.take_while(|c| c != ' ' && c != '\t')
    }

    /// Metric name (`[a-zA-Z_:][a-zA-Z0-9_:]*`) or label name (no colons).
    pub(crate) fn ident(&mut self, metric: bool) -> &'a str {
        let first = |c: char| c.is_ascii_alphabetic() || c == '_' || (metric && c == ':');
        if !self.peek().is_some_and(first) {
            return "";
        }
        self.take_while(|c| first(c) || c.is_ascii_digit())
    }

    /// Double-quoted string with `\\`, `\"` and `\n` escapes.
    pub(crate) fn quoted(&mut self) -> Result<String, String> {
        if !self.eat('"') {
            let found = describe(self.peek());
            return Err(format!("expected '\"' to start label value, found {found}"));
        }
        let mut out = String::new();
        loop {
            match self.bump() {
                None => return Err("unterminated label value".to_string()),
                Some('"') => return Ok(out),
                Some('\\') => out.push(unescape(self.bump(), true, "label value")?),
                Some(ch) => out.push(ch),
            }
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Hand-written fixture, shared with `prom_query` tests.
    pub(crate) const EXAMPLE: &str = r#"# Fixture scrape for opsdeck.
# HELP jobs_total Jobs processed.\nSee C:\\runbook.
# TYPE jobs_total counter
jobs_total{status="ok",queue="mail"} 1027 1700000000000
jobs_total{queue="mail",status="failed"} 3 1700000000000
jobs_total{queue="say \"hi\"\\now\nnext",status="ok"} 7

# TYPE queue_depth gauge
queue_depth{queue="mail"} NaN
queue_depth{queue="batch"} +Inf
queue_depth{queue="idle"} -Inf
# HELP rpc_seconds RPC latency.
# TYPE rpc_seconds histogram
rpc_seconds_bucket{method="GET",le="0.1"} 10
rpc_seconds_bucket{method="GET",le="0.5"} 30
rpc_seconds_bucket{method="GET",le="1"} 38
rpc_seconds_bucket{method="GET",le="+Inf"} 40
rpc_seconds_sum{method="GET"} 12.5
rpc_seconds_count{method="GET"} 40
rpc_seconds_bucket{method="POST",le="0.1"} 0
rpc_seconds_bucket{method="POST",le="0.5"} 10
rpc_seconds_bucket{method="POST",le="1"} 12
rpc_seconds_bucket{method="POST",le="+Inf"} 20
# TYPE gc_pause_seconds summary
gc_pause_seconds{quantile="0.5"} 0.004
gc_pause_seconds{quantile="0.99"} 0.02
gc_pause_seconds_sum 1.7
gc_pause_seconds_count 250
plain_untyped 1.5e3
"#;

    fn pairs(p: &[(&str, &str)]) -> Vec<(String, String)> {
        p.iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    }

    #[test]
    fn parses_full_example() {
        let s = parse(EXAMPLE).unwrap();
        let names: Vec<_> = s.families.iter().map(|f| f.name.as_str()).collect();
        let want = "jobs_total queue_depth rpc_seconds gc_pause_seconds plain_untyped";
        assert_eq!(names.join(" "), want);
        let jobs = s.family("jobs_total").unwrap();
        assert_eq!(jobs.kind, MetricKind::Counter);
        assert_eq!(
            jobs.help.as_deref(),
            Some("Jobs processed.\nSee C:\\runbook.")
        );
        assert_eq!(
            jobs.samples[0].labels,
            pairs(&[("queue", "mail"), ("status", "ok")])
        );
        assert_eq!(jobs.samples[0].value, 1027.0);
        assert_eq!(jobs.samples[1].timestamp_ms, Some(1_700_000_000_000));
        assert_eq!(jobs.samples[2].timestamp_ms, None);
        assert_eq!(jobs.samples[2].labels[0].1, "say \"hi\"\\now\nnext");
        let depth = s.family("queue_depth").unwrap();
        assert!(depth.samples[0].value.is_nan());
        assert_eq!(depth.samples[1].value, f64::INFINITY);
        assert_eq!(depth.samples[2].value, f64::NEG_INFINITY);
        let rpc = s.family("rpc_seconds").unwrap();
        assert_eq!((rpc.kind, rpc.samples.len()), (MetricKind::Histogram, 10));
        assert_eq!(rpc.samples[4].name, "rpc_seconds_sum");
        let gc = s.family("gc_pause_seconds").unwrap();
        assert_eq!((gc.kind, gc.samples.len()), (MetricKind::Summary, 4));
        let plain = &s.family("plain_untyped").unwrap();
        assert_eq!(
            (plain.kind, plain.samples[0].value),
            (MetricKind::Untyped, 1500.0)
        );
    }

    #[test]
    fn whitespace_values_and_line_endings() {
        let text = "  a { x = \"1\" ,\ty=\"\", } \t 2.5e-1  -12 \r\nb{} Inf\nc{z=\"é\",} -0.5\n\
                    :d:e .5\n#HELP a  lots  of  space \n# other comment\n# TYPE\tx   gauge\n";
        let s = parse(text).unwrap();
        let a = s.family("a").unwrap();
        assert_eq!(a.samples[0].labels, pairs(&[("x", "1"), ("y", "")]));
        assert_eq!(
            (a.samples[0].value, a.samples[0].timestamp_ms),
            (0.25, Some(-12))
        );
        assert_eq!(a.help.as_deref(), Some("lots  of  space "));
        assert_eq!(s.family("b").unwrap().samples[0].value, f64::INFINITY);
        assert_eq!(s.family("c").unwrap().samples[0].labels[0].1, "é");
        assert_eq!(s.family(":d:e").unwrap().samples[0].value, 0.5);
        assert_eq!(s.family("x").unwrap().kind, MetricKind::Gauge);
        assert_eq!(parse("").unwrap(), Scrape::default());
    }

    fn fails(text: &str, want: &str) {
        assert_eq!(parse(text).unwrap_err().to_string(), want, "input {text:?}");
    }

    #[test]
    fn errors_carry_line_numbers() {
        fails(
            "ok 1\nhttp{code 500} 1",
            r#"line 2: expected '=' after label name "code""#,
        );
        fails(
            "a 1\n\n\nb{x=1} 2",
            r#"line 4: expected '"' to start label value, found '1'"#,
        );
        fails(
            r#"a{x="1" y="2"} 1"#,
            "line 1: expected ',' or '}' after label, found 'y'",
        );
        fails(r#"a{x="1} 1"#, "line 1: unterminated label value");
        fails(
            r#"a{x="\t"} 1"#,
            r"line 1: invalid escape sequence '\t' in label value",
        );
        fails(r#"a{x="1",x="2"} 1"#, r#"line 1: duplicate label name "x""#);
        fails(
            r#"a{1="1"} 1"#,
            "line 1: expected label name or '}', found '1'",
        );
        fails("a", r#"line 1: expected sample value for "a""#);
        fails("x 1\na{} ", r#"line 2: expected sample value for "a""#);
        fails("a abc", r#"line 1: invalid sample value "abc""#);
        fails("a 1 1.5", r#"line 1: invalid timestamp "1.5""#);
        fails("a 1 2 3", r#"line 1: unexpected text "3" after sample"#);
        fails("a-b 1", "line 1: unexpected '-' in metric name");
        fails("7up 1", "line 1: expected metric name, found '7'");
        fails(
            "# TYPE a meter",
            r#"line 1: unknown metric type "meter" for "a""#,
        );
        fails(
            "# TYPE a gauge\n# TYPE a gauge",
            r#"line 2: duplicate TYPE line for "a""#,
        );
        fails(
            "a 1\n# TYPE a gauge",
            r#"line 2: TYPE for "a" must precede its samples"#,
        );
        fails(
            "# HELP a x\n# HELP a y",
            r#"line 2: duplicate HELP line for "a""#,
        );
        fails(
            r"# HELP a bad \q",
            r"line 1: invalid escape sequence '\q' in HELP text",
        );
        fails(
            r"# HELP a bad \",
            "line 1: unterminated escape sequence in HELP text",
        );
        fails(
            "# HELP 1a x",
            r#"line 1: invalid metric name "1a" in HELP line"#,
        );
        fails(
            "# TYPE a gauge extra",
            r#"line 1: unexpected text "extra" after TYPE"#,
        );
        let hist = "# TYPE h histogram\nh_bucket 1";
        fails(
            hist,
            r#"line 2: sample "h_bucket" is missing the "le" label"#,
        );
        let summary = "# TYPE s summary\ns{quantile=\"x\"} 1";
        fails(summary, r#"line 2: invalid "quantile" label value "x""#);
    }

    #[test]
    fn never_panics_on_garbage() {
        let odd = "{|}|a{|a{x|a{x=|a{x=\"|a{x=\"\\|#|# HELP|# TYPE a|\0|a{,} 1|a 1 1e999|\\|é{} 1";
        for t in odd
            .split('|')
            .chain(["a 1 99999999999999999999", "a{x=\"1\"}} 2"])
        {
            let _ = parse(t);
        }
        for end in (0..=EXAMPLE.len()).filter(|&i| EXAMPLE.is_char_boundary(i)) {
            let _ = parse(&EXAMPLE[..end]);
        }
        let alphabet = b"a_:{}=\",\\n# \t\r\n+-.0e9InfNaHELPTYPE\xc3\xa9\xff";
        let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for _ in 0..5000 {
            let bytes: Vec<u8> = (0..next() % 48)
                .map(|_| match next() % 4 {
                    0 => next() as u8,
                    _ => alphabet[(next() % alphabet.len() as u64) as usize],
                })
                .collect();
            let _ = parse(&String::from_utf8_lossy(&bytes));
        }
    }
}
