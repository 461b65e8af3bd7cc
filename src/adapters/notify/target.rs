//! [`Target`]: one `[[notify]]` entry ready to send: its name on the
//! timeline, its payload format, the subscribed events, and the URL read
//! from the environment variable the plan names. The URL is a secret: it is
//! never shown, logged or recorded (hence no `Debug` that prints it).

use std::fmt;

use opsdeck_core::config::Notify;

/// The payload a target expects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Slack incoming webhook: `{"text": …}`.
    Slack,
    /// Generic JSON webhook: the event as JSON plus a `text` sentence.
    Json,
}

/// A webhook to tell about events.
#[derive(Clone)]
pub struct Target {
    /// How deliveries name it: the entry's `id`, else its variable's name.
    pub name: String,
    pub format: Format,
    /// The environment variable holding the URL.
    pub env: String,
    /// The URL, when the variable is set and not blank.
    pub url: Option<String>,
    /// Subscribed events (`incident.opened`, …).
    pub on: Vec<String>,
}

impl Target {
    /// The target of a validated `[[notify]]` entry, its URL looked up with
    /// `env`; `None` when the entry names no variable.
    pub fn from_config(entry: &Notify, env: &dyn Fn(&str) -> Option<String>) -> Option<Target> {
        let (format, var) = match (&entry.slack_webhook_env, &entry.webhook_env) {
            (Some(var), _) => (Format::Slack, var),
            (None, Some(var)) => (Format::Json, var),
            (None, None) => return None,
        };
        let url = env(var).map(|u| u.trim().to_string()).filter(|u| !u.is_empty());
        let name = entry.id.clone().filter(|id| !id.trim().is_empty()).unwrap_or_else(|| var.clone());
        Some(Target { name, format, env: var.clone(), url, on: entry.on.clone() })
    }

    /// Whether this target wants events of subscribable kind `kind`.
    pub fn wants(&self, kind: &str) -> bool {
        self.on.iter().any(|k| k == kind)
    }
}

impl fmt::Debug for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Target")
            .field("name", &self.name)
            .field("format", &self.format)
            .field("env", &self.env)
            .field("url", &self.url.as_ref().map(|_| "<set>"))
            .field("on", &self.on)
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
        }
    }

    #[test]
    fn names_formats_and_urls() {
        let env = |k: &str| (k == "SLACK_URL").then(|| " https://hooks.example/T/B/secret ".to_string());
        let t = Target::from_config(&entry(None, Some("SLACK_URL"), None), &env).expect("a target");
        assert_eq!((t.name.as_str(), t.format, t.url.as_deref()), ("SLACK_URL", Format::Slack, Some("https://hooks.example/T/B/secret")));
        assert!(t.wants("incident.opened") && !t.wants("incident.status"));
        assert!(!format!("{t:?}").contains("secret"), "the URL is not printed");
        let t = Target::from_config(&entry(Some("status-page"), None, Some("HOOK")), &env).expect("a target");
        assert_eq!((t.name.as_str(), t.format, t.url), ("status-page", Format::Json, None));
        assert!(Target::from_config(&entry(None, None, None), &env).is_none());
    }
}
