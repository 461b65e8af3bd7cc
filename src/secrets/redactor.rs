//! [`Redactor`]: the secret values of this process, collected from the
//! plan and the environment, and masking them in any text or JSON.

use std::borrow::Cow;
use std::fmt;

use serde_json::Value;

use super::names::{is_secret_name, plan_vars};
use super::url::{UrlPart, mask_in_text, url_parts};
use super::{MASK, MIN_SECRET_CHARS};
use opsdeck_core::config::Plan;
use opsdeck_core::config::locate::KeyPath;

/// The secret values to mask, longest first, and the secrets too short to
/// mask. Its `Debug` shows counts, never values.
#[derive(Clone, Default)]
pub struct Redactor {
    /// Unique, at least [`MIN_SECRET_CHARS`] characters, no newline,
    /// longest first (so a secret containing another is masked whole).
    values: Vec<String>,
    unmaskable: Vec<Unmaskable>,
}

/// A secret shorter than [`MIN_SECRET_CHARS`]: left as is, since masking
/// every `ab` would garble output and hide nothing. `opsdeck check` warns
/// about each.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unmaskable {
    /// The variable that holds it.
    pub var: String,
    /// Which part of the variable's value it is.
    pub part: Part,
    /// Where the plan names the variable; `None` when only the process
    /// environment has it.
    pub at: Option<KeyPath>,
}

/// Which part of a variable's value a secret is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Part {
    /// The whole value.
    Value,
    /// The password of the URL it holds.
    UrlPassword,
    /// The value of this query parameter of the URL it holds.
    UrlQuery(String),
}

impl Part {
    /// `the value of`, `the password in`, `the token query value in`: for messages.
    pub fn describe(&self) -> String {
        match self {
            Part::Value => "the value of".into(),
            Part::UrlPassword => "the URL password in".into(),
            Part::UrlQuery(key) => format!("the URL's `{key}` value in"),
        }
    }
}

impl Redactor {
    /// A redactor that knows no values: it masks only URL credentials seen
    /// in text (see [`super::url::mask_in_text`]).
    pub const EMPTY: Redactor = Redactor { values: Vec::new(), unmaskable: Vec::new() };

    /// What is secret given `plan` and the environment `vars` (see the
    /// module doc of [`crate::secrets`] for the rules).
    pub fn build(plan: Option<&Plan>, vars: &[(String, String)]) -> Redactor {
        let mut c = Collect::default();
        for var in plan.map(plan_vars).unwrap_or_default() {
            match &var.inline {
                // Named by an `*_env` key: its value is a secret, whole.
                None => {
                    let Some((_, value)) = vars.iter().find(|(name, _)| *name == var.name) else { continue };
                    c.whole(value, &var.name, Some(&var.at));
                    c.url(value, &var.name, Some(&var.at));
                }
                // An `env` table entry, written in the plan: by name and URL shape.
                Some(value) => {
                    if is_secret_name(&var.name) {
                        c.whole(value, &var.name, Some(&var.at));
                    }
                    c.url(value, &var.name, Some(&var.at));
                }
            }
        }
        for (name, value) in vars {
            if is_secret_name(name) {
                c.whole(value, name, None);
            }
            c.url(value, name, None);
        }
        c.values.sort_by_key(|v| std::cmp::Reverse(v.len()));
        Redactor { values: c.values, unmaskable: c.unmaskable }
    }

    /// [`Redactor::build`] over the process environment.
    pub fn for_process(plan: Option<&Plan>) -> Redactor {
        Redactor::build(plan, &process_vars())
    }

    /// The secret values, longest first (what a command run masks in its output).
    pub fn values(&self) -> &[String] {
        &self.values
    }

    /// The secrets too short to mask, each once, plan-named first.
    pub fn unmaskable(&self) -> &[Unmaskable] {
        &self.unmaskable
    }

