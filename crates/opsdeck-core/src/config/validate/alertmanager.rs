//! Validation of what the plan says about Alertmanager: an `alertmanager`
//! probe's `filter` and `headers_env`, the `[alertmanager]` table, and the
//! `silence_matchers` of checks and triggers. Matchers are read by the same
//! parser the probe and the mirror use, so one that passes `check` works.

use std::collections::BTreeMap;

use super::super::alertmanager::{AlertmanagerProbe, AlertmanagerTable};
use super::super::diagnostic::Diagnostics;
use super::super::locate::KeyPath;
use super::Ctx;
use super::secrets::url_has_password;
use crate::metrics::selector::Matcher;

const UNSET_PROBE: &str = "the check will show UNKNOWN until it is";
const UNSET_TABLE: &str = "silences will not be mirrored to Alertmanager until it is";

/// An `alertmanager` probe (its `url`/`url_env` are checked with every URL probe's).
pub fn probe_ok(ctx: &Ctx, i: usize, p: &AlertmanagerProbe, diags: &mut Diagnostics) {
    let at = KeyPath::item("check", i).key("alertmanager");
    matchers_ok(ctx, &at.clone().key("filter"), &p.filter, diags);
    headers_ok(ctx, &at.key("headers_env"), &p.headers_env, UNSET_PROBE, diags);
}

/// The `[alertmanager]` table: exactly one of `url` / `url_env`, a valid
/// URL, secrets in the environment.
pub fn table_ok(ctx: &Ctx, t: &AlertmanagerTable, diags: &mut Diagnostics) {
    let at = |k: &str| KeyPath::from("alertmanager").key(k);
    match (&t.url, &t.url_env) {
        (Some(_), Some(_)) => diags.push(ctx.error(&at("url_env"), "both `url` and `url_env` are set; expected one of them")),
        (None, None) => diags.push(ctx.error(&KeyPath::from("alertmanager"), "`[alertmanager]` needs `url` or `url_env`")),
        (Some(u), None) => {
            if url_has_password(u) {
                diags.push(ctx.warning(
                    &at("url"),
                    "URL contains a password; keep secrets out of the plan: put the URL in an environment variable and use `url_env`",
                ));
            }
            super::timing::url_ok(ctx, &at("url"), u, diags);
        }
        (None, Some(var)) => ctx.env_should_be_set(&at("url_env"), var, UNSET_TABLE, diags),
    }
    headers_ok(ctx, &at("headers_env"), &t.headers_env, UNSET_TABLE, diags);
}

/// `silence_matchers` of a check or trigger at `at`: each reads, and they
/// mean something only with an `[alertmanager]` table to mirror to.
pub fn silence_matchers_ok(ctx: &Ctx, at: &KeyPath, matchers: &[String], has_table: bool, diags: &mut Diagnostics) {
    if matchers.is_empty() {
        return;
    }
    matchers_ok(ctx, at, matchers, diags);
    if !has_table {
        diags.push(ctx.warning(at, "`silence_matchers` are mirrored only to an `[alertmanager]` table, and the plan has none"));
    }
}

fn matchers_ok(ctx: &Ctx, at: &KeyPath, matchers: &[String], diags: &mut Diagnostics) {
    for (j, m) in matchers.iter().enumerate() {
        if let Err(e) = Matcher::parse(m) {
            diags.push(ctx.error(&at.clone().index(j), format!("invalid matcher: {e}; expected label=\"value\" (or !=, =~, !~)")));
        }
    }
}

fn headers_ok(ctx: &Ctx, at: &KeyPath, headers_env: &BTreeMap<String, String>, consequence: &str, diags: &mut Diagnostics) {
    for (header, var) in headers_env {
        ctx.env_should_be_set(&at.clone().key(header), var, consequence, diags);
    }
}

#[cfg(test)]
mod tests {
    use crate::config::{Source, parse_source};

    /// What `opsdeck check` says of `text` after a `[deck]`, with no
    /// environment variable set.
    fn said(text: &str) -> String {
        let source = Source::new("p.toml", format!("[deck]\nname = \"p\"\n{text}"));
        let (_, d) = parse_source(&source, &|_| false);
        d.render(&[&source])
    }

    #[test]
    fn probe_filter_and_headers() {
        let ok = said(
            "[[check]]\nid = \"am\"\nalertmanager = { url = \"http://am:9093\", filter = ['severity=\"critical\"', 'service=~\"api|web\"'] }\n",
        );
        assert!(!ok.contains("error") && !ok.contains("warning"), "{ok}");
        let out = said("[[check]]\nid = \"am\"\nalertmanager = { url = \"http://am:9093\", filter = ['severity=~\"(crit\"'] }\n");
        assert!(
            out.contains("p.toml:5:52: error: check[am].alertmanager.filter#1: invalid matcher: invalid regex \"(crit\" for label \"severity\": unclosed group"),
            "{out}"
        );
        let out = said("[[check]]\nid = \"am\"\nalertmanager = { url_env = \"AM_URL\", headers_env = { Authorization = \"AM_TOKEN\" } }\n");
        assert!(
            out.contains("environment variable `AM_URL` is not set") && out.contains("alertmanager.headers_env.Authorization"),
            "{out}"
        );
        let out = said("[[check]]\nid = \"am\"\nalertmanager = { filter = [] }\n");
        assert!(out.contains("error: check[am].alertmanager: alertmanager check needs `url` or `url_env`"), "{out}");
        let out = said("[[check]]\nid = \"am\"\nalertmanager = { url = \"http://am:9093\", matchers = [] }\n");
        assert!(out.contains("unknown field `matchers`"), "{out}");
    }

    #[test]
    fn table_and_silence_matchers() {
        let check = "[[check]]\nid = \"api\"\ntcp = { address = \"a:1\" }\nsilence_matchers = ['alertname=\"HighLatency\"']\n";
        let out = said(check);
        assert!(
            out.contains("warning: check[api].silence_matchers: `silence_matchers` are mirrored only to an `[alertmanager]` table"),
            "{out}"
        );
        let out = said(&format!("{check}[alertmanager]\nurl = \"http://am:9093\"\n"));
        assert!(!out.contains("warning") && !out.contains("error"), "{out}");
        let out = said("[alertmanager]\nurl = \"http://am:9093\"\nurl_env = \"AM\"\n");
        assert!(out.contains("error: alertmanager.url_env: both `url` and `url_env` are set"), "{out}");
        let out = said("[alertmanager]\nuri = \"http://am:9093\"\n");
        assert!(out.contains("unknown field `uri`"), "{out}");
        let out = said("[alertmanager]\nurl_env = \"AM_URL\"\n");
        assert!(
            out.contains("warning: alertmanager.url_env: environment variable `AM_URL` is not set; silences will not be mirrored"),
            "{out}"
        );
        let out = said(
            "[[check]]\nid = \"api\"\ntcp = { address = \"a:1\" }\n[[trigger]]\nid = \"t\"\nwhen = [\"api critical for 1m\"]\nsilence_matchers = ['alertname']\n[alertmanager]\nurl = \"http://am:9093\"\n",
        );
        assert!(
            out.contains("error: trigger[t].silence_matchers#1: invalid matcher: expected =, !=, =~ or !~ after label \"alertname\""),
            "{out}"
        );
    }
}
