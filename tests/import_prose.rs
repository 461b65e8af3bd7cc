//! `opsdeck import` on guides that define severities and rollback/alert rules
//! in prose and thresholds in words: the exact offers in the summary and in
//! `--json`, and a fragment that, pasted into a plan, is rejected by
//! `opsdeck check` until its placeholder checks are bound, then accepted.

use std::process::Command;

use serde_json::{Value, json};

fn fixture(name: &str) -> String {
    format!("{}/tests/fixtures/markdown/{name}", env!("CARGO_MANIFEST_DIR"))
}

fn opsdeck(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_opsdeck")).args(args).env("NO_COLOR", "1").output().expect("run opsdeck");
    (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned())
}

/// The lines of the summary section that starts with `title`.
fn section(out: &str, title: &str) -> Vec<String> {
    out.lines()
        .skip_while(|l| !l.starts_with(title))
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .map(|l| l.trim_start().to_string())
        .collect()
}

fn json_of(doc: &str) -> Value {
    let (code, out, err) = opsdeck(&["import", "--json", &fixture(doc)]);
    assert_eq!(code, 0, "{err}");
    serde_json::from_str(&out).expect("json")
}

fn fragment(out: &str) -> String {
    out.split("# Plan fragment:").nth(1).unwrap_or_default().to_string()
}

#[test]
fn a_severity_table_and_rollback_triggers() {
    let (code, out, err) = opsdeck(&["import", &fixture("oncall-severities.md")]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        section(&out, "Severities offered:"),
        [
            "SEV1 Critical (line 9): respond within 5m, update every 30m — Checkout down for all customers, or card data exposed",
            "SEV2 Major (line 10): respond within 30m, update every 1h — Checkout degraded in one region; refunds failing",
            "SEV3 Minor (line 11): respond within 4h — A back-office tool is slow",
            "SEV4 Cosmetic (line 12): respond within next business day — Typos, layout glitches",
        ]
    );
    assert_eq!(
        section(&out, "Triggers offered"),
        [
            "rollback-error-rate (line 22, Roll back the release without waiting for a root cause when): <error-rate> > 5% for 5m ← \"Error rate > 5% for 5 minutes\"",
            "rollback-p95-checkout-latency (line 23, Roll back the release without waiting for a root cause when): <p95-checkout-latency> > 2s for 10m ← \"p95 checkout latency exceeds 2 seconds for more than 10 minutes\"",
            "rollback-health-check (line 24, Roll back the release without waiting for a root cause when): <health-check> unreachable 3x ← \"3 consecutive failed health checks\"",
            "rollback-payment-success-rate (line 26, Roll back the release without waiting for a root cause when): <payment-success-rate> < 97% ← \"Payment success rate drops below 97%\"",
        ]
    );
    let frag = fragment(&out);
    assert!(
        frag.contains("[[severity]]\nid = \"SEV2\"\nname = \"Major\"\nrespond_within = \"30m\"\nupdate_every = \"1h\"\ndescription = \"Checkout degraded in one region; refunds failing\"\n"),
        "{frag}"
    );
    assert!(
        frag.contains("# line 22 (Roll back the release without waiting for a root cause when): Error rate > 5% for 5 minutes\n[[trigger]]\nid = \"rollback-error-rate\"\nwhen = [\"<error-rate> > 5% for 5m\"]\nmode = \"advise\"\n"),
        "{frag}"
    );
    assert!(toml::from_str::<toml::Table>(&frag).is_ok(), "the fragment is valid TOML: {frag}");
}

