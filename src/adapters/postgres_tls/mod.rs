//! TLS to PostgreSQL as libpq does it, for every connection opsdeck makes
//! (the `postgres` probe, the journal store and its `LISTEN` connection):
//! the URL's `sslmode` (`disable`, `allow`, `prefer`, `require`,
//! `verify-ca`, `verify-full`) and `sslrootcert`, `sslcert`, `sslkey`,
//! read into sqlx's options with what sqlx does differently from libpq
//! put right (see [`target`]). [`plaintext`] tells a `prefer` connection
//! that fell back to plain text; [`reason`] words TLS failures.

pub mod plaintext;
pub mod reason;

use std::path::{Path, PathBuf};
use std::str::FromStr;

use sqlx::postgres::{PgConnectOptions, PgSslMode};

/// The URL's connect options and what its TLS settings ask for.
#[derive(Debug, Clone)]
pub struct PgTarget {
    pub options: PgConnectOptions,
    /// The mode in force (after the libpq rules below).
    pub mode: PgSslMode,
    /// `sslmode=prefer` was written in the URL (over TCP): a connection
    /// that falls back to plain text is said (see [`plaintext`]).
    pub say_plaintext: bool,
}

/// `sslrootcert=system`: the public (web PKI) roots instead of a file.
const SYSTEM_ROOTS: &str = "system";

/// The URL's query keys for the certificate files, as libpq and sqlx spell them.
const ROOT_CERT_KEYS: [&str; 3] = ["sslrootcert", "ssl-root-cert", "ssl-ca"];
const CLIENT_CERT_KEYS: [&str; 2] = ["sslcert", "ssl-cert"];
const CLIENT_KEY_KEYS: [&str; 2] = ["sslkey", "ssl-key"];

/// Reads `url` as libpq would: relative certificate paths start at
/// `base_dir` (the plan's directory; the current one for a `--store`).
/// Where sqlx differs from libpq it is put right:
/// - `require` with a `sslrootcert` verifies the chain (as `verify-ca`),
///   which is what libpq does when a root certificate is given;
/// - `verify-ca` and `verify-full` without `sslrootcert` use
///   `~/.postgresql/root.crt` when it exists and are refused otherwise
///   (libpq's "root certificate file does not exist"), rather than quietly
///   trusting the public roots; `sslrootcert=system` asks for those;
/// - a certificate file that does not exist, or `sslcert` without
///   `sslkey`, is an error now rather than at each connect;
/// - on a unix socket TLS is not used at all (libpq ignores `sslmode` there).
pub fn target(url: &str, base_dir: &Path) -> Result<PgTarget, String> {
    let mut parsed = url::Url::parse(url).map_err(|e| format!("invalid PostgreSQL URL: {e}"))?;
    let pairs: Vec<(String, String)> = parsed.query_pairs().map(|(k, v)| (k.into_owned(), v.into_owned())).collect();
    let value_of = |keys: &[&str]| pairs.iter().rev().find(|(k, _)| keys.contains(&k.as_str())).map(|(_, v)| v.clone());
    let root = value_of(&ROOT_CERT_KEYS);
    let cert = value_of(&CLIENT_CERT_KEYS);
    let key = value_of(&CLIENT_KEY_KEYS);
    let written_mode = pairs.iter().rev().find(|(k, _)| k == "sslmode" || k == "ssl-mode").map(|(_, v)| v.clone());
    // sqlx gets the URL without the file keys: their paths are resolved here.
    let file_keys: Vec<&str> = ROOT_CERT_KEYS.iter().chain(&CLIENT_CERT_KEYS).chain(&CLIENT_KEY_KEYS).copied().collect();
    let kept: Vec<&(String, String)> = pairs.iter().filter(|(k, _)| !file_keys.contains(&k.as_str())).collect();
    if kept.is_empty() {
        parsed.set_query(None);
    } else {
        parsed.query_pairs_mut().clear().extend_pairs(kept.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    }
    let mut options = PgConnectOptions::from_str(parsed.as_str()).map_err(|e| format!("invalid PostgreSQL URL: {}", first_line(&e)))?;

    let mut mode = options.get_ssl_mode();
    let over_socket = options.get_socket().is_some() || options.get_host().starts_with('/');
    let root = match root.as_deref() {
        Some(SYSTEM_ROOTS) => Roots::Public,
        Some(file) => Roots::File(existing(file, base_dir, "sslrootcert")?),
        None => Roots::Unset,
    };
    if let Roots::File(file) = &root {
        options = options.ssl_root_cert(file);
        if matches!(mode, PgSslMode::Require) {
            mode = PgSslMode::VerifyCa;
        }
    }
    if matches!(mode, PgSslMode::VerifyCa | PgSslMode::VerifyFull) && matches!(root, Roots::Unset) && !over_socket {
        let default = home_root_cert().ok_or_else(|| {
            format!(
                "sslmode={} needs the server's CA: set sslrootcert=FILE (or sslrootcert=system for the public CAs); ~/.postgresql/root.crt does not exist",
                mode_name(mode)
            )
        })?;
        options = options.ssl_root_cert(default);
    }
    match (cert, key) {
        (Some(cert), Some(key)) => {
            options = options.ssl_client_cert(existing(&cert, base_dir, "sslcert")?).ssl_client_key(existing(&key, base_dir, "sslkey")?);
        }
        (Some(_), None) => return Err("sslcert needs sslkey (the client certificate's private key)".into()),
        (None, Some(_)) => return Err("sslkey needs sslcert (the client certificate)".into()),
        (None, None) => {}
    }
    // libpq never uses TLS on a unix socket, whatever the mode says (the
    // server would answer "no TLS" and `require` would fail).
    if over_socket {
        mode = PgSslMode::Disable;
    }
    options = options.ssl_mode(mode);
    let say_plaintext = matches!(mode, PgSslMode::Prefer) && written_mode.is_some() && !over_socket;
    Ok(PgTarget { options, mode, say_plaintext })
}

/// Where trusted roots come from.
enum Roots {
    File(PathBuf),
    Public,
    Unset,
}

/// `file` resolved against `base_dir`; an error naming `key` if it is not there.
fn existing(file: &str, base_dir: &Path, key: &str) -> Result<PathBuf, String> {
    let path = Path::new(file);
    let full = if path.is_absolute() { path.to_path_buf() } else { base_dir.join(path) };
    if full.is_file() { Ok(full) } else { Err(format!("{key} file {} not found", full.display())) }
}

/// libpq's default root certificate, when it exists.
fn home_root_cert() -> Option<PathBuf> {
    let home = std::env::var_os("HOME").filter(|h| !h.is_empty())?;
    let file = PathBuf::from(home).join(".postgresql").join("root.crt");
    file.is_file().then_some(file)
}

/// The mode as written in URLs.
pub fn mode_name(mode: PgSslMode) -> &'static str {
    match mode {
        PgSslMode::Disable => "disable",
        PgSslMode::Allow => "allow",
        PgSslMode::Prefer => "prefer",
        PgSslMode::Require => "require",
        PgSslMode::VerifyCa => "verify-ca",
        PgSslMode::VerifyFull => "verify-full",
    }
}

