//! [`Target`]: one `[[notify]]` entry ready to send: its name on the
//! timeline, its payload format, its routing (the entry itself), and the
//! [`Endpoint`] read from the environment variables the plan names. URLs,
//! signing secrets, routing keys and tokens are secrets: they are never
//! shown, logged or recorded (hence no `Debug` that prints them).

use std::fmt;

use opsdeck_core::config::Notify;
use opsdeck_core::config::notify::{NotifyKind, PAGERDUTY_URL};

use super::classify::Notice;

/// The payload a target expects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Slack incoming webhook: `{"text": …}`.
    Slack,
    /// Generic JSON webhook: the event as JSON plus a `text` sentence.
    Json,
    /// PagerDuty Events API v2: trigger, acknowledge, resolve.
    PagerDuty,
    /// Grafana annotations.
    Grafana,
}

/// How a request proves who sends it.
#[derive(Clone, PartialEq, Eq)]
pub enum Auth {
    None,
    /// HMAC-SHA256 signature headers over timestamp and body, with this key.
    Signed(String),
    /// `Authorization: Bearer <token>`.
    Bearer(String),
    /// PagerDuty's `routing_key`, set in the body as it is sent.
    RoutingKey(String),
}

/// Where and how to send: every part a secret.
#[derive(Clone, PartialEq, Eq)]
pub struct Endpoint {
    pub url: String,
    pub auth: Auth,
}

/// A target to tell about events.
#[derive(Clone)]
pub struct Target {
    /// How deliveries name it: the entry's `id`, else its variable's name.
    pub name: String,
    pub format: Format,
    /// The entry: subscribed events and routing.
    pub entry: Notify,
    /// Variables it needs that are not set (blank counts as unset).
    pub missing: Vec<String>,
    /// Where to send, when every variable it needs is set.
    pub endpoint: Option<Endpoint>,
}

impl Target {
    /// The target of a validated `[[notify]]` entry, its secrets looked up
    /// with `env`; `None` when the entry has no single kind.
    pub fn from_config(entry: &Notify, env: &dyn Fn(&str) -> Option<String>) -> Option<Target> {
        let kind = entry.kind()?;
        let var = entry.vars().into_iter().find(|(key, _)| *key == kind.key()).map(|(_, v)| v.to_string())?;
        let read = |var: &str| env(var).map(|v| v.trim().to_string()).filter(|v| !v.is_empty());
        let missing: Vec<String> = entry.vars().into_iter().filter(|(_, v)| read(v).is_none()).map(|(_, v)| v.to_string()).collect();
        let value = |v: &Option<String>| v.as_deref().and_then(read);
        let endpoint = match kind {
            NotifyKind::Slack => value(&entry.slack_webhook_env).map(|url| Endpoint { url, auth: Auth::None }),
            NotifyKind::Webhook => value(&entry.webhook_env).map(|url| {
                let auth = value(&entry.secret_env).map_or(Auth::None, Auth::Signed);
                Endpoint { url, auth }
            }),
            NotifyKind::PagerDuty => value(&entry.pagerduty_routing_key_env).map(|key| {
                let url = entry.pagerduty_url.clone().unwrap_or_else(|| PAGERDUTY_URL.to_string());
                Endpoint { url, auth: Auth::RoutingKey(key) }
            }),
            NotifyKind::Grafana => value(&entry.grafana_url_env).zip(value(&entry.grafana_token_env)).map(|(base, token)| Endpoint {
                url: format!("{}/api/annotations", base.trim_end_matches('/')),
                auth: Auth::Bearer(token),
            }),
        }
        .filter(|_| missing.is_empty());
        let format = match kind {
            NotifyKind::Slack => Format::Slack,
            NotifyKind::Webhook => Format::Json,
            NotifyKind::PagerDuty => Format::PagerDuty,
            NotifyKind::Grafana => Format::Grafana,
        };
        let name = entry.id.clone().filter(|id| !id.trim().is_empty()).unwrap_or(var);
        Some(Target { name, format, entry: entry.clone(), missing, endpoint })
    }

