//! Prometheus text exposition format (version 0.0.4) and OpenMetrics 1.0
//! text: this module owns parsing a scrape into families and samples.
//! Reading values out of a parsed scrape (selectors, sums, quantiles, rates)
//! lives in `prom_query`.
//!
//! OpenMetrics is read without failing the scrape: exemplars
//! (`x_total 5 # {trace_id="abc"} 1.0 1700000000`) are skipped, lines after
//! `# EOF` are ignored, `# UNIT` lines are accepted, `_total` samples belong
//! to their counter family and `_created` samples of counters, histograms
//! and summaries are dropped (they are timestamps, not values). The `info`,
//! `stateset`, `gaugehistogram` and `unknown` types are known; timestamps are
//! seconds (possibly fractional) in OpenMetrics, milliseconds in the text
//! format. Both formats accept exemplars, and `\"` in HELP text.

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
    /// OpenMetrics `info`: samples named `<family>_info`, value 1.
    Info,
    /// OpenMetrics `stateset`: one sample per state, value 0 or 1.
    StateSet,
    /// OpenMetrics `gaugehistogram`: `_bucket`, `_gcount` and `_gsum` gauges.
    GaugeHistogram,
}

/// Which exposition format a page is in (from its `Content-Type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Format {
    /// `text/plain; version=0.0.4`, and anything unlabelled.
    #[default]
    Text,
    /// `application/openmetrics-text`.
    OpenMetrics,
}

impl Format {
    /// The format a `Content-Type` header names (`Text` for anything else).
    pub fn of_content_type(content_type: &str) -> Format {
        let media = content_type.split(';').next().unwrap_or("").trim();
        if media.eq_ignore_ascii_case("application/openmetrics-text") { Format::OpenMetrics } else { Format::Text }
    }
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
    parse_as(text, Format::Text)
}

/// Parses a scrape in `format`. Never panics.
pub fn parse_as(text: &str, format: Format) -> Result<Scrape, ParseError> {
    let mut b = Builder { format, ..Builder::default() };
    for (line, raw) in (1..).zip(text.split('\n')) {
        if b.eof {
            break;
        }
        let text = raw.strip_suffix('\r').unwrap_or(raw);
        b.line(text).map_err(|message| ParseError { line, message })?;
    }
    let Builder { families, .. } = b;
    Ok(Scrape { families })
}

