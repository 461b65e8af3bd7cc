//! `tls` probe: opens a TLS connection to `host:port` (SNI = `server_name`,
//! else `host`), verifies the server's chain against the web PKI roots
//! (webpki-roots) and reports the days left until the leaf certificate expires
//! (`cert_days`) and how long connect + handshake took (`latency_ms`).
//!
//! A certificate that fails verification (untrusted issuer, expired, wrong
//! name) is a probe error whose reason says why (`certificate not trusted:
//! UnknownIssuer`, `certificate expired 3 days ago`), never a `cert_days`
//! value: the number is only reported for a chain the probe trusts. Every run
//! does a full handshake (no session resumption), so a rotated certificate is
//! seen at once. Also owns [`days_until_expiry`], used by the HTTP prober.

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use rustls::client::Resumption;
use rustls::pki_types::ServerName;
use rustls::{CertificateError, ClientConfig, RootCertStore};
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;

use super::{ProbeError, ProbeResult, Reading, io_reason, short_duration};
use crate::config::check::TlsProbe;

/// How long a run waits to send close_notify after a successful handshake.
const SHUTDOWN_GRACE: Duration = Duration::from_millis(200);

pub struct TlsProber {
    host: String,
    port: u16,
    server_name: ServerName<'static>,
    connector: TlsConnector,
}

impl TlsProber {
    /// A prober that trusts the web PKI roots (webpki-roots).
    pub fn new(spec: &TlsProbe) -> Result<Self, ProbeError> {
        let roots = RootCertStore { roots: webpki_roots::TLS_SERVER_ROOTS.to_vec() };
        Self::with_roots(spec, roots)
    }

    /// A prober that trusts exactly `roots` (a private CA, or tests).
    pub fn with_roots(spec: &TlsProbe, roots: RootCertStore) -> Result<Self, ProbeError> {
        let host = spec.host.trim_start_matches('[').trim_end_matches(']').to_string();
        let name = spec.server_name.clone().unwrap_or_else(|| host.clone());
        let server_name =
            ServerName::try_from(name.clone()).map_err(|_| ProbeError::new(format!("`{name}` is not a valid TLS server name")))?;
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let mut config = ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| ProbeError::new(format!("TLS setup failed: {e}")))?
            .with_root_certificates(roots)
            .with_no_client_auth();
        config.resumption = Resumption::disabled();
        Ok(Self { host, port: spec.port, server_name, connector: TlsConnector::from(Arc::new(config)) })
    }

    pub async fn probe(&mut self, timeout: Duration) -> ProbeResult {
        let started = Instant::now();
        let (days, latency) = tokio::time::timeout(timeout, self.handshake(started))
            .await
            .map_err(|_| ProbeError::new(format!("timeout after {}", short_duration(timeout))))??;
        Ok(Reading::new().with("cert_days", days).with("latency_ms", latency.as_secs_f64() * 1000.0))
    }

    /// Connects and handshakes: (days until the leaf expires, time taken).
    async fn handshake(&self, started: Instant) -> Result<(f64, Duration), ProbeError> {
        let tcp = TcpStream::connect((self.host.as_str(), self.port)).await.map_err(|e| ProbeError::new(io_reason(&e)))?;
        let mut tls = self.connector.connect(self.server_name.clone(), tcp).await.map_err(|e| {
            let reason = handshake_reason(&e);
            if is_certificate_problem(&e) { ProbeError::target_failed(reason) } else { ProbeError::new(reason) }
        })?;
        let latency = started.elapsed();
        let days = match tls.get_ref().1.peer_certificates().and_then(|c| c.first()) {
            Some(leaf) => days_until_expiry(leaf.as_ref()).map_err(ProbeError::new)?,
            None => return Err(ProbeError::new("server sent no certificate")),
        };
        // Be polite (close_notify), but never let a slow peer hold the run.
        let _ = tokio::time::timeout(SHUTDOWN_GRACE, tls.shutdown()).await;
        Ok((days, latency))
    }
}

/// Days from now until the certificate (DER) expires; fractional, negative
/// once expired.
pub fn days_until_expiry(der: &[u8]) -> Result<f64, String> {
    let (_, cert) = x509_parser::parse_x509_certificate(der).map_err(|e| format!("cannot read the certificate: {e}"))?;
    let not_after = cert.validity().not_after.timestamp();
    let now = SystemTime::now().duration_since(UNIX_EPOCH).map_err(|_| "the system clock is before 1970".to_string())?;
    Ok(days_between(now.as_secs_f64(), not_after))
}

fn days_between(now_unix: f64, not_after_unix: i64) -> f64 {
    (not_after_unix as f64 - now_unix) / 86_400.0
}

/// The reason for a failed handshake: rustls' verdict when it has one.
/// True when the handshake failed on the server's certificate (expired,
/// untrusted, wrong name) rather than on the connection.
fn is_certificate_problem(e: &std::io::Error) -> bool {
    e.get_ref().and_then(|i| i.downcast_ref::<rustls::Error>()).is_some_and(|t| matches!(t, rustls::Error::InvalidCertificate(_)))
}

fn handshake_reason(e: &std::io::Error) -> String {
    if let Some(tls) = e.get_ref().and_then(|i| i.downcast_ref::<rustls::Error>()) {
        return tls_reason(tls);
    }
    match e.kind() {
        std::io::ErrorKind::UnexpectedEof => "connection closed during the TLS handshake".into(),
        _ => io_reason(e),
    }
}