    /// `text` with every secret value, and the credentials of every URL in
    /// it, replaced by [`MASK`].
    pub fn redact<'a>(&self, text: &'a str) -> Cow<'a, str> {
        let mut out = Cow::Borrowed(text);
        for secret in &self.values {
            if out.contains(secret.as_str()) {
                out = Cow::Owned(out.replace(secret.as_str(), MASK));
            }
        }
        match out {
            Cow::Borrowed(text) => mask_in_text(text),
            Cow::Owned(text) => match mask_in_text(&text) {
                Cow::Borrowed(_) => Cow::Owned(text),
                Cow::Owned(masked) => Cow::Owned(masked),
            },
        }
    }

    /// Redacts every string in `value`, except those under an object key
    /// listed in `keep` (identifiers other records refer to).
    pub fn redact_json(&self, value: &mut Value, keep: &[&str]) {
        match value {
            Value::String(s) => {
                if let Cow::Owned(redacted) = self.redact(s) {
                    *s = redacted;
                }
            }
            Value::Array(items) => items.iter_mut().for_each(|v| self.redact_json(v, keep)),
            Value::Object(map) => {
                for (key, v) in map.iter_mut() {
                    if !keep.contains(&key.as_str()) {
                        self.redact_json(v, keep);
                    }
                }
            }
            Value::Null | Value::Bool(_) | Value::Number(_) => {}
        }
    }
}

impl fmt::Debug for Redactor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Redactor").field("values", &self.values.len()).field("unmaskable", &self.unmaskable.len()).finish()
    }
}

/// The process environment; names and values that are not UTF-8 are read
/// lossily (a secret is masked as it prints).
pub fn process_vars() -> Vec<(String, String)> {
    std::env::vars_os().map(|(k, v)| (k.to_string_lossy().into_owned(), v.to_string_lossy().into_owned())).collect()
}

#[derive(Default)]
struct Collect {
    values: Vec<String>,
    unmaskable: Vec<Unmaskable>,
}

impl Collect {
    /// `value` (each of its lines, for a multi-line value) is a secret.
    fn whole(&mut self, value: &str, var: &str, at: Option<&KeyPath>) {
        if value.contains('\n') {
            for line in value.split('\n') {
                self.add(line.strip_suffix('\r').unwrap_or(line));
            }
        } else {
            self.secret(value, var, Part::Value, at);
        }
    }

    /// The password and token-like query values of `value`, if it is a URL.
    fn url(&mut self, value: &str, var: &str, at: Option<&KeyPath>) {
        for (part, secret) in url_parts(value) {
            let part = match part {
                UrlPart::Password => Part::UrlPassword,
                UrlPart::Query(key) => Part::UrlQuery(key),
            };
            self.secret(&secret, var, part, at);
        }
    }

    fn secret(&mut self, value: &str, var: &str, part: Part, at: Option<&KeyPath>) {
        let chars = value.chars().count();
        if chars == 0 {
            return;
        }
        if chars < MIN_SECRET_CHARS {
            if !self.unmaskable.iter().any(|u| u.var == var && u.part == part) {
                self.unmaskable.push(Unmaskable { var: var.to_string(), part, at: at.cloned() });
            }
            return;
        }
        self.add(value);
    }