fn first_line(e: &dyn std::fmt::Display) -> String {
    e.to_string().lines().next().unwrap_or_default().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dir_with(files: &[&str]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for f in files {
            std::fs::write(dir.path().join(f), "x").unwrap();
        }
        dir
    }

    #[test]
    fn require_with_a_root_certificate_verifies_the_chain() {
        let dir = dir_with(&["ca.pem"]);
        let t = target("postgres://u@db/x?sslmode=require&sslrootcert=ca.pem", dir.path()).unwrap();
        assert!(matches!(t.mode, PgSslMode::VerifyCa));
        let t = target("postgres://u@db/x?sslmode=require", dir.path()).unwrap();
        assert!(matches!(t.mode, PgSslMode::Require));
    }

    #[test]
    fn verifying_modes_need_a_root() {
        let dir = dir_with(&[]);
        let e = target("postgres://u@db/x?sslmode=verify-full", dir.path()).unwrap_err();
        assert!(e.contains("sslmode=verify-full needs the server's CA") || home_root_cert().is_some(), "{e}");
        assert!(matches!(
            target("postgres://u@db/x?sslmode=verify-full&sslrootcert=system", dir.path()).unwrap().mode,
            PgSslMode::VerifyFull
        ));
        let e = target("postgres://u@db/x?sslmode=verify-ca&sslrootcert=nope.pem", dir.path()).unwrap_err();
        assert!(e.starts_with("sslrootcert file ") && e.ends_with("nope.pem not found"), "{e}");
    }

    #[test]
    fn client_certificates_come_in_pairs_and_prefer_is_said_when_written() {
        let dir = dir_with(&["c.crt", "c.key"]);
        assert!(target("postgres://u@db/x?sslcert=c.crt", dir.path()).unwrap_err().starts_with("sslcert needs sslkey"));
        assert!(target("postgres://u@db/x?sslcert=c.crt&sslkey=c.key&sslmode=require", dir.path()).is_ok());
        assert!(target("postgres://u@db/x?sslmode=prefer", dir.path()).unwrap().say_plaintext);
        assert!(!target("postgres://u@db/x", dir.path()).unwrap().say_plaintext);
        assert!(!target("postgres://u@db/x?sslmode=prefer&host=/run/postgresql", dir.path()).unwrap().say_plaintext);
        let socket = target("postgres://u@db/x?sslmode=require&host=/run/postgresql", dir.path()).unwrap();
        assert!(matches!(socket.mode, PgSslMode::Disable), "no TLS on a unix socket");
        assert!(target("postgres://u@db/x?sslmode=sometimes", dir.path()).unwrap_err().starts_with("invalid PostgreSQL URL"));
    }
}
