//! Certificates for the TLS store tests, made with rcgen into a directory:
//! a CA, a server certificate it signed for `localhost` and `127.0.0.1`, a
//! client certificate it signed (common name = the database or Redis user
//! it authenticates), and a second CA that signed nothing here (the wrong
//! CA a verifying client must refuse).

use std::path::{Path, PathBuf};

use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair, KeyUsagePurpose};

/// The files written, as PEM.
#[derive(Debug, Clone)]
pub struct CertFiles {
    pub ca: PathBuf,
    /// A CA that signed none of these certificates.
    pub other_ca: PathBuf,
    pub server_cert: PathBuf,
    pub server_key: PathBuf,
    pub client_cert: PathBuf,
    pub client_key: PathBuf,
}

fn ca(name: &str) -> CertifiedIssuer<'static, KeyPair> {
    let mut params = CertificateParams::new(Vec::<String>::new()).expect("CA params");
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.distinguished_name.push(DnType::CommonName, name);
    params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign, KeyUsagePurpose::DigitalSignature];
    CertifiedIssuer::self_signed(params, KeyPair::generate().expect("CA key")).expect("a CA certificate")
}

/// Writes the certificates into `dir`; the client certificate is for `client_user`.
pub fn write(dir: &Path, client_user: &str) -> CertFiles {
    let ca_issuer = ca("opsdeck test CA");
    let other = ca("some other CA");

    let mut server = CertificateParams::new(vec!["localhost".to_string(), "127.0.0.1".to_string()]).expect("server params");
    server.distinguished_name.push(DnType::CommonName, "localhost");
    let server_key = KeyPair::generate().expect("server key");
    let server_cert = server.signed_by(&server_key, &ca_issuer).expect("server certificate");

    let mut client = CertificateParams::new(Vec::<String>::new()).expect("client params");
    client.distinguished_name.push(DnType::CommonName, client_user);
    let client_key = KeyPair::generate().expect("client key");
    let client_cert = client.signed_by(&client_key, &ca_issuer).expect("client certificate");

    let files = CertFiles {
        ca: dir.join("ca.pem"),
        other_ca: dir.join("other-ca.pem"),
        server_cert: dir.join("server.crt"),
        server_key: dir.join("server.key"),
        client_cert: dir.join("client.crt"),
        client_key: dir.join("client.key"),
    };
    let put = |path: &Path, text: String| std::fs::write(path, text).unwrap_or_else(|e| panic!("writing {}: {e}", path.display()));
    put(&files.ca, ca_issuer.pem());
    put(&files.other_ca, other.pem());
    put(&files.server_cert, server_cert.pem());
    put(&files.server_key, server_key.serialize_pem());
    put(&files.client_cert, client_cert.pem());
    put(&files.client_key, client_key.serialize_pem());
    files
}
