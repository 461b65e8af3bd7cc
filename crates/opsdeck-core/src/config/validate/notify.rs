//! Validation of `[[notify]]`: exactly one target kind and the keys that go
//! with it, subscribed events that exist (and that PagerDuty takes),
//! `severities` and `triggers` the plan defines, and a warning for every
//! variable the entry names that is not set here; and a `[[severity]]`'s
//! `pagerduty_severity`.

use super::super::diagnostic::Diagnostics;
use super::super::locate::KeyPath;
use super::super::notify::{NOTIFY_EVENTS, Notify, NotifyKind, PAGERDUTY_EVENTS, is_incident_event};
use super::super::sections::Severity;
use super::Ctx;
use super::procedures::unknown;

/// `pagerduty_severity` of a `[[severity]]` is one PagerDuty knows.
pub fn severity_ok(ctx: &Ctx, i: usize, sev: &Severity, diags: &mut Diagnostics) {
    if let Some(value) = &sev.pagerduty_severity
        && !PAGERDUTY_SEVERITIES.contains(&value.as_str())
    {
        diags.push(ctx.error(
            &KeyPath::item("severity", i).key("pagerduty_severity"),
            format!("unknown PagerDuty severity `{value}`; expected one of {}", PAGERDUTY_SEVERITIES.join(", ")),
        ));
    }
}

const PAGERDUTY_SEVERITIES: [&str; 4] = ["critical", "error", "warning", "info"];

const KIND_KEYS: &str = "`slack_webhook_env`, `webhook_env`, `pagerduty_routing_key_env` or `grafana_url_env`";

pub fn notify_ok(ctx: &Ctx, i: usize, n: &Notify, severity_ids: &[&str], trigger_ids: &[&str], diags: &mut Diagnostics) {
    let at = |k: &str| KeyPath::item("notify", i).key(k);
    let kinds = n.kinds();
    match kinds.as_slice() {
        [] => diags.push(ctx.error(&KeyPath::item("notify", i), format!("notify needs one of {KIND_KEYS}"))),
        [first, second, ..] => diags.push(ctx.error(
            &at(second.key()),
            format!("both `{}` and `{}` are set; expected one target kind per [[notify]]", first.key(), second.key()),
        )),
        [_] => {}
    }
    let kind = n.kind();
    keys_fit(ctx, i, n, kind, diags);
    for (key, var) in n.vars() {
        ctx.env_should_be_set(&at(key), var, "nothing will be sent to this target until it is", diags);
    }
    events_ok(ctx, i, n, kind, diags);
    for (j, sev) in n.severities.iter().enumerate() {
        if !severity_ids.contains(&sev.as_str()) {
            diags.push(ctx.error(&at("severities").index(j), unknown("severity", sev, severity_ids)));
        }
    }
    for (j, t) in n.triggers.iter().enumerate() {
        if !trigger_ids.contains(&t.as_str()) {
            diags.push(ctx.error(&at("triggers").index(j), unknown("trigger", t, trigger_ids)));
        }
    }
}

/// The keys that belong to one kind only are not written on another.
fn keys_fit(ctx: &Ctx, i: usize, n: &Notify, kind: Option<NotifyKind>, diags: &mut Diagnostics) {
    let at = |k: &str| KeyPath::item("notify", i).key(k);
    let Some(kind) = kind else { return };
    if n.secret_env.is_some() && kind != NotifyKind::Webhook {
        diags.push(ctx.error(
            &at("secret_env"),
            format!(
                "`secret_env` signs JSON webhooks (`webhook_env`); a `{}` target does not check signatures. Expected it beside `webhook_env`",
                kind.key()
            ),
        ));
    }
    if let Some(url) = &n.pagerduty_url {
        if kind != NotifyKind::PagerDuty {
            diags.push(ctx.error(&at("pagerduty_url"), "`pagerduty_url` goes with `pagerduty_routing_key_env`"));
        } else if !(url.starts_with("https://") || url.starts_with("http://")) {
            diags.push(ctx.error(
                &at("pagerduty_url"),
                format!("\"{url}\" is not an http(s) URL; expected e.g. \"https://events.eu.pagerduty.com/v2/enqueue\""),
            ));
        }
    }
    match (kind, &n.grafana_token_env) {
        (NotifyKind::Grafana, None) => diags.push(ctx.error(
            &at("grafana_url_env"),
            "a Grafana target needs `grafana_token_env`: the variable holding a service account token that may write annotations",
        )),
        (NotifyKind::Grafana, Some(_)) | (_, None) => {}
        (_, Some(_)) => diags.push(ctx.error(&at("grafana_token_env"), "`grafana_token_env` goes with `grafana_url_env`")),
    }
}

