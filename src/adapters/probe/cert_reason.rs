//! Why a server's certificate was refused, in plain words, for the `http`
//! and `tls` probes alike: `certificate expired 3 days ago (not after
//! 2026-11-28)`, `certificate for other.example, not localhost`,
//! `self-signed certificate`, `certificate issued by unknown CA 'Acme CA'`.
//!
//! Owns [`ExplainingVerifier`], which wraps the verifier that decides trust
//! (it never changes a verdict) and, when it refuses a chain, reads the
//! presented certificates with x509-parser and replaces rustls' error with a
//! [`CertificateProblem`] carrying the reason; and [`certificate_problem`],
//! which finds that reason again in an error's source chain (reqwest's or
//! tokio-rustls'). A refused certificate means the target answered, so the
//! probes report it as a failure (CRITICAL), not as no answer.
//!
//! The replaced error is `CertificateError::Other`, so the alert rustls sends
//! the server is the generic `bad_certificate`.

use std::error::Error as StdError;
use std::fmt;
use std::net::{Ipv4Addr, Ipv6Addr};
use std::sync::Arc;

use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{CertificateError, DigitallySignedStruct, DistinguishedName, OtherError, RootCertStore, SignatureScheme};
use x509_parser::extensions::GeneralName;

/// A refused certificate and why, in words. Carried inside rustls' error.
#[derive(Debug)]
pub struct CertificateProblem {
    pub reason: String,
}

impl fmt::Display for CertificateProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.reason)
    }
}

impl StdError for CertificateProblem {}

/// Wraps a verifier: same verdicts, refusals explained.
#[derive(Debug)]
pub struct ExplainingVerifier {
    inner: Arc<dyn ServerCertVerifier>,
}

impl ExplainingVerifier {
    pub fn new(inner: Arc<dyn ServerCertVerifier>) -> Self {
        Self { inner }
    }

    /// Trusts exactly `roots` (webpki), as a private CA or a test would.
    pub fn trusting(roots: Arc<RootCertStore>, provider: Arc<CryptoProvider>) -> Result<Self, String> {
        let inner = WebPkiServerVerifier::builder_with_provider(roots, provider)
            .build()
            .map_err(|e| format!("cannot set up certificate checks: {e}"))?;
        Ok(Self::new(inner))
    }
}

impl ServerCertVerifier for ExplainingVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        self.inner.verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now).map_err(|e| match e {
            rustls::Error::InvalidCertificate(problem) => {
                let chain: Vec<Facts> = std::iter::once(end_entity).chain(intermediates).filter_map(|c| Facts::read(c)).collect();
                let reason = explain(&problem, &chain, Some(&server_name.to_str()), now.as_secs());
                rustls::Error::InvalidCertificate(CertificateError::Other(OtherError(Arc::new(CertificateProblem { reason }))))
            }
            other => other,
        })
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.inner.supported_verify_schemes()
    }

    fn requires_raw_public_keys(&self) -> bool {
        self.inner.requires_raw_public_keys()
    }

    fn root_hint_subjects(&self) -> Option<&[DistinguishedName]> {
        self.inner.root_hint_subjects()
    }
}

