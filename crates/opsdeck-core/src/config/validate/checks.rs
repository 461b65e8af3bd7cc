//! Validation of `[[check]]` entries: probe settings, units and bands, secrets.

use super::super::band::BandError;
use super::super::check::{Check, CommandOutput, CommandProbe, Probe, PrometheusProbe};
use super::super::diagnostic::Diagnostics;
use super::super::locate::KeyPath;
use super::super::units::{self, Unit};
use super::Ctx;
use super::secrets::url_has_password;
use crate::json_assert::Assertion;
use crate::metrics::selector::Selector;

const HTTP_METHODS: [&str; 7] = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"];

pub fn check_ok(ctx: &Ctx, i: usize, c: &Check, diags: &mut Diagnostics) {
    let at = |k: &str| KeyPath::item("check", i).key(k);
    let kind = c.probe.kind();
    let probe_at = |k: &str| at(kind).key(k);

    for (key, n) in [("raise_after", c.raise_after), ("clear_after", c.clear_after)] {
        if n == Some(0) {
            diags.push(ctx.error(&at(key), format!("`{key}` is 0; expected a count of evaluations, at least 1")));
        }
    }

    let unit = match c.unit.as_deref() {
        Some(sym) => match Unit::parse(sym) {
            Some(u) => Some(u),
            None => {
                diags.push(ctx.error(&at("unit"), format!("unknown unit `{sym}`; expected one of {}", units::known_symbols())));
                return;
            }
        },
        None => Unit::implied_by_name(c.value_name()),
    };
    if let Some(band) = &c.band
        && let Err(errors) = band.resolve(unit)
    {
        for BandError { field, message } in errors {
            let path = if field.is_empty() { at("band") } else { at("band").key(field) };
            diags.push(ctx.error(&path, message));
        }
    }

    match &c.probe {
        _ if c.assert.is_empty() => {}
        Probe::Http(_) | Probe::Command(CommandProbe { output: CommandOutput::Json, .. }) => {
            for (j, a) in c.assert.iter().enumerate() {
                if let Err(e) = Assertion::parse(a) {
                    diags.push(ctx.error(&at("assert").index(j), e));
                }
            }
        }
        Probe::Command(_) => diags.push(ctx.error(&at("assert"), "`assert` on a command check needs `output = \"json\"`")),
        _ => diags.push(ctx.error(&at("assert"), format!("`assert` applies to http and command checks; this is a {kind} check"))),
    }

    // Probes that reach a service by URL: exactly one of url / url_env.
    if let Some((url, url_env)) = c.url_target() {
        match (url, url_env) {
            (Some(_), Some(_)) => diags.push(ctx.error(&probe_at("url_env"), "both `url` and `url_env` are set; expected one of them")),
            (None, None) => diags.push(ctx.error(&at(kind), format!("{kind} check needs `url` or `url_env`"))),
            (Some(u), None) if url_has_password(u) => diags.push(ctx.warning(
                &probe_at("url"),
                "URL contains a password; keep secrets out of the plan: put the URL in an environment variable and use `url_env`",
            )),
            (None, Some(var)) => ctx.env_should_be_set(&probe_at("url_env"), var, "the check will show UNKNOWN until it is", diags),
            _ => {}
        }
        if let (Some(u), None) = (url, url_env) {
            super::timing::url_ok(ctx, &probe_at("url"), u, diags);
        }
    }

    match &c.probe {
        Probe::Http(h) => {
            if !HTTP_METHODS.contains(&h.method.to_ascii_uppercase().as_str()) {
                diags.push(ctx.error(
                    &probe_at("method"),
                    format!("unknown HTTP method `{}`; expected one of {}", h.method, HTTP_METHODS.join(", ")),
                ));
            }
            if let Some(s) = h.status
                && !(100..=599).contains(&s)
            {
                diags.push(ctx.error(&probe_at("status"), format!("status {s} is not an HTTP status; expected 100 to 599")));
            }
            if let Some(size) = &h.max_body
                && let Err(e) = units::parse_bytes(size)
            {
                diags.push(ctx.error(&probe_at("max_body"), e));
            }
            for (header, var) in &h.headers_env {
                ctx.env_should_be_set(&probe_at("headers_env").key(header), var, "the check will show UNKNOWN until it is", diags);
            }
        }
        Probe::Prometheus(p) => {
            for (header, var) in &p.headers_env {
                ctx.env_should_be_set(&probe_at("headers_env").key(header), var, "the check will show UNKNOWN until it is", diags);
            }
            prometheus_ok(ctx, i, p, diags);
        }
        Probe::Postgres(p) => {
            if p.metric.is_some() == p.sql.is_some() {
                diags.push(ctx.error(&at(kind), "postgres check needs exactly one of `metric` or `sql`"));
            }
            super::tls::postgres_ok(ctx, &at(kind), p, diags);
        }
        Probe::Redis(r) => {
            let set = [r.metric.is_some(), r.queue.is_some(), r.command.is_some()].iter().filter(|b| **b).count();
            if set != 1 {
                diags.push(ctx.error(&at(kind), "redis check needs exactly one of `metric`, `queue` or `command`"));
            }
            if r.count.is_some() && r.queue.is_none() {
                diags.push(ctx.error(&probe_at("count"), "`count` applies to a `queue`"));
            }
            if r.command.as_ref().is_some_and(|c| c.is_empty()) {
                diags.push(ctx.error(&probe_at("command"), "empty command; expected words like [\"LLEN\", \"jobs\"]"));
            }
            super::tls::redis_ok(ctx, &at(kind), r, diags);
        }
        Probe::Tcp(t) => {
            if t.address.rsplit_once(':').is_none_or(|(_, port)| port.parse::<u16>().is_err()) {
                diags.push(ctx.error(&probe_at("address"), format!("address \"{}\" has no port; expected \"host:port\"", t.address)));
            }
        }
        Probe::Tls(_) => {}
        Probe::Alertmanager(a) => super::alertmanager::probe_ok(ctx, i, a, diags),
        Probe::Command(cmd) => {
            if cmd.run.trim().is_empty() {
                diags.push(ctx.error(&probe_at("run"), "empty command; expected a shell command"));
            }
        }
    }
}

