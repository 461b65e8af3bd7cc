//! Masking secret values in a run's cleaned output ([`Secrets`]), safely
//! across read boundaries; which values are secret is
//! [`crate::secrets`]'s call ([`secret_values`] applies its name rule to a
//! run's own environment).
//!
//! Redaction works on cleaned text (ANSI stripped, tabs expanded), one line
//! at a time: a secret value holding a newline is redacted line by line
//! (each of its lines of at least [`MIN_SECRET_CHARS`] characters). A value
//! holding a tab or another control character never matches cleaned text,
//! so it is not masked. URL credentials (`scheme://user:PASS@host`,
//! `?token=…`) are masked by shape on complete lines.

use std::borrow::Cow;

pub use crate::secrets::{MASK, MIN_SECRET_CHARS};

/// The values of the variables whose name looks secret (see
/// [`crate::secrets::is_secret_name`]: `PASS`, `SECRET`, `TOKEN`, `KEY`,
/// `CREDENTIAL` or `AUTH`, in any case), skipping values shorter than
/// [`MIN_SECRET_CHARS`] characters. Each value appears once, in the order
/// first seen.
pub fn secret_values(env: &[(String, String)]) -> Vec<String> {
    let mut values: Vec<String> = Vec::new();
    for (name, value) in env {
        if crate::secrets::is_secret_name(name) && value.chars().count() >= MIN_SECRET_CHARS && !values.contains(value) {
            values.push(value.clone());
        }
    }
    values
}

/// The secret values one run redacts: non-empty, without newlines (a
/// multi-line value contributes each of its long enough lines), no
/// duplicates, longest first (so a secret containing another is masked
/// whole).
#[derive(Debug, Clone, Default)]
pub(crate) struct Secrets {
    values: Vec<String>,
}

impl Secrets {
    pub(crate) fn new(given: &[String]) -> Secrets {
        let mut values: Vec<String> = Vec::new();
        let mut add = |v: &str| {
            if !v.is_empty() && !values.iter().any(|known| known == v) {
                values.push(v.to_string());
            }
        };
        for value in given {
            if value.contains('\n') {
                for line in value.split('\n') {
                    let line = line.strip_suffix('\r').unwrap_or(line);
                    if line.chars().count() >= MIN_SECRET_CHARS {
                        add(line);
                    }
                }
            } else {
                add(value);
            }
        }
        values.sort_by_key(|v| std::cmp::Reverse(v.len()));
        Secrets { values }
    }