/// The reason a certificate was refused, when `e` or one of its causes is
/// such a refusal (directly, or inside I/O errors as tokio-rustls and hyper
/// report handshake failures: an I/O error's `source` skips what it wraps,
/// so the walk looks inside it).
pub fn certificate_problem(e: &(dyn StdError + 'static)) -> Option<String> {
    let problem = refused_certificate(e)?;
    Some(match problem {
        CertificateError::Other(OtherError(inner)) => match inner.downcast_ref::<CertificateProblem>() {
            Some(p) => p.reason.clone(),
            None => explain(problem, &[], None, 0),
        },
        // A name mismatch as webpki reports it: the names the certificate has.
        CertificateError::NotValidForNameContext { expected, presented } if !presented.is_empty() => {
            let presented: Vec<String> = presented.iter().map(|n| presented_name(n)).collect();
            format!("certificate for {}, not {}", name_list(&presented), expected.to_str())
        }
        // Refused by a verifier that did not explain: words without details.
        other => explain(other, &[], None, 0),
    })
}

/// A name as webpki presents it (`DnsName("localhost")`,
/// `IpAddress(127.0.0.1)`) as people write it.
fn presented_name(n: &str) -> String {
    let inner = n.split_once('(').and_then(|(_, rest)| rest.strip_suffix(')')).unwrap_or(n);
    inner.trim_matches('"').to_string()
}

/// A refused certificate in the words of the store probes and the journal
/// store, whose verifiers (sqlx's, the Redis client's) do not explain:
/// `hostname mismatch: certificate for localhost, not 127.0.0.2` or
/// `certificate not trusted: certificate issued by an unknown CA`.
pub fn refusal(e: &(dyn StdError + 'static)) -> Option<String> {
    let reason = certificate_problem(e)?;
    let wrong_name =
        matches!(refused_certificate(e), Some(CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. }));
    Some(if wrong_name { format!("hostname mismatch: {reason}") } else { format!("certificate not trusted: {reason}") })
}

/// The certificate error in `e`'s source chain, looking inside I/O errors
/// and inside the `Arc`s the Redis client keeps its causes in (an `Arc`'s
/// `source` is its content's, which skips the content itself).
fn refused_certificate<'a>(e: &'a (dyn StdError + 'static)) -> Option<&'a CertificateError> {
    match rustls_error(e)? {
        rustls::Error::InvalidCertificate(problem) => Some(problem),
        _ => None,
    }
}

/// The rustls error in `e`'s source chain (see [`refused_certificate`] for where it looks).
pub fn rustls_error<'a>(e: &'a (dyn StdError + 'static)) -> Option<&'a rustls::Error> {
    let mut cause = Some(e);
    while let Some(c) = cause {
        if let Some(found) = c.downcast_ref::<rustls::Error>() {
            return Some(found);
        }
        if let Some(shared) = c.downcast_ref::<Arc<dyn StdError + Send + Sync>>() {
            cause = Some(shared.as_ref() as &(dyn StdError + 'static));
            continue;
        }
        cause = match c.downcast_ref::<std::io::Error>().and_then(std::io::Error::get_ref) {
            Some(wrapped) => Some(wrapped as &(dyn StdError + 'static)),
            None => c.source(),
        };
    }
    None
}

/// What a presented certificate says about itself.
#[derive(Debug, Clone, PartialEq)]
struct Facts {
    /// DNS names and IP addresses it is for (the common name when it has none).
    names: Vec<String>,
    subject: String,
    issuer: String,
    not_before: i64,
    not_after: i64,
    self_signed: bool,
    is_ca: bool,
}

impl Facts {
    fn read(der: &CertificateDer<'_>) -> Option<Facts> {
        let (_, cert) = x509_parser::parse_x509_certificate(der.as_ref()).ok()?;
        let mut names: Vec<String> = match cert.subject_alternative_name() {
            Ok(Some(san)) => san.value.general_names.iter().filter_map(general_name).collect(),
            _ => Vec::new(),
        };
        let subject = display_name(cert.subject());
        if names.is_empty()
            && let Some(cn) = common_name(cert.subject())
        {
            names.push(cn);
        }
        Some(Facts {
            names,
            subject,
            issuer: display_name(cert.issuer()),
            not_before: cert.validity().not_before.timestamp(),
            not_after: cert.validity().not_after.timestamp(),
            self_signed: cert.subject().as_raw() == cert.issuer().as_raw(),
            is_ca: cert.is_ca(),
        })
    }
}

fn general_name(n: &GeneralName<'_>) -> Option<String> {
    match n {
        GeneralName::DNSName(d) => Some((*d).to_string()),
        GeneralName::IPAddress(b) => match b.len() {
            4 => Some(Ipv4Addr::new(b[0], b[1], b[2], b[3]).to_string()),
            16 => <[u8; 16]>::try_from(*b).ok().map(|a| Ipv6Addr::from(a).to_string()),
            _ => None,
        },
        _ => None,
    }
}

fn common_name(name: &x509_parser::x509::X509Name<'_>) -> Option<String> {
    name.iter_common_name().next().and_then(|cn| cn.as_str().ok()).map(str::to_string)
}

/// A name as people know it: the common name, else the whole DN.
fn display_name(name: &x509_parser::x509::X509Name<'_>) -> String {
    common_name(name).unwrap_or_else(|| name.to_string())
}

/// The sentence for a refusal. `chain` is what the server presented (leaf
/// first, possibly empty when unknown), `expected` the name asked for.
fn explain(problem: &CertificateError, chain: &[Facts], expected: Option<&str>, now: u64) -> String {
    let leaf = chain.first();
    let now = now as i64;
    match problem {
        CertificateError::Expired | CertificateError::ExpiredContext { .. } => {
            let (at, not_after) = match problem {
                CertificateError::ExpiredContext { time, not_after } => (time.as_secs() as i64, Some(not_after.as_secs() as i64)),
                _ => (now, None),
            };
            // The expired certificate: the one whose notAfter rustls names, else the first one past it.
            let expired = match not_after {
                Some(t) => chain.iter().position(|c| c.not_after == t),
                None => chain.iter().position(|c| c.not_after < at),
            };
            let Some(not_after) = not_after.or_else(|| expired.map(|i| chain[i].not_after)) else {
                return "certificate expired".into();
            };
            let which = match expired {
                Some(i) if i > 0 => format!("issuer certificate '{}'", chain[i].subject),
                _ => "certificate".into(),
            };
            format!("{which} expired {} ago (not after {})", span(at - not_after), date(not_after))
        }
        CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. } => {
            let (at, not_before) = match problem {
                CertificateError::NotValidYetContext { time, not_before } => (time.as_secs() as i64, Some(not_before.as_secs() as i64)),
                _ => (now, leaf.map(|l| l.not_before)),
            };
            match not_before {
                Some(t) => format!("certificate not valid for another {} (not before {})", span(t - at), date(t)),
                None => "certificate not valid yet".into(),
            }
        }
        CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. } => {
            let asked = match problem {
                CertificateError::NotValidForNameContext { expected, .. } => Some(expected.to_str().into_owned()),
                _ => expected.map(str::to_string),
            };
            match (leaf.map(|l| l.names.as_slice()), asked) {
                (Some([]), Some(asked)) => format!("certificate not valid for {asked} (it names no host)"),
                (Some(names), Some(asked)) => format!("certificate for {}, not {asked}", name_list(names)),
                (_, Some(asked)) => format!("certificate not valid for {asked}"),
                (_, None) => "certificate not valid for this name".into(),
            }
        }
        CertificateError::UnknownIssuer => match (leaf, chain.last()) {
            (Some(l), _) if l.self_signed => "self-signed certificate".into(),
            (_, Some(top)) => format!("certificate issued by unknown CA '{}'", top.issuer),
            _ => "certificate issued by an unknown CA".into(),
        },
        CertificateError::Revoked => "certificate revoked".into(),
        CertificateError::BadSignature => "certificate signature does not verify".into(),
        CertificateError::BadEncoding => "certificate cannot be read".into(),
        CertificateError::UnhandledCriticalExtension => "certificate has an unsupported critical extension".into(),
        CertificateError::InvalidPurpose | CertificateError::InvalidPurposeContext { .. } => {
            "certificate is not meant for TLS servers".into()
        }
        CertificateError::UnsupportedSignatureAlgorithmContext { .. }
        | CertificateError::UnsupportedSignatureAlgorithmForPublicKeyContext { .. } => {
            "certificate signed with an unsupported algorithm".into()
        }
        CertificateError::UnknownRevocationStatus => "certificate revocation status unknown".into(),
        CertificateError::ExpiredRevocationList | CertificateError::ExpiredRevocationListContext { .. } => {
            "certificate revocation list expired".into()
        }
        CertificateError::InvalidOcspResponse => "invalid OCSP response for the certificate".into(),
        // webpki's CaUsedAsEndEntity and the like: say what the certificate is.
        CertificateError::Other(OtherError(inner)) => match leaf {
            Some(l) if l.self_signed => "self-signed certificate".into(),
            Some(l) if l.is_ca => "a CA certificate used as the server certificate".into(),
            _ => format!("certificate rejected: {}", words(&inner.to_string())),
        },
        _ => "certificate rejected".into(),
    }
}

/// `3 days`, `1 day`, `5 hours`, `12 minutes`: a span as people say it.
fn span(secs: i64) -> String {
    let secs = secs.max(0);
    let (n, unit) = match secs {
        s if s >= 86_400 => (s / 86_400, "day"),
        s if s >= 3_600 => (s / 3_600, "hour"),
        s => ((s / 60).max(1), "minute"),
    };
    if n == 1 { format!("1 {unit}") } else { format!("{n} {unit}s") }
}

/// `2026-11-28` (UTC) of a unix time.
fn date(unix: i64) -> String {
    jiff::Timestamp::from_second(unix).map_or_else(|_| format!("unix time {unix}"), |t| t.strftime("%Y-%m-%d").to_string())
}

fn name_list(names: &[String]) -> String {
    match names.len() {
        0..=3 => names.join(", "),
        n => format!("{}, +{} more", names[..3].join(", "), n - 3),
    }
}

/// `CaUsedAsEndEntity` (webpki's rendering of its errors) → `ca used as end entity`.
fn words(debug: &str) -> String {
    let head = debug.split(|c: char| !c.is_ascii_alphanumeric()).next().unwrap_or(debug);
    let mut out = String::new();
    for (i, c) in head.chars().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            out.push(' ');
        }
        out.push(c.to_ascii_lowercase());
    }
    if out.is_empty() { debug.to_string() } else { out }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    const DAY: i64 = 86_400;

    fn facts(names: &[&str], self_signed: bool) -> Facts {
        Facts {
            names: names.iter().map(|n| n.to_string()).collect(),
            subject: "leaf".into(),
            issuer: if self_signed { "leaf".into() } else { "Acme CA".into() },
            not_before: 0,
            not_after: 100 * DAY,
            self_signed,
            is_ca: false,
        }
    }

    fn at(secs: i64) -> UnixTime {
        UnixTime::since_unix_epoch(Duration::from_secs(secs as u64))
    }

    #[test]
    fn spans_read_naturally() {
        assert_eq!(span(3 * DAY + 500), "3 days");
        assert_eq!(span(DAY), "1 day");
        assert_eq!(span(5 * 3_600 + 10), "5 hours");
        assert_eq!(span(3_600), "1 hour");
        assert_eq!(span(720), "12 minutes");
        assert_eq!(span(5), "1 minute");
        assert_eq!(span(-5), "1 minute");
    }

    #[test]
    fn expiry_says_when_and_whose() {
        let chain = [facts(&["localhost"], false)];
        let expired = CertificateError::ExpiredContext { time: at(103 * DAY + 60), not_after: at(100 * DAY) };
        assert_eq!(explain(&expired, &chain, None, 0), "certificate expired 3 days ago (not after 1970-04-11)");
        assert_eq!(
            explain(&CertificateError::Expired, &chain, None, (100 * DAY + 7200) as u64),
            "certificate expired 2 hours ago (not after 1970-04-11)"
        );
        let mut issuer = facts(&[], false);
        issuer.subject = "Acme Intermediate".into();
        issuer.not_after = 90 * DAY;
        let chain = [facts(&["localhost"], false), issuer];
        let expired = CertificateError::ExpiredContext { time: at(91 * DAY), not_after: at(90 * DAY) };
        assert_eq!(explain(&expired, &chain, None, 0), "issuer certificate 'Acme Intermediate' expired 1 day ago (not after 1970-04-01)");
        assert_eq!(explain(&CertificateError::Expired, &[], None, 0), "certificate expired");
    }

    #[test]
    fn wrong_names_name_both_sides() {
        let chain = [facts(&["other.example"], false)];
        assert_eq!(
            explain(&CertificateError::NotValidForName, &chain, Some("localhost"), 0),
            "certificate for other.example, not localhost"
        );
        let many = [facts(&["a.example", "b.example", "c.example", "d.example", "e.example"], false)];
        let ctx = CertificateError::NotValidForNameContext {
            expected: ServerName::try_from("api.example.com").unwrap(),
            presented: vec!["DnsName(\"a.example\")".into()],
        };
        assert_eq!(explain(&ctx, &many, None, 0), "certificate for a.example, b.example, c.example, +2 more, not api.example.com");
        assert_eq!(explain(&ctx, &[], None, 0), "certificate not valid for api.example.com");
        assert_eq!(
            explain(&CertificateError::NotValidForName, &[facts(&[], false)], Some("h"), 0),
            "certificate not valid for h (it names no host)"
        );
    }

    #[test]
    fn untrusted_issuers_and_self_signed() {
        assert_eq!(explain(&CertificateError::UnknownIssuer, &[facts(&["h"], true)], None, 0), "self-signed certificate");
        assert_eq!(
            explain(&CertificateError::UnknownIssuer, &[facts(&["h"], false)], None, 0),
            "certificate issued by unknown CA 'Acme CA'"
        );
        assert_eq!(explain(&CertificateError::UnknownIssuer, &[], None, 0), "certificate issued by an unknown CA");
        let ca_as_leaf = CertificateError::Other(OtherError(Arc::new(std::io::Error::other("CaUsedAsEndEntity"))));
        assert_eq!(explain(&ca_as_leaf, &[facts(&["h"], true)], None, 0), "self-signed certificate");
        let mut ca = facts(&["h"], false);
        ca.is_ca = true;
        assert_eq!(explain(&ca_as_leaf, &[ca], None, 0), "a CA certificate used as the server certificate");
        assert_eq!(explain(&ca_as_leaf, &[], None, 0), "certificate rejected: ca used as end entity");
    }

    #[test]
    fn problems_are_found_in_source_chains() {
        let explained = rustls::Error::InvalidCertificate(CertificateError::Other(OtherError(Arc::new(CertificateProblem {
            reason: "self-signed certificate".into(),
        }))));
        // hyper wraps tokio-rustls' I/O error in another one.
        let io = std::io::Error::other(std::io::Error::new(std::io::ErrorKind::InvalidData, explained));
        assert_eq!(certificate_problem(&io).as_deref(), Some("self-signed certificate"));
        let plain = std::io::Error::new(std::io::ErrorKind::InvalidData, rustls::Error::InvalidCertificate(CertificateError::Revoked));
        assert_eq!(certificate_problem(&plain).as_deref(), Some("certificate revoked"));
        let refused = std::io::Error::from(std::io::ErrorKind::ConnectionRefused);
        assert_eq!(certificate_problem(&refused), None);
        let alert = std::io::Error::new(std::io::ErrorKind::InvalidData, rustls::Error::DecryptError);
        assert_eq!(certificate_problem(&alert), None);
    }

    #[test]
    fn presented_names_read_as_written() {
        assert_eq!(presented_name("DnsName(\"localhost\")"), "localhost");
        assert_eq!(presented_name("IpAddress(127.0.0.1)"), "127.0.0.1");
        assert_eq!(presented_name("db.example"), "db.example");
    }

    #[test]
    fn webpki_words() {
        assert_eq!(words("CaUsedAsEndEntity"), "ca used as end entity");
        assert_eq!(words("UnsupportedCrlVersion(2)"), "unsupported crl version");
        assert_eq!(words("..."), "...");
    }
}