#[derive(Default)]
struct Builder {
    format: Format,
    /// `# EOF` seen: the rest of the page is not read.
    eof: bool,
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
        self.families.push(Family { name: name.to_string(), help: None, kind: MetricKind::Untyped, samples: Vec::new() });
        self.typed.push(false);
        self.index.insert(name.to_string(), self.families.len() - 1);
        self.families.len() - 1
    }

    fn comment(&mut self, mut c: Cursor<'_>) -> Result<(), String> {
        c.skip_ws();
        let keyword = c.token();
        if keyword == "EOF" {
            self.eof = true;
            return Ok(());
        }
        if !["HELP", "TYPE", "UNIT"].contains(&keyword) {
            return Ok(());
        }
        c.skip_ws();
        let name = c.token();
        if !is_metric_name(name) {
            return Err(format!("invalid metric name {name:?} in {keyword} line"));
        }
        c.skip_ws();
        if keyword == "UNIT" {
            return Ok(());
        }
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
            "untyped" | "unknown" => MetricKind::Untyped,
            "info" => MetricKind::Info,
            "stateset" => MetricKind::StateSet,
            "gaugehistogram" => MetricKind::GaugeHistogram,
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

    /// The family a sample belongs to, or `None` for a `_created` sample of
    /// a typed family (dropped: it is when the series started, not a value).
    fn family_for_sample(&mut self, name: &str) -> Option<usize> {
        if let Some(&i) = self.index.get(name) {
            return Some(i);
        }
        for suffix in ["_bucket", "_sum", "_count", "_total", "_created", "_info", "_gcount", "_gsum"] {
            if let Some(&i) = name.strip_suffix(suffix).and_then(|b| self.index.get(b)) {
                let kind = self.families[i].kind;
                match (kind, suffix) {
                    (MetricKind::Counter | MetricKind::Histogram | MetricKind::Summary | MetricKind::GaugeHistogram, "_created") => {
                        return None;
                    }
                    (MetricKind::Histogram, "_bucket" | "_sum" | "_count")
                    | (MetricKind::Summary, "_sum" | "_count")
                    | (MetricKind::Counter, "_total")
                    | (MetricKind::Info, "_info")
                    | (MetricKind::GaugeHistogram, "_bucket" | "_gcount" | "_gsum") => return Some(i),
                    _ => {}
                }
            }
        }
        Some(self.get_or_create(name))
    }

    fn sample(&mut self, mut c: Cursor<'_>) -> Result<(), String> {
        let name = c.ident(true);
        if name.is_empty() {
            return Err(format!("expected metric name, found {}", describe(c.peek())));
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
        let timestamp_ms = if c.at_end() || c.peek() == Some('#') { None } else { Some(self.timestamp(c.token())?) };
        c.skip_ws();
        // An exemplar (`# {trace_id="abc"} 1.0 1700000000`) is not a value.
        if c.eat('#') {
            c.skip_ws();
            if c.peek() != Some('{') {
                return Err(format!("expected an exemplar's labels after '#', found {}", describe(c.peek())));
            }
        } else if !c.at_end() {
            return Err(format!("unexpected text {:?} after sample", c.rest()));
        }
        labels.sort_by(|a, b| a.0.cmp(&b.0));
        let Some(i) = self.family_for_sample(name) else {
            return Ok(());
        };
        let fam = &self.families[i];
        let required = match fam.kind {
            MetricKind::Histogram | MetricKind::GaugeHistogram if name.ends_with("_bucket") => Some("le"),
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
        let point = SamplePoint { name: name.to_string(), labels, value, timestamp_ms };
        self.families[i].samples.push(point);
        Ok(())
    }
}

impl Builder {
    /// A sample's timestamp in milliseconds: written in milliseconds in the
    /// text format, in seconds (possibly fractional) in OpenMetrics.
    fn timestamp(&self, token: &str) -> Result<i64, String> {
        let invalid = || format!("invalid timestamp {token:?}");
        match self.format {
            Format::Text => token.parse::<i64>().map_err(|_| invalid()),
            Format::OpenMetrics => {
                let secs = token.parse::<f64>().ok().filter(|s| s.is_finite()).ok_or_else(invalid)?;
                let ms = (secs * 1000.0).round();
                if ms.abs() < i64::MAX as f64 { Ok(ms as i64) } else { Err(invalid()) }
            }
        }
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
        out.push(unescape(chars.next(), true, "HELP text")?);
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

/// Character cursor over one line.
struct Cursor<'a> {
    s: &'a str,
    pos: usize,
}

impl<'a> Cursor<'a> {
    fn new(s: &'a str) -> Self {
        Cursor { s, pos: 0 }
    }

    fn rest(&self) -> &'a str {
        self.s.get(self.pos..).unwrap_or("")
    }

    fn peek(&self) -> Option<char> {
        self.rest().chars().next()
    }

    fn at_end(&self) -> bool {
        self.rest().is_empty()
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += c.len_utf8();
        Some(c)
    }

    fn eat(&mut self, c: char) -> bool {
        self.eat_str(c.encode_utf8(&mut [0; 4]))
    }

    fn eat_str(&mut self, s: &str) -> bool {
        let hit = self.rest().starts_with(s);
        if hit {
            self.pos += s.len();
        }
        hit
    }

    fn skip_ws(&mut self) {
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
    fn ident(&mut self, metric: bool) -> &'a str {
        let first = |c: char| c.is_ascii_alphabetic() || c == '_' || (metric && c == ':');
        if !self.peek().is_some_and(first) {
            return "";
        }
        self.take_while(|c| first(c) || c.is_ascii_digit())
    }

    /// Double-quoted string with `\\`, `\"` and `\n` escapes.
    fn quoted(&mut self) -> Result<String, String> {
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
pub(crate) mod tests;