    /// Adds a value long enough to mask, and its trimmed form.
    fn add(&mut self, value: &str) {
        for v in [value, value.trim()] {
            if v.chars().count() >= MIN_SECRET_CHARS && !self.values.iter().any(|known| known == v) {
                self.values.push(v.to_string());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use opsdeck_core::config::{Source, parse_source};

    fn vars(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    fn plan(text: &str) -> Plan {
        let (plan, diags) = parse_source(&Source::new("p.toml", format!("[deck]\nname = \"x\"\n{text}")), &|_| true);
        plan.unwrap_or_else(|| panic!("{}", diags.render(&[])))
    }

    #[test]
    fn plan_named_values_are_masked_whole() {
        let plan = plan(
            "[[check]]\nid = \"api\"\nhttp = { url_env = \"UPSTREAM\", headers_env = { X-Probe = \"PROBE_HEADER\" } }\n\
             [[notify]]\nwebhook_env = \"HOOK\"\non = [\"incident.opened\"]\n",
        );
        let env = vars(&[
            ("UPSTREAM", "http://10.1.2.3/internal"),
            ("PROBE_HEADER", "probe-header-value"),
            ("HOOK", "https://hooks.test/T1/B2/c3"),
            ("OTHER", "not-a-secret"),
        ]);
        let r = Redactor::build(Some(&plan), &env);
        assert_eq!(r.redact("to http://10.1.2.3/internal with probe-header-value"), "to *** with ***");
        assert_eq!(r.redact("posting https://hooks.test/T1/B2/c3 not-a-secret"), "posting *** not-a-secret");
        assert!(r.unmaskable().is_empty());
    }

    #[test]
    fn secret_names_and_url_parts_of_any_variable() {
        let env = vars(&[
            ("DB_PASS", "hunter2-pass"),
            ("DATABASE_URL", "postgres://u:hunter22@h/db?sslmode=require&token=abcd1234"),
            ("api_token", "tok-live-1"),
            ("REGION", "eu-west-1"),
        ]);
        let r = Redactor::build(None, &env);
        assert_eq!(
            r.redact("pass hunter2-pass url postgres://u:hunter22@h/db?sslmode=require&token=abcd1234 tok-live-1 eu-west-1"),
            "pass *** url postgres://u:***@h/db?sslmode=require&token=*** *** eu-west-1"
        );
        // The parts alone, printed elsewhere, are masked too.
        assert_eq!(r.redact("hunter22 abcd1234"), "*** ***");
    }

    #[test]
    fn env_tables_of_the_plan_by_name_and_url_shape_only() {
        let plan = plan(
            "[[runbook]]\nid = \"book\"\nsteps = [{ title = \"t\", run = \"true\" }]\n\
             env = { SERVICE = \"shopfront-api\", DEPLOY_TOKEN = \"tok-deploy-9\", TARGET = \"https://u:pa55word@api.test/?sig=s1g-value\" }\n",
        );
        let r = Redactor::build(Some(&plan), &[]);
        assert_eq!(r.redact("restart shopfront-api with tok-deploy-9"), "restart shopfront-api with ***");
        assert_eq!(r.redact("pa55word s1g-value"), "*** ***");
    }

    #[test]
    fn longest_first_and_multi_line_values() {
        let env = vars(&[("A_KEY", "abcd"), ("B_KEY", "abcdef"), ("PEM_KEY", "-----BEGIN-----\r\nMIIEvQIBADAN\nab\n")]);
        let r = Redactor::build(None, &env);
        assert_eq!(r.redact("x abcdef y abcd z"), "x *** y *** z");
        assert_eq!(r.redact("MIIEvQIBADAN ab"), "*** ab");
        assert!(matches!(r.redact("nothing here"), Cow::Borrowed(_)));
        assert_eq!(r.values().first().map(String::as_str), Some("-----BEGIN-----"));
    }

    #[test]
    fn short_secrets_are_reported_not_masked() {
        let plan = plan("[[check]]\nid = \"api\"\nhttp = { url_env = \"SHORT_URL\" }\n");
        let env = vars(&[("SHORT_URL", "x"), ("DB_PASS", "abc"), ("DSN", "postgres://u:pw@h/db?token=t1"), ("EMPTY_TOKEN", "")]);
        let r = Redactor::build(Some(&plan), &env);
        let short: Vec<(&str, &Part, bool)> = r.unmaskable().iter().map(|u| (u.var.as_str(), &u.part, u.at.is_some())).collect();
        assert_eq!(
            short,
            [
                ("SHORT_URL", &Part::Value, true),
                ("DB_PASS", &Part::Value, false),
                ("DSN", &Part::UrlPassword, false),
                ("DSN", &Part::UrlQuery("token".into()), false),
            ]
        );
        assert_eq!(r.redact("abc x"), "abc x");
        assert!(!format!("{r:?}").contains("abc"), "Debug never shows values");
    }

    #[test]
    fn json_strings_are_redacted_except_kept_keys() {
        let r = Redactor::build(None, &vars(&[("API_TOKEN", "tok-12345")]));
        let mut v = serde_json::json!({"run": "tok-12345", "output": "got tok-12345", "nested": [{"text": "tok-12345"}], "n": 3});
        r.redact_json(&mut v, &["run"]);
        assert_eq!(v, serde_json::json!({"run": "tok-12345", "output": "got ***", "nested": [{"text": "***"}], "n": 3}));
    }

    #[test]
    fn an_empty_redactor_still_masks_url_credentials() {
        assert_eq!(Redactor::EMPTY.redact("postgres://a:b1@h"), "postgres://a:***@h");
    }
}
