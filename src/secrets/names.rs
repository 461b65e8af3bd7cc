//! Which names mark a secret: variable names that look secret, URL query
//! keys that look like tokens, and every environment variable a plan
//! refers to ([`plan_vars`]), with where the plan names it.

use opsdeck_core::config::Plan;
use opsdeck_core::config::check::Probe;
use opsdeck_core::config::locate::KeyPath;

/// Parts of a variable name that mark its value as secret (compared
/// without regard to case). `PASS` covers `PASSWORD`, `PASSWD` and `DB_PASS`.
pub const SECRET_NAME_PARTS: [&str; 6] = ["PASS", "SECRET", "TOKEN", "KEY", "CREDENTIAL", "AUTH"];

/// Parts of a URL query key that mark its value as secret (compared
/// without regard to case): `token`, `access_token`, `api_key`, `sig`,
/// `X-Amz-Signature`, `password`, `auth`, …
const SECRET_QUERY_PARTS: [&str; 6] = ["token", "key", "secret", "pass", "auth", "sig"];

/// True when a variable named `name` holds a secret: its name contains
/// `PASS`, `SECRET`, `TOKEN`, `KEY`, `CREDENTIAL` or `AUTH`, in any case.
///
/// The net is wide on purpose (`MONKEY`, `AUTHOR`, `COMPASS` match too):
/// masking a harmless value costs little, printing a token costs a rotation.
pub fn is_secret_name(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    SECRET_NAME_PARTS.iter().any(|part| upper.contains(part))
}

/// Query keys that look secret but name a file: libpq's `sslkey` is the
/// path of the client key (its passphrase, `sslpassword`, stays masked),
/// and masking it would hide which file an error is about.
const PATH_QUERY_KEYS: [&str; 2] = ["sslkey", "ssl-key"];

/// True when a URL query parameter named `key` carries a secret
/// (`token`, `api_key`, `sig`, `signature`, `password`, `auth`, …).
pub fn is_secret_query_key(key: &str) -> bool {
    let lower = key.to_ascii_lowercase();
    !PATH_QUERY_KEYS.contains(&lower.as_str()) && SECRET_QUERY_PARTS.iter().any(|part| lower.contains(part))
}

/// An environment variable the plan refers to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanVar {
    pub name: String,
    /// The value the plan itself gives it (an `env` table entry); `None`
    /// for a variable named by an `*_env` key, whose value is read from
    /// the environment.
    pub inline: Option<String>,
    /// Where the plan names it (`check[api].http.url_env`,
    /// `runbook[deploy].env.REGION`).
    pub at: KeyPath,
}

/// Every environment variable the plan refers to, in plan order: each
/// `*_env` key (`url_env` of the http, prometheus, postgres and redis
/// checks; each `headers_env` entry of the http and prometheus checks; every `*_env` key
/// of `[[notify]]`: webhook URLs, signing secrets, routing keys, Grafana's URL and token; `url_env` and
/// `headers_env` of alertmanager checks and of `[alertmanager]`) and each entry of an `env` table (command checks,
/// `[[runbook]]`, `[[rollback]]`).
pub fn plan_vars(plan: &Plan) -> Vec<PlanVar> {
    let mut vars = Vec::new();
    let mut named = |name: &str, at: KeyPath| vars.push(PlanVar { name: name.to_string(), inline: None, at });
    for (i, check) in plan.checks.iter().enumerate() {
        let probe = |kind: &str| KeyPath::item("check", i).key(kind);
        match &check.probe {
            Probe::Http(p) => {
                if let Some(var) = &p.url_env {
                    named(var, probe("http").key("url_env"));
                }
                for (header, var) in &p.headers_env {
                    named(var, probe("http").key("headers_env").key(header));
                }
            }
            Probe::Prometheus(p) => {
                if let Some(var) = &p.url_env {
                    named(var, probe("prometheus").key("url_env"));
                }
                for (header, var) in &p.headers_env {
                    named(var, probe("prometheus").key("headers_env").key(header));
                }
            }
            Probe::Postgres(p) => p.url_env.iter().for_each(|var| named(var, probe("postgres").key("url_env"))),
            Probe::Redis(p) => p.url_env.iter().for_each(|var| named(var, probe("redis").key("url_env"))),
            Probe::Alertmanager(p) => {
                if let Some(var) = &p.url_env {
                    named(var, probe("alertmanager").key("url_env"));
                }
                for (header, var) in &p.headers_env {
                    named(var, probe("alertmanager").key("headers_env").key(header));
                }
            }
            Probe::Tcp(_) | Probe::Tls(_) | Probe::Command(_) => {}
        }
    }
    if let Some(am) = &plan.alertmanager {
        if let Some(var) = &am.url_env {
            named(var, KeyPath::from("alertmanager").key("url_env"));
        }
        for (header, var) in &am.headers_env {
            named(var, KeyPath::from("alertmanager").key("headers_env").key(header));
        }
    }
    for (i, n) in plan.notify.iter().enumerate() {
        for (key, var) in n.vars() {
            named(var, KeyPath::item("notify", i).key(key));
        }
    }
    let mut table = |entries: &std::collections::BTreeMap<String, String>, at: KeyPath| {
        for (name, value) in entries {
            vars.push(PlanVar { name: name.clone(), inline: Some(value.clone()), at: at.clone().key(name) });
        }
    };
    for (i, check) in plan.checks.iter().enumerate() {
        if let Probe::Command(c) = &check.probe {
            table(&c.env, KeyPath::item("check", i).key("command").key("env"));
        }
    }
    for (i, book) in plan.runbooks.iter().enumerate() {
        table(&book.env, KeyPath::item("runbook", i).key("env"));
    }
    for (i, rb) in plan.rollbacks.iter().enumerate() {
        table(&rb.env, KeyPath::item("rollback", i).key("env"));
    }
    vars
}

