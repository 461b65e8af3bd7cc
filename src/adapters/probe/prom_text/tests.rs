//! Tests of the text-format parser, and a fixture scrape shared with the query tests.
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
    p.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect()
}

#[test]
fn parses_full_example() {
    let s = parse(EXAMPLE).unwrap();
    let names: Vec<_> = s.families.iter().map(|f| f.name.as_str()).collect();
    let want = "jobs_total queue_depth rpc_seconds gc_pause_seconds plain_untyped";
    assert_eq!(names.join(" "), want);
    let jobs = s.family("jobs_total").unwrap();
    assert_eq!(jobs.kind, MetricKind::Counter);
    assert_eq!(jobs.help.as_deref(), Some("Jobs processed.\nSee C:\\runbook."));
    assert_eq!(jobs.samples[0].labels, pairs(&[("queue", "mail"), ("status", "ok")]));
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
    assert_eq!((plain.kind, plain.samples[0].value), (MetricKind::Untyped, 1500.0));
}

#[test]
fn whitespace_values_and_line_endings() {
    let text = "  a { x = \"1\" ,\ty=\"\", } \t 2.5e-1  -12 \r\nb{} Inf\nc{z=\"é\",} -0.5\n\
                :d:e .5\n#HELP a  lots  of  space \n# other comment\n# TYPE\tx   gauge\n";
    let s = parse(text).unwrap();
    let a = s.family("a").unwrap();
    assert_eq!(a.samples[0].labels, pairs(&[("x", "1"), ("y", "")]));
    assert_eq!((a.samples[0].value, a.samples[0].timestamp_ms), (0.25, Some(-12)));
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
    fails("ok 1\nhttp{code 500} 1", r#"line 2: expected '=' after label name "code""#);
    fails("a 1\n\n\nb{x=1} 2", r#"line 4: expected '"' to start label value, found '1'"#);
    fails(r#"a{x="1" y="2"} 1"#, "line 1: expected ',' or '}' after label, found 'y'");
    fails(r#"a{x="1} 1"#, "line 1: unterminated label value");
    fails(r#"a{x="\t"} 1"#, r"line 1: invalid escape sequence '\t' in label value");
    fails(r#"a{x="1",x="2"} 1"#, r#"line 1: duplicate label name "x""#);
    fails(r#"a{1="1"} 1"#, "line 1: expected label name or '}', found '1'");
    fails("a", r#"line 1: expected sample value for "a""#);
    fails("x 1\na{} ", r#"line 2: expected sample value for "a""#);
    fails("a abc", r#"line 1: invalid sample value "abc""#);
    fails("a 1 1.5", r#"line 1: invalid timestamp "1.5""#);
    fails("a 1 2 3", r#"line 1: unexpected text "3" after sample"#);
    fails("a-b 1", "line 1: unexpected '-' in metric name");
    fails("7up 1", "line 1: expected metric name, found '7'");
    fails("# TYPE a meter", r#"line 1: unknown metric type "meter" for "a""#);
    fails("# TYPE a gauge\n# TYPE a gauge", r#"line 2: duplicate TYPE line for "a""#);
    fails("a 1\n# TYPE a gauge", r#"line 2: TYPE for "a" must precede its samples"#);
    fails("# HELP a x\n# HELP a y", r#"line 2: duplicate HELP line for "a""#);
    fails(r"# HELP a bad \q", r"line 1: invalid escape sequence '\q' in HELP text");
    fails(r"# HELP a bad \", "line 1: unterminated escape sequence in HELP text");
    fails("# HELP 1a x", r#"line 1: invalid metric name "1a" in HELP line"#);
    fails("# TYPE a gauge extra", r#"line 1: unexpected text "extra" after TYPE"#);
    let hist = "# TYPE h histogram\nh_bucket 1";
    fails(hist, r#"line 2: sample "h_bucket" is missing the "le" label"#);
    let summary = "# TYPE s summary\ns{quantile=\"x\"} 1";
    fails(summary, r#"line 2: invalid "quantile" label value "x""#);
}

#[test]
fn never_panics_on_garbage() {
    let odd = "{|}|a{|a{x|a{x=|a{x=\"|a{x=\"\\|#|# HELP|# TYPE a|\0|a{,} 1|a 1 1e999|\\|é{} 1";
    for t in odd.split('|').chain(["a 1 99999999999999999999", "a{x=\"1\"}} 2"]) {
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

/// An OpenMetrics page as `prometheus_client` and the Go client write it.
pub(crate) const OPENMETRICS: &str = r#"# HELP http_requests Requests served, with \"quotes\".
# TYPE http_requests counter
# UNIT http_requests requests
http_requests_total{code="200",path="/api"} 1027.0 # {trace_id="abc"} 1.0 1700000000.123
http_requests_created{code="200",path="/api"} 1.7e9
http_requests_total{code="503",path="/api"} 3 1700000000.5 # {trace_id="def",span_id="1"} 1
http_requests_created{code="503",path="/api"} 1.7e9
# TYPE build info
# HELP build Build information.
build_info{version="1.4.2",commit="abc123"} 1
# TYPE feature stateset
feature{feature="beta"} 1
feature{feature="legacy"} 0
# TYPE rpc_seconds histogram
# UNIT rpc_seconds seconds
rpc_seconds_bucket{le="0.1"} 10 # {trace_id="t1"} 0.05
rpc_seconds_bucket{le="1.0"} 30
rpc_seconds_bucket{le="+Inf"} 40
rpc_seconds_count 40
rpc_seconds_sum 12.5
rpc_seconds_created 1.7e9
# TYPE queue_wait gaugehistogram
queue_wait_bucket{le="1.0"} 4
queue_wait_bucket{le="+Inf"} 6
queue_wait_gcount 6
queue_wait_gsum 9.5
# TYPE temperature gauge
temperature{room="a"} 21.5
# TYPE mystery unknown
mystery 7
# EOF
"#;

#[test]
fn reads_an_openmetrics_page() {
    let s = parse_as(OPENMETRICS, Format::OpenMetrics).unwrap();
    let names: Vec<&str> = s.families.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(names, ["http_requests", "build", "feature", "rpc_seconds", "queue_wait", "temperature", "mystery"]);
    let http = s.family("http_requests").unwrap();
    assert_eq!(http.kind, MetricKind::Counter);
    assert_eq!(http.help.as_deref(), Some("Requests served, with \"quotes\"."));
    // `_created` is dropped; exemplars are not values; timestamps are seconds.
    assert_eq!(http.samples.len(), 2);
    assert!(http.samples.iter().all(|p| p.name == "http_requests_total"));
    assert_eq!((http.samples[0].value, http.samples[0].timestamp_ms), (1027.0, None));
    assert_eq!((http.samples[1].value, http.samples[1].timestamp_ms), (3.0, Some(1_700_000_000_500)));
    let build = s.family("build").unwrap();
    assert_eq!((build.kind, build.samples[0].name.as_str()), (MetricKind::Info, "build_info"));
    assert_eq!(s.family("feature").unwrap().kind, MetricKind::StateSet);
    let rpc = s.family("rpc_seconds").unwrap();
    assert_eq!((rpc.kind, rpc.samples.len()), (MetricKind::Histogram, 5));
    let wait = s.family("queue_wait").unwrap();
    assert_eq!((wait.kind, wait.samples.len()), (MetricKind::GaugeHistogram, 4));
    assert_eq!(s.family("mystery").unwrap().kind, MetricKind::Untyped);
}

#[test]
fn nothing_after_eof_is_read() {
    let s = parse_as("# TYPE a gauge\na 1\n# EOF\nthis is { not metrics\n", Format::OpenMetrics).unwrap();
    assert_eq!(s.families.len(), 1);
    // Text timestamps stay milliseconds; an exemplar needs its labels.
    assert_eq!(parse("a 1 1700000000000").unwrap().families[0].samples[0].timestamp_ms, Some(1_700_000_000_000));
    fails("a 1 # trace", r#"line 1: expected an exemplar's labels after '#', found 't'"#);
    assert!(parse_as("a 1 1.5e400", Format::OpenMetrics).is_err());
}

#[test]
fn content_types() {
    assert_eq!(Format::of_content_type("application/openmetrics-text; version=1.0.0; charset=utf-8"), Format::OpenMetrics);
    assert_eq!(Format::of_content_type("text/plain; version=0.0.4"), Format::Text);
    assert_eq!(Format::of_content_type(""), Format::Text);
}
