//! TLS failures of a PostgreSQL connection in words: `server does not
//! support TLS (sslmode=require)`, `certificate not trusted: certificate
//! issued by an unknown CA (sslmode=verify-ca)`, `hostname mismatch:
//! certificate for localhost, not 127.0.0.2 (sslmode=verify-full)`. Used by
//! the probe's reasons and the journal store's errors alike.

use sqlx::postgres::PgSslMode;

use super::mode_name;
use crate::adapters::probe::cert_reason;

/// The words for `e` when it is a TLS failure; `None` for anything else.
pub fn tls_failure(e: &sqlx::Error, mode: PgSslMode) -> Option<String> {
    let mode = mode_name(mode);
    if let Some(refused) = cert_reason::refusal(e) {
        return Some(format!("{refused} (sslmode={mode})"));
    }
    let text = match e {
        sqlx::Error::Tls(inner) => inner.to_string(),
        sqlx::Error::Io(io) => match io.get_ref().and_then(|i| i.downcast_ref::<rustls::Error>()) {
            Some(tls) => tls_words(tls),
            None => return None,
        },
        _ => return None,
    };
    Some(match text.as_str() {
        "server does not support TLS" => format!("server does not support TLS (sslmode={mode})"),
        other => format!("TLS: {other} (sslmode={mode})"),
    })
}

fn tls_words(e: &rustls::Error) -> String {
    match e {
        rustls::Error::AlertReceived(alert) => format!("the server refused the TLS handshake ({alert:?})"),
        other => format!("handshake failed: {other}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_server_without_tls_is_said_with_the_mode() {
        let e = sqlx::Error::Tls("server does not support TLS".into());
        assert_eq!(tls_failure(&e, PgSslMode::Require).as_deref(), Some("server does not support TLS (sslmode=require)"));
        let refused = sqlx::Error::Io(std::io::Error::from(std::io::ErrorKind::ConnectionRefused));
        assert_eq!(tls_failure(&refused, PgSslMode::Require), None);
    }

    #[test]
    fn refused_certificates_say_why() {
        let io = std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            rustls::Error::InvalidCertificate(rustls::CertificateError::UnknownIssuer),
        );
        let said = tls_failure(&sqlx::Error::Io(io), PgSslMode::VerifyCa).unwrap();
        assert_eq!(said, "certificate not trusted: certificate issued by an unknown CA (sslmode=verify-ca)");
        let io = std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            rustls::Error::InvalidCertificate(rustls::CertificateError::NotValidForName),
        );
        let said = tls_failure(&sqlx::Error::Io(io), PgSslMode::VerifyFull).unwrap();
        assert!(said.starts_with("hostname mismatch: certificate not valid"), "{said}");
    }
}