    /// Whether this target wants `notice`: subscribed, and through its routing.
    pub fn wants(&self, notice: &Notice) -> bool {
        let severity = notice.incident.as_ref().map(|i| i.severity.as_str());
        self.entry.routes(&notice.kind, severity, notice.trigger.as_deref())
    }

    /// Why nothing is sent to it, when something is missing:
    /// `env SLACK_URL is not set`.
    pub fn unset(&self) -> Option<String> {
        match self.missing.as_slice() {
            [] => None,
            [one] => Some(format!("env {one} is not set")),
            many => Some(format!("env {} are not set", many.join(", "))),
        }
    }
}

impl fmt::Debug for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Target")
            .field("name", &self.name)
            .field("format", &self.format)
            .field("missing", &self.missing)
            .field("endpoint", &self.endpoint.as_ref().map(|_| "<set>"))
            .field("on", &self.entry.events())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(id: Option<&str>, slack: Option<&str>, webhook: Option<&str>) -> Notify {
        Notify {
            id: id.map(str::to_string),
            slack_webhook_env: slack.map(str::to_string),
            webhook_env: webhook.map(str::to_string),
            on: vec!["incident.opened".into()],
            ..Notify::default()
        }
    }

    fn notice(kind: &str) -> Notice {
        Notice { kind: kind.into(), emoji: ":bell:", text: String::new(), incident: None, trigger: None }
    }

    #[test]
    fn names_formats_and_urls() {
        let env = |k: &str| match k {
            "SLACK_URL" => Some(" https://hooks.example/T/B/secret ".to_string()),
            "G_URL" => Some("https://grafana.example/".to_string()),
            "G_TOKEN" => Some("glsa_secret".to_string()),
            "PD" => Some("routing-secret".to_string()),
            _ => None,
        };
        let t = Target::from_config(&entry(None, Some("SLACK_URL"), None), &env).expect("a target");
        let url = t.endpoint.as_ref().map(|e| e.url.as_str());
        assert_eq!((t.name.as_str(), t.format, url), ("SLACK_URL", Format::Slack, Some("https://hooks.example/T/B/secret")));
        assert!(t.wants(&notice("incident.opened")) && !t.wants(&notice("incident.status")));
        assert!(!format!("{t:?}").contains("secret"), "the URL is not printed");
        let t = Target::from_config(&entry(Some("status-page"), None, Some("HOOK")), &env).expect("a target");
        assert_eq!((t.name.as_str(), t.format, t.endpoint.is_none()), ("status-page", Format::Json, true));
        assert_eq!(t.unset().as_deref(), Some("env HOOK is not set"));
        assert!(Target::from_config(&entry(None, None, None), &env).is_none());

        let signed = Notify { secret_env: Some("HOOK_SECRET".into()), ..entry(None, None, Some("SLACK_URL")) };
        let t = Target::from_config(&signed, &env).expect("a target");
        assert!(t.endpoint.is_none(), "a signed webhook whose secret is unset sends nothing unsigned");
        assert_eq!(t.unset().as_deref(), Some("env HOOK_SECRET is not set"));

        let grafana = Notify { grafana_url_env: Some("G_URL".into()), grafana_token_env: Some("G_TOKEN".into()), ..Notify::default() };
        let t = Target::from_config(&grafana, &env).expect("a target");
        let e = t.endpoint.clone().expect("endpoint");
        assert_eq!((t.name.as_str(), e.url.as_str()), ("G_URL", "https://grafana.example/api/annotations"));
        assert!(e.auth == Auth::Bearer("glsa_secret".into()));
        assert!(t.wants(&notice("marker")), "Grafana's default events");

        let pd = Notify { pagerduty_routing_key_env: Some("PD".into()), ..Notify::default() };
        let e = Target::from_config(&pd, &env).and_then(|t| t.endpoint).expect("endpoint");
        assert_eq!(e.url, PAGERDUTY_URL);
        assert!(e.auth == Auth::RoutingKey("routing-secret".into()));
    }
}