#[test]
fn severities_as_headings_with_bullets() {
    let v = json_of("incident-levels.md");
    assert_eq!(
        v["severities"],
        json!([
            { "id": "P0", "name": "Critical", "respond_within": "15m", "update_every": "30m",
              "description": "Complete outage of the storefront or API; Data loss or a security breach", "line": 7 },
            { "id": "P1", "name": "High", "respond_within": "1h", "update_every": null,
              "description": "A core feature (search, cart, login) is broken for many users", "line": 14 },
            { "id": "P2", "name": "Medium", "respond_within": "4h", "update_every": null,
              "description": "Partial degradation with a workaround", "line": 19 },
            { "id": "P3", "name": "Low", "respond_within": "next business day", "update_every": null,
              "description": "Minor bugs and requests", "line": 25 },
        ])
    );
    // `### P0 tasks` heads launch items, not a severity: nothing offered, nothing warned.
    assert_eq!(v["warnings"], json!([]));
    assert_eq!(v["triggers"], json!([]));
}

#[test]
fn severities_as_bold_lines_and_alerting_rules() {
    let v = json_of("escalation-policy.md");
    let sev: Vec<(String, String, String, u64)> = v["severities"]
        .as_array()
        .expect("severities")
        .iter()
        .map(|s| {
            (
                s["id"].as_str().unwrap().into(),
                s["name"].as_str().unwrap().into(),
                s["respond_within"].as_str().unwrap().into(),
                s["line"].as_u64().unwrap(),
            )
        })
        .collect();
    let want = [
        ("SEV1", "Customer-facing outage", "5m", 5),
        ("SEV2", "Degraded service", "30m", 9),
        ("SEV3", "Internal impact", "next business day", 13),
    ];
    assert_eq!(sev, want.map(|(a, b, c, d)| (a.to_string(), b.to_string(), c.to_string(), d)));
    assert_eq!(v["severities"][0]["description"], "All customers are affected or money is at risk");
    assert_eq!(
        v["triggers"],
        json!([
            { "id": "alert-api-error-rate", "kind": "alert", "context": "Alerting", "when": ["<api-error-rate> > 2% for 10m"], "match": "any",
              "checks": ["<api-error-rate>"], "text": "API error rate above 2% for 10 minutes", "line": 21 },
            { "id": "alert-queue-depth", "kind": "alert", "context": "Alerting", "when": ["<queue-depth> > 10000"], "match": "any",
              "checks": ["<queue-depth>"], "text": "Queue depth over 10,000 messages", "line": 22 },
            { "id": "alert-disk-usage-on-the-primary-database", "kind": "alert", "context": "Alerting",
              "when": ["<disk-usage-on-the-primary-database> > 90%"], "match": "any",
              "checks": ["<disk-usage-on-the-primary-database>"], "text": "Disk usage on the primary database > 90%", "line": 23 },
            { "id": "alert-certificate-expiry", "kind": "alert", "context": "Alerting", "when": ["<certificate-expiry> < 14d"], "match": "any",
              "checks": ["<certificate-expiry>"], "text": "Certificate expiry in less than 14 days", "line": 27 },
        ])
    );
}