fn events_ok(ctx: &Ctx, i: usize, n: &Notify, kind: Option<NotifyKind>, diags: &mut Diagnostics) {
    let at = |k: &str| KeyPath::item("notify", i).key(k);
    let defaults = kind.and_then(NotifyKind::default_events);
    if n.on.is_empty() && defaults.is_none() && kind.is_some() {
        diags.push(ctx.error(&at("on"), format!("no events; expected some of {}", NOTIFY_EVENTS.join(", "))));
    }
    for (j, event) in n.on.iter().enumerate() {
        if !NOTIFY_EVENTS.contains(&event.as_str()) {
            diags.push(ctx.error(&at("on").index(j), format!("unknown event `{event}`; expected one of {}", NOTIFY_EVENTS.join(", "))));
        } else if kind == Some(NotifyKind::PagerDuty) && !is_incident_event(event) {
            diags.push(ctx.error(
                &at("on").index(j),
                format!("PagerDuty is told about incidents only; expected some of {}", PAGERDUTY_EVENTS.join(", ")),
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::config::{Plan, Source, parse_source};

    const PLAN: &str = r#"
[deck]
name = "notify"
[[check]]
id = "api"
tcp = { address = "127.0.0.1:1" }
[[rollback]]
id = "prev"
run = "true"
[[trigger]]
id = "errors-high"
when = ["api down for 30s"]
propose = "prev"
"#;

    fn load(more: &str, set: &[&str]) -> (Option<Plan>, String) {
        let source = Source::new("p.toml", format!("{PLAN}{more}"));
        let set: Vec<String> = set.iter().map(|s| s.to_string()).collect();
        let (plan, d) = parse_source(&source, &|k| set.iter().any(|s| s == k));
        (plan.filter(|_| d.count(crate::config::Level::Error) == 0), d.render(&[&source]))
    }

    #[test]
    fn each_kind_with_its_keys() {
        let (plan, out) = load(
            "[[notify]]\nid = \"pd\"\npagerduty_routing_key_env = \"PD\"\npagerduty_url = \"http://127.0.0.1:9/v2/enqueue\"\nseverities = [\"P0\", \"P1\"]\n\
             [[notify]]\nid = \"graf\"\ngrafana_url_env = \"G_URL\"\ngrafana_token_env = \"G_TOKEN\"\ntriggers = [\"errors-high\"]\n\
             [[notify]]\nid = \"hook\"\nwebhook_env = \"HOOK\"\nsecret_env = \"HOOK_SECRET\"\non = [\"marker\", \"trigger.fired\"]\n",
            &["PD", "G_URL", "G_TOKEN", "HOOK", "HOOK_SECRET"],
        );
        let plan = plan.unwrap_or_else(|| panic!("{out}"));
        assert_eq!(plan.notify.len(), 3);
        assert_eq!(plan.notify[0].events().len(), 4, "PagerDuty's default events");
        assert!(!out.contains("warning"), "{out}");
    }

    #[test]
    fn wrong_combinations_name_the_key() {
        let (_, out) = load("[[notify]]\nid = \"x\"\nwebhook_env = \"A\"\npagerduty_routing_key_env = \"B\"\n", &["A", "B"]);
        assert!(out.contains("notify[x].pagerduty_routing_key_env: both `webhook_env` and `pagerduty_routing_key_env` are set"), "{out}");
        let (_, out) = load("[[notify]]\nid = \"x\"\nslack_webhook_env = \"A\"\nsecret_env = \"S\"\non = [\"marker\"]\n", &["A", "S"]);
        assert!(out.contains("notify[x].secret_env: `secret_env` signs JSON webhooks (`webhook_env`)"), "{out}");
        let (_, out) = load("[[notify]]\nid = \"x\"\ngrafana_url_env = \"A\"\n", &["A"]);
        assert!(out.contains("notify[x].grafana_url_env: a Grafana target needs `grafana_token_env`"), "{out}");
        let (_, out) = load("[[notify]]\nid = \"x\"\npagerduty_routing_key_env = \"A\"\non = [\"marker\"]\n", &["A"]);
        assert!(out.contains("notify[x].on#1: PagerDuty is told about incidents only"), "{out}");
        let (_, out) = load("[[notify]]\nid = \"x\"\nwebhook_env = \"A\"\n", &["A"]);
        assert!(out.contains("notify[x].on: no events"), "{out}");
        let (_, out) = load("[[notify]]\nid = \"x\"\n", &[]);
        assert!(out.contains("notify[x]: notify needs one of"), "{out}");
    }

    #[test]
    fn routing_names_severities_and_triggers_the_plan_has() {
        let (plan, out) = load(
            "[[notify]]\nid = \"pd\"\npagerduty_routing_key_env = \"PD\"\nseverities = [\"P1\", \"P7\"]\n\
             [[notify]]\nid = \"h\"\nwebhook_env = \"H\"\non = [\"trigger.fired\"]\ntriggers = [\"errors-hgh\"]\n",
            &["PD", "H"],
        );
        assert!(plan.is_none());
        assert!(out.contains("p.toml:17:") && out.contains("p.toml:22:"), "file, line and column: {out}");
        assert!(out.contains("notify[pd].severities#2: unknown severity `P7`; expected one of P0, P1, P2, P3"), "{out}");
        assert!(out.contains("notify[h].triggers#1: unknown trigger `errors-hgh`; expected one of errors-high"), "{out}");
    }

    #[test]
    fn an_unset_variable_is_a_warning_naming_the_entry_and_the_variable() {
        let (plan, out) = load("[[notify]]\nid = \"slack\"\nslack_webhook_env = \"SLACK_URL\"\non = [\"incident.opened\"]\n", &[]);
        assert!(plan.is_some(), "a warning, not an error: {out}");
        assert!(
            out.contains("notify[slack].slack_webhook_env: environment variable `SLACK_URL` is not set; nothing will be sent to this target until it is"),
            "{out}"
        );
    }
}
