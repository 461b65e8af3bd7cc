//! `[[notify]]`: where the room's events are told — a Slack incoming
//! webhook, a generic JSON webhook (optionally signed), PagerDuty's Events
//! API v2, or Grafana annotations — which events (`on`, with a default per
//! kind), and which incidents and triggers (`severities`, `triggers`).
//! Every URL, key and token is read from an environment variable the entry
//! names; only `pagerduty_url` (an endpoint, not a secret) is written inline.

use serde::Deserialize;

/// Journal event kinds a notification can subscribe to.
pub const NOTIFY_EVENTS: [&str; 9] = [
    "incident.opened",
    "incident.acknowledged",
    "incident.severity",
    "incident.status",
    "rollback.proposed",
    "rollback.started",
    "rollback.finished",
    "trigger.fired",
    "marker",
];

/// PagerDuty's default `on`: an incident's whole life (it is the only kind PagerDuty takes).
pub const PAGERDUTY_EVENTS: [&str; 4] = ["incident.opened", "incident.acknowledged", "incident.severity", "incident.status"];

/// Grafana's default `on`: what explains a graph — deploy markers, rollbacks, incidents.
pub const GRAFANA_EVENTS: [&str; 5] = ["marker", "rollback.started", "rollback.finished", "incident.opened", "incident.status"];

/// PagerDuty's Events API v2 endpoint (US service region).
pub const PAGERDUTY_URL: &str = "https://events.pagerduty.com/v2/enqueue";

/// `[[notify]]`: a target told about journal events.
#[derive(Debug, Clone, PartialEq, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Notify {
    pub id: Option<String>,
    /// Slack incoming-webhook URL, read from this environment variable.
    pub slack_webhook_env: Option<String>,
    /// Generic JSON webhook URL, read from this environment variable.
    pub webhook_env: Option<String>,
    /// The HMAC-SHA256 key that signs a `webhook_env` body, from this variable.
    pub secret_env: Option<String>,
    /// A PagerDuty Events API v2 integration's routing key, from this variable.
    pub pagerduty_routing_key_env: Option<String>,
    /// The Events API endpoint, for the EU service region or a proxy
    /// (default [`PAGERDUTY_URL`]).
    pub pagerduty_url: Option<String>,
    /// Grafana's base URL (`https://grafana.example.com`), from this variable.
    pub grafana_url_env: Option<String>,
    /// A Grafana service account token, from this variable.
    pub grafana_token_env: Option<String>,
    /// Subscribed events; empty means the kind's default (PagerDuty and Grafana only).
    #[serde(default)]
    pub on: Vec<String>,
    /// Only incidents of these severities (at the time of the event).
    #[serde(default)]
    pub severities: Vec<String>,
    /// Only firings, proposals and rollbacks of these triggers.
    #[serde(default)]
    pub triggers: Vec<String>,
}

/// What kind of target an entry is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotifyKind {
    Slack,
    Webhook,
    PagerDuty,
    Grafana,
}

impl NotifyKind {
    /// The key that makes an entry this kind.
    pub fn key(self) -> &'static str {
        match self {
            NotifyKind::Slack => "slack_webhook_env",
            NotifyKind::Webhook => "webhook_env",
            NotifyKind::PagerDuty => "pagerduty_routing_key_env",
            NotifyKind::Grafana => "grafana_url_env",
        }
    }

    /// Events sent when `on` is not written; `None`: `on` is required.
    pub fn default_events(self) -> Option<&'static [&'static str]> {
        match self {
            NotifyKind::Slack | NotifyKind::Webhook => None,
            NotifyKind::PagerDuty => Some(&PAGERDUTY_EVENTS),
            NotifyKind::Grafana => Some(&GRAFANA_EVENTS),
        }
    }
}

/// Events that concern an incident (what `severities` filters).
pub fn is_incident_event(kind: &str) -> bool {
    kind.starts_with("incident.")
}

/// Events that concern a trigger (what `triggers` filters).
pub fn is_trigger_event(kind: &str) -> bool {
    kind == "trigger.fired" || kind.starts_with("rollback.")
}

