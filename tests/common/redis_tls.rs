//! A Redis server of a test's own that speaks only TLS: `redis-server
//! --port 0 --tls-port P` on a free port of 127.0.0.1 (and 127.0.0.2, a
//! name its certificate does not have), with the
//! certificates of `certs` in a temp dir, asking clients for a certificate
//! (`--tls-auth-clients yes`) or not (`no`). Killed on drop.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::certs::{self, CertFiles};

pub struct RedisTls {
    child: Child,
    pub port: u16,
    pub certs: CertFiles,
    dir: tempfile::TempDir,
}

impl RedisTls {
    /// Starts the server; `client_certs` makes client certificates mandatory.
    pub fn start(client_certs: bool) -> RedisTls {
        let dir = tempfile::tempdir().expect("a temp dir");
        let certs = certs::write(dir.path(), "default");
        let port = std::net::TcpListener::bind("127.0.0.1:0").expect("bind a loopback port").local_addr().expect("its address").port();
        let p = |path: &std::path::Path| path.display().to_string();
        let child = Command::new("redis-server")
            .args(["--port", "0", "--bind", "127.0.0.1", "127.0.0.2", "--tls-port", &port.to_string()])
            .args(["--tls-cert-file", &p(&certs.server_cert), "--tls-key-file", &p(&certs.server_key)])
            .args(["--tls-ca-cert-file", &p(&certs.ca), "--tls-auth-clients", if client_certs { "yes" } else { "no" }])
            .args(["--save", "", "--appendonly", "no", "--dir", &p(dir.path())])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("redis-server (is Redis installed, built with TLS?)");
        let server = RedisTls { child, port, certs, dir };
        let started = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(started.elapsed() < Duration::from_secs(20), "redis-server --tls-port {port} did not start listening");
            std::thread::sleep(Duration::from_millis(50));
        }
        server
    }

    /// `rediss://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("rediss://127.0.0.1:{}", self.port)
    }

    pub fn dir(&self) -> &std::path::Path {
        self.dir.path()
    }
}

impl Drop for RedisTls {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