#[test]
fn alert_configuration_warning_columns_and_thresholds_in_words() {
    let (code, out, err) = opsdeck(&["import", &fixture("release-monitoring.md")]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        section(&out, "Bands:"),
        [
            "API response time (p95) (line 7): target \"< 1 second\" (parsed as \"< 1s\"), acceptable \"<= 1.5s\" (from Warning \"> 1.5 seconds\"), critical \"> 3 seconds\" (parsed as \"> 3s\")",
            "Search latency (line 8): target \"under 200 ms\" (parsed as \"< 200ms\"), acceptable \"< 400ms\" (from Warning \"400 ms\"), critical \"above 1 second\" (parsed as \"> 1s\")",
            "Error rate (line 9): target \"less than 0.5%\" (parsed as \"< 0.5%\"), acceptable \"<= 1%\" (from Warning \"> 1%\"), critical \"above 5%\" (parsed as \"> 5%\")",
            "Availability (line 10): target \"at least 99.9%\" (parsed as \">= 99.9%\"), acceptable \">= 99.5%\" (from Warning \"< 99.5%\"), critical \"below 99%\" (parsed as \"< 99%\")",
            "Worker backlog (line 11): target \"fewer than 100\" (parsed as \"< 100\"), acceptable \"~500 jobs\" (text only)",
        ]
    );
    assert_eq!(
        section(&out, "Triggers offered"),
        [
            "alert-error-rate (line 18, Critical Alerts (PagerDuty)): <error-rate> > 5% ← \"High error rates (>5%)\"",
            "alert-database-connection (line 19, Critical Alerts (PagerDuty)): <database-connection> > 90% for 5m ← \"Database connections above 90% for 5 minutes\"",
            "alert-error-rate-2 (line 20, Critical Alerts (PagerDuty)): <error-rate> > 5% for 5m or <error-rate> > 10% for 1m ← \"Error rate > 5% for 5 minutes or > 10% for 1 minute\"",
            "alert-response-time (line 24, Warning Alerts (Slack)): <response-time> > 1s ← \"High response times (>1s)\"",
            "alert-cpu (line 25, Warning Alerts (Slack)): <cpu> > 80% for 10m ← \"CPU above 80% for 10 minutes\"",
            "alert-memory-usage (line 26, Warning Alerts (Slack)): <memory-usage> > 85% and <swap-usage> > 20% ← \"Memory usage above 85% and swap usage above 20%\"",
            "rollback-response-time (line 33, Rollback criteria): <response-time> > 5s ← \"Response time > 5 seconds\"",
            "rollback-health-check (line 34, Rollback criteria): <health-check> unreachable 5x ← \"Health check fails 5 times in a row\"",
        ]
    );
    let v = json_of("release-monitoring.md");
    assert_eq!(
        v["bands"][0]["acceptable"],
        json!({ "text": "> 1.5 seconds", "bound": "<= 1.5s", "note": "from Warning \"> 1.5 seconds\"" })
    );
    assert_eq!(v["triggers"][5]["match"], "all");
    assert_eq!(v["triggers"][5]["checks"], json!(["<memory-usage>", "<swap-usage>"]));
    assert!(fragment(&out).contains("match = \"all\"\nmode = \"advise\""), "{out}");
}

/// The fragment pasted under a `[deck]`: rejected with each placeholder named
/// until the placeholders are replaced by the plan's checks, then valid.
#[test]
fn pasted_triggers_are_rejected_until_their_checks_are_bound() {
    let (_, out, _) = opsdeck(&["import", &fixture("oncall-severities.md")]);
    let frag = fragment(&out);
    let dir = tempfile::tempdir().expect("tempdir");
    let checks: String = ["errors", "latency", "health", "payments"]
        .iter()
        .map(|id| format!("[[check]]\nid = \"{id}\"\nhttp = {{ url = \"http://127.0.0.1:9/{id}\" }}\n\n"))
        .collect();
    let plan = dir.path().join("plan.toml");
    std::fs::write(&plan, format!("[deck]\nname = \"Payments\"\n\n{checks}{frag}")).expect("write plan");
    let (code, out, err) = opsdeck(&["check", plan.to_str().expect("utf-8 path")]);
    assert_eq!(code, 1, "{out}{err}");
    let said = format!("{out}{err}");
    for placeholder in ["<error-rate>", "<p95-checkout-latency>", "<health-check>", "<payment-success-rate>"] {
        assert!(said.contains(&format!("unknown check `{placeholder}`; expected one of errors, latency, health, payments")), "{said}");
    }
    let bound = frag
        .replace("<error-rate>", "errors")
        .replace("<p95-checkout-latency>", "latency")
        .replace("<health-check>", "health")
        .replace("<payment-success-rate>", "payments");
    std::fs::write(&plan, format!("[deck]\nname = \"Payments\"\n\n{checks}{bound}")).expect("write plan");
    let (code, out, err) = opsdeck(&["check", plan.to_str().expect("utf-8 path")]);
    assert_eq!(code, 0, "{out}{err}");
}
