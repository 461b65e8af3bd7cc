//! Validation of the TLS settings of the store probes: a redis check's
//! `ca_file`, `cert_file` and `key_file` (files that exist, a certificate
//! with its key, a `rediss://` URL to use them on), and the `sslmode` and
//! certificate files written in a postgres check's inline URL.

use super::super::check::{PostgresProbe, RedisProbe};
use super::super::diagnostic::Diagnostics;
use super::super::locate::KeyPath;
use super::Ctx;
use super::procedures::file_exists;

/// The `sslmode` values libpq knows.
pub const SSL_MODES: [&str; 6] = ["disable", "allow", "prefer", "require", "verify-ca", "verify-full"];

pub fn redis_ok(ctx: &Ctx, at: &KeyPath, r: &RedisProbe, diags: &mut Diagnostics) {
    let files = [("ca_file", &r.ca_file), ("cert_file", &r.cert_file), ("key_file", &r.key_file)];
    for (key, file) in files {
        if let Some(file) = file {
            file_exists(ctx, &at.clone().key(key), file, diags);
        }
    }
    match (&r.cert_file, &r.key_file) {
        (Some(_), None) => {
            diags.push(ctx.error(&at.clone().key("cert_file"), "`cert_file` needs `key_file`, the client certificate's private key"))
        }
        (None, Some(_)) => diags.push(ctx.error(&at.clone().key("key_file"), "`key_file` needs `cert_file`, the client certificate")),
        _ => {}
    }
    if let Some(url) = &r.url
        && !url.starts_with("rediss://")
        && let Some((key, _)) = files.iter().find(|(_, f)| f.is_some())
    {
        diags.push(ctx.error(&at.clone().key(key), format!("`{key}` is for TLS; the URL must start with rediss://")));
    }
}

pub fn postgres_ok(ctx: &Ctx, at: &KeyPath, p: &PostgresProbe, diags: &mut Diagnostics) {
    let Some(url) = &p.url else { return };
    let Ok(parsed) = url::Url::parse(url) else { return };
    for (key, value) in parsed.query_pairs() {
        match key.as_ref() {
            "sslmode" | "ssl-mode" if !SSL_MODES.contains(&value.as_ref()) => diags
                .push(ctx.error(&at.clone().key("url"), format!("unknown sslmode `{value}`; expected one of {}", SSL_MODES.join(", ")))),
            "sslrootcert" | "ssl-root-cert" | "ssl-ca" if value != "system" => {
                file_exists(ctx, &at.clone().key("url"), std::path::Path::new(value.as_ref()), diags)
            }
            "sslcert" | "ssl-cert" | "sslkey" | "ssl-key" => {
                file_exists(ctx, &at.clone().key("url"), std::path::Path::new(value.as_ref()), diags)
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::config::{Source, parse_source};

    fn said(check: &str) -> String {
        let text = format!("[deck]\nname = \"p\"\n[[check]]\nid = \"c\"\n{check}\n");
        let source = Source::new("p.toml", text);
        let (_, d) = parse_source(&source, &|_| false);
        d.render(&[&source])
    }

    #[test]
    fn redis_tls_files() {
        let out = said(r#"redis = { url = "rediss://r:6380", metric = "up", cert_file = "c.pem" }"#);
        assert!(out.contains("check[c].redis.cert_file: `cert_file` needs `key_file`"), "{out}");
        assert!(out.contains("file \"c.pem\" not found"), "{out}");
        let out = said(r#"redis = { url = "redis://r:6379", metric = "up", ca_file = "Cargo.toml" }"#);
        assert!(out.contains("check[c].redis.ca_file: `ca_file` is for TLS; the URL must start with rediss://"), "{out}");
        let out = said(r#"redis = { url = "rediss://r:6380", metric = "up", ca_flie = "ca.pem" }"#);
        assert!(out.contains("p.toml:5:") && out.contains("unknown field `ca_flie`"), "{out}");
    }

    #[test]
    fn postgres_sslmode_and_files() {
        let out = said(r#"postgres = { url = "postgres://db/x?sslmode=requir", metric = "up" }"#);
        assert!(out.contains("check[c].postgres.url: unknown sslmode `requir`; expected one of disable, allow, prefer"), "{out}");
        let out = said(r#"postgres = { url = "postgres://db/x?sslmode=verify-ca&sslrootcert=ca.pem", metric = "up" }"#);
        assert!(out.contains("file \"ca.pem\" not found"), "{out}");
        let out = said(r#"postgres = { url = "postgres://db/x?sslmode=verify-full&sslrootcert=system", metric = "up" }"#);
        assert!(!out.contains("error"), "{out}");
    }
}