fn tls_reason(e: &rustls::Error) -> String {
    match e {
        rustls::Error::InvalidCertificate(c) => certificate_reason(c),
        rustls::Error::AlertReceived(alert) => format!("TLS alert from the server: {alert:?}"),
        other => format!("TLS handshake failed: {other}"),
    }
}

fn certificate_reason(c: &CertificateError) -> String {
    match c {
        CertificateError::Expired => "certificate expired".into(),
        CertificateError::ExpiredContext { time, not_after } => {
            format!("certificate expired {} ago", span(time.as_secs().saturating_sub(not_after.as_secs())))
        }
        CertificateError::NotValidYet => "certificate not valid yet".into(),
        CertificateError::NotValidYetContext { time, not_before } => {
            format!("certificate not valid for another {}", span(not_before.as_secs().saturating_sub(time.as_secs())))
        }
        CertificateError::NotValidForName => "certificate not valid for this name".into(),
        CertificateError::NotValidForNameContext { expected, presented } => {
            let names: Vec<String> = presented.iter().map(|p| presented_name(p)).collect();
            format!("certificate not valid for {} (it names {})", expected.to_str(), name_list(&names))
        }
        CertificateError::Revoked => "certificate revoked".into(),
        other => format!("certificate not trusted: {}", variant_name(other)),
    }
}

/// `3 days`, `1 day`, `5 hours`, `12 minutes`: a span as people say it.
fn span(secs: u64) -> String {
    let (n, unit) = match secs {
        s if s >= 86_400 => (s / 86_400, "day"),
        s if s >= 3_600 => (s / 3_600, "hour"),
        s => ((s / 60).max(1), "minute"),
    };
    if n == 1 { format!("1 {unit}") } else { format!("{n} {unit}s") }
}

/// `DnsName("example.com")` (webpki's rendering) → `example.com`.
fn presented_name(p: &str) -> String {
    let inner = p.split_once('(').and_then(|(_, rest)| rest.strip_suffix(')')).unwrap_or(p);
    inner.trim_matches('"').to_string()
}

fn name_list(names: &[String]) -> String {
    match names.len() {
        0 => "no names".into(),
        1..=3 => names.join(", "),
        n => format!("{}, +{} more", names[..3].join(", "), n - 3),
    }
}

/// The variant of an error without its payload: `UnknownIssuer`, `BadSignature`.
fn variant_name(c: &CertificateError) -> String {
    let debug = format!("{c:?}");
    let end = debug.find([' ', '(', '{']).unwrap_or(debug.len());
    debug[..end].to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rustls::pki_types::UnixTime;

    #[test]
    fn spans_read_naturally() {
        assert_eq!(span(3 * 86_400 + 500), "3 days");
        assert_eq!(span(86_400), "1 day");
        assert_eq!(span(5 * 3_600 + 10), "5 hours");
        assert_eq!(span(3_600), "1 hour");
        assert_eq!(span(720), "12 minutes");
        assert_eq!(span(5), "1 minute");
    }

    #[test]
    fn days_between_is_fractional_and_signed() {
        assert_eq!(days_between(0.0, 86_400), 1.0);
        assert_eq!(days_between(43_200.0, 86_400), 0.5);
        assert_eq!(days_between(4.0 * 86_400.0, 86_400), -3.0);
    }

    #[test]
    fn certificate_reasons_are_short() {
        let expired = CertificateError::ExpiredContext {
            time: UnixTime::since_unix_epoch(Duration::from_secs(10 * 86_400 + 60)),
            not_after: UnixTime::since_unix_epoch(Duration::from_secs(7 * 86_400)),
        };
        assert_eq!(certificate_reason(&expired), "certificate expired 3 days ago");
        assert_eq!(certificate_reason(&CertificateError::UnknownIssuer), "certificate not trusted: UnknownIssuer");
        let wrong_name = CertificateError::NotValidForNameContext {
            expected: ServerName::try_from("api.example.com").unwrap(),
            presented: vec!["DnsName(\"localhost\")".into(), "IpAddress(127.0.0.1)".into()],
        };
        assert_eq!(certificate_reason(&wrong_name), "certificate not valid for api.example.com (it names localhost, 127.0.0.1)");
    }

    #[test]
    fn long_name_lists_are_cut() {
        let names: Vec<String> = ["a", "b", "c", "d", "e"].map(String::from).to_vec();
        assert_eq!(name_list(&names), "a, b, c, +2 more");
        assert_eq!(name_list(&[]), "no names");
    }

    fn cert_valid_for(days: i64) -> Vec<u8> {
        let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap();
        let epoch = rcgen::date_time_ymd(1970, 1, 1);
        let mut params = rcgen::CertificateParams::new(vec!["localhost".to_string()]).unwrap();
        params.not_before = epoch + (now - Duration::from_secs(30 * 86_400));
        let shift = Duration::from_secs(days.unsigned_abs() * 86_400);
        params.not_after = epoch + if days >= 0 { now + shift } else { now - shift };
        let key = rcgen::KeyPair::generate().unwrap();
        params.self_signed(&key).unwrap().der().to_vec()
    }

    #[test]
    fn days_until_expiry_reads_not_after() {
        let d = days_until_expiry(&cert_valid_for(30)).unwrap();
        assert!((d - 30.0).abs() < 0.01, "{d}");
        let d = days_until_expiry(&cert_valid_for(-3)).unwrap();
        assert!((d + 3.0).abs() < 0.01, "{d}");
        let e = days_until_expiry(b"not a certificate").unwrap_err();
        assert!(e.starts_with("cannot read the certificate"), "{e}");
    }
}