#[cfg(test)]
mod tests {
    use super::*;
    use opsdeck_core::config::{Source, parse_source};

    #[test]
    fn secret_names_in_any_case() {
        for name in ["API_TOKEN", "db_pass", "DB_PASSWORD", "LDAP_PASSWD", "Client_Secret", "SSH_KEY", "AWS_CREDENTIALS", "X_AUTH"] {
            assert!(is_secret_name(name), "{name}");
        }
        for name in ["REGION", "PATH", "DATABASE_URL", "HOME"] {
            assert!(!is_secret_name(name), "{name}");
        }
    }

    #[test]
    fn token_like_query_keys() {
        for key in
            ["token", "access_token", "api_key", "apiKey", "sig", "X-Amz-Signature", "password", "auth", "client_secret", "sslpassword"]
        {
            assert!(is_secret_query_key(key), "{key}");
        }
        for key in ["sslmode", "sslkey", "sslrootcert", "page", "limit", "db"] {
            assert!(!is_secret_query_key(key), "{key}");
        }
    }

    #[test]
    fn every_variable_the_plan_refers_to() {
        let text = r#"
[deck]
name = "x"

[[check]]
id = "api"
http = { url_env = "API_URL", headers_env = { Authorization = "API_AUTH" } }

[[check]]
id = "prom"
prometheus = { url_env = "PROM_URL", query = "up", headers_env = { "X-Scope-OrgID" = "PROM_TENANT" } }

[[check]]
id = "db"
postgres = { url_env = "DATABASE_URL", metric = "up" }

[[check]]
id = "queue"
redis = { url_env = "REDIS_URL", metric = "up" }

[[check]]
id = "cmd"
command = { run = "true", env = { CMD_MODE = "fast" } }

[[runbook]]
id = "book"
env = { REGION = "eu" }
steps = [{ title = "t", run = "true" }]

[[rollback]]
id = "back"
run = "true"
env = { ROLLBACK_TO = "v1" }

[[notify]]
slack_webhook_env = "SLACK_URL"
on = ["incident.opened"]

[[notify]]
webhook_env = "HOOK_URL"
on = ["incident.opened"]
"#;
        let (plan, diags) = parse_source(&Source::new("p.toml", text), &|_| true);
        let plan = plan.unwrap_or_else(|| panic!("{}", diags.render(&[])));
        let vars = plan_vars(&plan);
        let names: Vec<(&str, Option<&str>)> = vars.iter().map(|v| (v.name.as_str(), v.inline.as_deref())).collect();
        assert_eq!(
            names,
            [
                ("API_URL", None),
                ("API_AUTH", None),
                ("PROM_URL", None),
                ("PROM_TENANT", None),
                ("DATABASE_URL", None),
                ("REDIS_URL", None),
                ("SLACK_URL", None),
                ("HOOK_URL", None),
                ("CMD_MODE", Some("fast")),
                ("REGION", Some("eu")),
                ("ROLLBACK_TO", Some("v1")),
            ]
        );
        assert_eq!(vars[1].at, KeyPath::item("check", 0).key("http").key("headers_env").key("Authorization"));
        assert_eq!(vars[3].at, KeyPath::item("check", 1).key("prometheus").key("headers_env").key("X-Scope-OrgID"));
        assert_eq!(vars[9].at, KeyPath::item("runbook", 0).key("env").key("REGION"));
    }

    #[test]
    fn alertmanager_variables_are_the_plans_too() {
        let text = r#"
[deck]
name = "x"
[[check]]
id = "paging"
alertmanager = { url_env = "AM_PROBE_URL", headers_env = { Authorization = "AM_PROBE_TOKEN" } }
[alertmanager]
url_env = "AM_URL"
headers_env = { "X-Scope-OrgID" = "AM_TENANT" }
"#;
        let (plan, diags) = parse_source(&Source::new("p.toml", text), &|_| true);
        let plan = plan.unwrap_or_else(|| panic!("{}", diags.render(&[])));
        let vars = plan_vars(&plan);
        let names: Vec<&str> = vars.iter().map(|v| v.name.as_str()).collect();
        assert_eq!(names, ["AM_PROBE_URL", "AM_PROBE_TOKEN", "AM_URL", "AM_TENANT"]);
        assert_eq!(vars[3].at, KeyPath::from("alertmanager").key("headers_env").key("X-Scope-OrgID"));
    }
}