    /// `text` with every secret value replaced by [`MASK`].
    pub(crate) fn redact<'a>(&self, text: &'a str) -> Cow<'a, str> {
        let mut out = Cow::Borrowed(text);
        for secret in &self.values {
            if out.contains(secret.as_str()) {
                out = Cow::Owned(out.replace(secret.as_str(), MASK));
            }
        }
        out
    }

    /// A complete line with every secret value and every URL credential
    /// replaced by [`MASK`].
    pub(crate) fn redact_line<'a>(&self, line: &'a str) -> Cow<'a, str> {
        match self.redact(line) {
            Cow::Borrowed(line) => crate::secrets::url::mask_in_text(line),
            Cow::Owned(line) => Cow::Owned(crate::secrets::url::mask_in_text(&line).into_owned()),
        }
    }

    /// Redacts the complete lines `text[from..]` in place, as
    /// [`redact_line`](Self::redact_line) (`from` must be a char boundary).
    pub(crate) fn redact_from(&self, text: &mut String, from: usize) {
        let Some(region) = text.get(from..) else { return };
        if let Cow::Owned(redacted) = self.redact_line(region) {
            text.truncate(from);
            text.push_str(&redacted);
        }
    }

    /// The length of the longest non-empty end of `text` that is the start
    /// (but not the whole) of some secret: where a secret may be cut in two
    /// if the text were cut at its end. Zero when there is none.
    pub(crate) fn dangling_prefix(&self, text: &[u8]) -> usize {
        let Some(&last) = text.last() else { return 0 };
        let mut longest = 0;
        for secret in &self.values {
            let secret = secret.as_bytes();
            let most = (secret.len() - 1).min(text.len());
            for len in (longest + 1..=most).rev() {
                // Cheap filter first: the candidate prefix must end like the text.
                if secret[len - 1] == last && text.ends_with(&secret[..len]) {
                    longest = len;
                    break;
                }
            }
        }
        longest
    }

    /// `text` without its [`dangling_prefix`](Self::dangling_prefix), cut
    /// back to a char boundary.
    pub(crate) fn cut_dangling<'a>(&self, text: &'a str) -> &'a str {
        let mut end = text.len() - self.dangling_prefix(text.as_bytes());
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        &text[..end]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn secret_values_picks_secret_looking_names_in_any_case() {
        let env = env(&[
            ("API_TOKEN", "tok-1234"),
            ("db_password", "hunter22"),
            ("Client_Secret", "s3cr3t!"),
            ("LDAP_PASSWD", "pa55wd"),
            ("SSH_KEY", "AAAAB3Nza"),
            ("AWS_CREDENTIALS", "credcred"),
            ("X_AUTH_HEADER", "Bearer abc"),
            ("DB_PASS", "p4ss-word"),
            ("REGION", "eu-west-1"),
            ("PATH", "/usr/bin"),
        ]);
        assert_eq!(
            secret_values(&env),
            vec!["tok-1234", "hunter22", "s3cr3t!", "pa55wd", "AAAAB3Nza", "credcred", "Bearer abc", "p4ss-word"]
        );
    }

    #[test]
    fn secret_values_ignores_short_values_and_duplicates() {
        let env = env(&[("TOKEN", "abc"), ("KEY", ""), ("SECRET", "abcd"), ("OTHER_SECRET", "abcd"), ("PIN_KEY", "ééé")]);
        assert_eq!(secret_values(&env), vec!["abcd"]);
    }

    #[test]
    fn redact_masks_every_occurrence_longest_first() {
        let s = Secrets::new(&["abcd".into(), "abcdef".into(), String::new()]);
        assert_eq!(s.redact("x abcdef y abcd z abcdabcd"), "x *** y *** z ******");
        assert!(matches!(s.redact("nothing here"), Cow::Borrowed(_)));
        assert!(Secrets::new(&[String::new()]).values.is_empty());
    }

    #[test]
    fn multi_line_secrets_are_masked_line_by_line() {
        let pem = "-----BEGIN KEY-----\r\nMIIEvQIBADAN\nab\nBgkqhkiG9w0B\n".to_string();
        let s = Secrets::new(&[pem]);
        assert_eq!(s.redact("MIIEvQIBADAN"), "***");
        assert_eq!(s.redact("BgkqhkiG9w0B"), "***");
        // Lines too short to be worth masking are left alone.
        assert_eq!(s.redact("ab"), "ab");
    }

    #[test]
    fn redact_from_leaves_the_start_alone() {
        let s = Secrets::new(&["hunter22".into()]);
        let mut text = "hunter22\nx hunter22\n".to_string();
        s.redact_from(&mut text, 9);
        assert_eq!(text, "hunter22\nx ***\n");
    }

    #[test]
    fn dangling_prefix_finds_a_secret_cut_at_the_end() {
        let s = Secrets::new(&["hunter22".into(), "zzzz".into()]);
        assert_eq!(s.dangling_prefix(b"pass=hun"), 3);
        assert_eq!(s.dangling_prefix(b"pass=hunter2"), 7);
        assert_eq!(s.dangling_prefix(b"pass=hunter22"), 0, "a whole secret is not dangling");
        assert_eq!(s.dangling_prefix(b"pass=zz"), 2);
        assert_eq!(s.dangling_prefix(b"pass"), 0);
        assert_eq!(s.dangling_prefix(b""), 0);
        assert_eq!(s.cut_dangling("pass=hunt"), "pass=");
        assert_eq!(Secrets::default().dangling_prefix(b"abc"), 0);
    }

    #[test]
    fn cut_dangling_keeps_char_boundaries() {
        let s = Secrets::new(&["é1234".into()]);
        // "é" is two bytes; the text ends with its first byte only in no
        // valid str, so the prefix found is the whole "é".
        assert_eq!(s.cut_dangling("aé"), "a");
        assert_eq!(s.cut_dangling("aé12"), "a");
    }
}
