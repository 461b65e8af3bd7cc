//! `tls` probe: opens a TLS connection to `host:port` (SNI = `server_name`,
//! else `host`), verifies the server's chain against the web PKI roots
//! (webpki-roots) and reports the days left until the leaf certificate expires
//! (`cert_days`) and how long connect + handshake took (`latency_ms`).
//!
//! A certificate that fails verification (untrusted issuer, expired, wrong
//! name, self-signed) is a failure of the target (CRITICAL) whose reason says
//! why in words (see [`super::cert_reason`]: `self-signed certificate`,
//! `certificate expired 3 days ago (not after 2026-11-28)`), never a
//! `cert_days` value: the number is only reported for a chain the probe
//! trusts. Every run
//! does a full handshake (no session resumption), so a rotated certificate is
//! seen at once. Also owns [`days_until_expiry`], used by the HTTP prober.

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use rustls::client::Resumption;
use rustls::pki_types::ServerName;
use rustls::{ClientConfig, RootCertStore};
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;

use super::cert_reason::{ExplainingVerifier, certificate_problem};
use super::{ProbeError, ProbeResult, Reading, io_reason, short_duration};
use opsdeck_core::config::check::TlsProbe;

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
        let provider = crate::tls::provider();
        let verifier = ExplainingVerifier::trusting(Arc::new(roots), provider.clone()).map_err(ProbeError::new)?;
        let mut config = ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| ProbeError::new(format!("TLS setup failed: {e}")))?
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(verifier))
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
        let mut tls = self.connector.connect(self.server_name.clone(), tcp).await.map_err(|e| match certificate_problem(&e) {
            // The server answered, with a certificate we refuse.
            Some(reason) => ProbeError::target_failed(reason),
            None => ProbeError::new(handshake_reason(&e)),
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

/// The reason for a handshake that failed other than on the certificate.
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
        rustls::Error::AlertReceived(alert) => format!("TLS alert from the server: {alert:?}"),
        other => format!("TLS handshake failed: {other}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_between_is_fractional_and_signed() {
        assert_eq!(days_between(0.0, 86_400), 1.0);
        assert_eq!(days_between(43_200.0, 86_400), 0.5);
        assert_eq!(days_between(4.0 * 86_400.0, 86_400), -3.0);
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