impl Notify {
    /// The kinds this entry's keys make it, in [`NotifyKind`] order
    /// (exactly one for a valid entry).
    pub fn kinds(&self) -> Vec<NotifyKind> {
        [
            (NotifyKind::Slack, &self.slack_webhook_env),
            (NotifyKind::Webhook, &self.webhook_env),
            (NotifyKind::PagerDuty, &self.pagerduty_routing_key_env),
            (NotifyKind::Grafana, &self.grafana_url_env),
        ]
        .into_iter()
        .filter(|(_, var)| var.is_some())
        .map(|(kind, _)| kind)
        .collect()
    }

    /// The entry's kind, when it has exactly one.
    pub fn kind(&self) -> Option<NotifyKind> {
        match self.kinds().as_slice() {
            [one] => Some(*one),
            _ => None,
        }
    }

    /// The events it subscribes to: `on`, or its kind's default when `on` is empty.
    pub fn events(&self) -> Vec<String> {
        match (self.on.is_empty(), self.kind().and_then(NotifyKind::default_events)) {
            (true, Some(defaults)) => defaults.iter().map(|e| e.to_string()).collect(),
            _ => self.on.clone(),
        }
    }

    /// Whether an event of `kind`, about an incident of `severity` (if it
    /// concerns one) or by `trigger` (if it concerns one), passes this entry's routing.
    pub fn routes(&self, kind: &str, severity: Option<&str>, trigger: Option<&str>) -> bool {
        if !self.events().iter().any(|e| e == kind) {
            return false;
        }
        let severity_ok =
            self.severities.is_empty() || !is_incident_event(kind) || severity.is_some_and(|s| self.severities.iter().any(|x| x == s));
        let trigger_ok =
            self.triggers.is_empty() || !is_trigger_event(kind) || trigger.is_some_and(|t| self.triggers.iter().any(|x| x == t));
        severity_ok && trigger_ok
    }

    /// Every environment variable it names, with its key.
    pub fn vars(&self) -> Vec<(&'static str, &str)> {
        [
            ("slack_webhook_env", &self.slack_webhook_env),
            ("webhook_env", &self.webhook_env),
            ("secret_env", &self.secret_env),
            ("pagerduty_routing_key_env", &self.pagerduty_routing_key_env),
            ("grafana_url_env", &self.grafana_url_env),
            ("grafana_token_env", &self.grafana_token_env),
        ]
        .into_iter()
        .filter_map(|(key, var)| var.as_deref().map(|v| (key, v)))
        .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pd() -> Notify {
        Notify { pagerduty_routing_key_env: Some("PD_KEY".into()), severities: vec!["P0".into(), "P1".into()], ..Notify::default() }
    }

    #[test]
    fn kinds_defaults_and_routing() {
        let n = pd();
        assert_eq!(n.kind(), Some(NotifyKind::PagerDuty));
        assert_eq!(n.events(), PAGERDUTY_EVENTS.map(String::from));
        assert!(n.routes("incident.opened", Some("P1"), None));
        assert!(!n.routes("incident.opened", Some("P2"), None), "severity filtered");
        assert!(!n.routes("incident.opened", None, None), "unknown severity is not one of the listed");
        assert!(!n.routes("trigger.fired", None, Some("t")), "not subscribed");
        let hook = Notify {
            webhook_env: Some("HOOK".into()),
            on: vec!["trigger.fired".into(), "rollback.started".into(), "marker".into()],
            triggers: vec!["errors-high".into()],
            ..Notify::default()
        };
        assert!(hook.routes("trigger.fired", None, Some("errors-high")));
        assert!(!hook.routes("rollback.started", None, Some("latency")));
        assert!(!hook.routes("rollback.started", None, None), "a rollback no trigger proposed");
        assert!(hook.routes("marker", None, None), "markers concern no trigger");
        assert_eq!(hook.events().len(), 3);
        let both = Notify { webhook_env: Some("A".into()), slack_webhook_env: Some("B".into()), ..Notify::default() };
        assert_eq!(both.kinds(), [NotifyKind::Slack, NotifyKind::Webhook]);
        assert_eq!(both.kind(), None);
        assert_eq!(Notify { secret_env: Some("S".into()), ..hook }.vars(), [("webhook_env", "HOOK"), ("secret_env", "S")]);
    }
}