/// A prometheus check: `query` or `scrape` (with its `metric`), not both.
fn prometheus_ok(ctx: &Ctx, i: usize, p: &PrometheusProbe, diags: &mut Diagnostics) {
    let at = |k: &str| KeyPath::item("check", i).key(k);
    let kind = "prometheus";
    let probe_at = |k: &str| at(kind).key(k);
    match (&p.query, &p.scrape) {
        (Some(_), Some(_)) => diags.push(ctx.error(&probe_at("scrape"), "both `query` and `scrape` are set; expected one of them")),
        (None, None) => {
            diags.push(ctx.error(&at(kind), "prometheus check needs `query` (PromQL via the HTTP API) or `scrape` (a /metrics URL)"))
        }
        (None, Some(scrape)) => {
            super::timing::url_ok(ctx, &probe_at("scrape"), scrape, diags);
            match &p.metric {
                None => diags.push(ctx.error(&at(kind), "`scrape` needs `metric`, the series to read")),
                // The parser the scrape probe uses: what passes here works there.
                Some(metric) => {
                    if let Err(e) = Selector::parse(metric) {
                        diags.push(ctx.error(&probe_at("metric"), format!("invalid metric selector: {e}")));
                    }
                }
            }
            if p.url.is_some() || p.url_env.is_some() {
                diags.push(ctx.error(
                    &probe_at(if p.url.is_some() { "url" } else { "url_env" }),
                    "`url` is for `query`; a scrape reads the `scrape` URL",
                ));
            }
            if let Some(q) = p.quantile
                && !(0.0..=1.0).contains(&q)
            {
                diags.push(ctx.error(&probe_at("quantile"), format!("quantile {q} is outside 0..1")));
            }
        }
        (Some(_), None) => {}
    }
}

#[cfg(test)]
mod tests {
    use crate::config::{Source, parse_source};

    /// What `opsdeck check` says of a plan with one prometheus check, with
    /// no environment variable set.
    fn said(prometheus: &str) -> String {
        let text = format!("[deck]\nname = \"p\"\n[[check]]\nid = \"prom\"\nprometheus = {prometheus}\n");
        let source = Source::new("p.toml", text);
        let (_, d) = parse_source(&source, &|_| false);
        d.render(&[&source])
    }

    #[test]
    fn prometheus_headers_env_and_selectors() {
        let out = said(r#"{ url = "http://prom:9090", query = "up", headers_env = { "X-Scope-OrgID" = "PROM_TENANT" } }"#);
        assert!(
            out.contains("p.toml:5:")
                && out.contains("check[prom].prometheus.headers_env.X-Scope-OrgID: environment variable `PROM_TENANT` is not set"),
            "{out}"
        );
        let out = said(
            r#"{ scrape = "http://app:9100/metrics", metric = 'errors_total{code=~"5..", job!~"canary|test"}', headers_env = { Authorization = "PROM_TOKEN" } }"#,
        );
        assert!(out.contains("environment variable `PROM_TOKEN` is not set") && !out.contains(": error:"), "{out}");
        let out = said(r#"{ scrape = "http://app:9100/metrics", metric = 'errors_total{code=~"[5"}' }"#);
        assert!(out.contains("p.toml:5:61: error: check[prom].prometheus.metric: invalid metric selector: invalid regex \"[5\" for label \"code\": unclosed character class"), "{out}");
        let out = said(r#"{ scrape = "http://app:9100/metrics", metric = 'errors_total{code~"5"}' }"#);
        assert!(
            out.contains("check[prom].prometheus.metric: invalid metric selector: expected =, !=, =~ or !~ after label \"code\""),
            "{out}"
        );
    }
}
