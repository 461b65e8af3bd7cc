//! PostgreSQL over TLS, against clusters the tests start themselves (see
//! `common::pg_cluster`): every `sslmode` as libpq means it, for the
//! `postgres` probe and the journal store alike, with certificates made by
//! rcgen. One cluster accepts only TLS (and client certificates for
//! `certuser`); another has TLS off, for `require` to fail on and `prefer`
//! to fall back (and say so).

mod common;

use std::path::Path;
use std::time::Duration;

use common::pg_cluster::{CERT_USER, PgCluster};
use opsdeck::adapters::journal::{Actor, Body, NewEvent, PgStore, Store};
use opsdeck::adapters::postgres_tls::plaintext::PLAINTEXT_NOTE;
use opsdeck::adapters::probe::postgres::PostgresProber;
use opsdeck::adapters::probe::{ProbeEnv, ProbeResult};
use opsdeck_core::config::check::{PostgresMetric, PostgresProbe};
use tokio::process::Command;

/// Whether the probe's own connection is encrypted, as the server sees it.
const SSL_IN_USE: &str = "select ssl from pg_stat_ssl where pid = pg_backend_pid()";

/// One run of a probe that asks `sql` (or `up`) on `url`, paths relative to `base`.
async fn probe(url: &str, sql: Option<&str>, base: &Path) -> ProbeResult {
    let spec = PostgresProbe {
        url: Some(url.to_string()),
        url_env: None,
        metric: sql.is_none().then_some(PostgresMetric::Up),
        sql: sql.map(String::from),
    };
    let mut p = PostgresProber::new(&spec, &ProbeEnv::from_process(base.to_path_buf()))?;
    p.probe(Duration::from_secs(10)).await
}

fn reason(r: ProbeResult) -> String {
    match r {
        Ok(reading) => panic!("expected a failure, got {reading:?}"),
        Err(e) => e.0,
    }
}

fn path(p: &Path) -> String {
    p.display().to_string()
}

/// A TLS-only cluster: no plain-text connection, `certuser` by certificate.
fn tls_only() -> PgCluster {
    PgCluster::start(
        true,
        &[
            "hostnossl all all 127.0.0.0/8 reject",
            &format!("hostssl all {CERT_USER} 127.0.0.0/8 cert"),
            "hostssl all all 127.0.0.0/8 trust",
        ],
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn every_sslmode_against_a_tls_only_server() {
    let pg = tls_only();
    let ca = path(&pg.certs.ca);
    let other = path(&pg.certs.other_ca);
    let base = pg.dir().to_path_buf();

    // disable: the server refuses plain text.
    let r = reason(probe(&pg.url("127.0.0.1", "sslmode=disable"), None, &base).await);
    assert!(r.contains("no encryption"), "{r}");

    // require: encrypted, the certificate not checked; prefer, written, uses TLS and notes nothing.
    for mode in ["require", "prefer"] {
        let reading = probe(&pg.url("127.0.0.1", &format!("sslmode={mode}")), Some(SSL_IN_USE), &base).await.expect(mode);
        assert_eq!(reading.get("value"), Some(1.0), "{mode}: the connection is encrypted");
        assert_eq!(reading.note, None, "{mode}");
    }

    // verify-ca: the right CA (an absolute path, and one relative to the plan's directory), the wrong one.
    let ok = probe(&pg.url("127.0.0.1", &format!("sslmode=verify-ca&sslrootcert={ca}")), None, &base).await;
    assert_eq!(ok.expect("verify-ca with the right CA").get("up"), Some(1.0));
    probe(&pg.url("127.0.0.1", "sslmode=verify-ca&sslrootcert=ca.pem"), None, &base).await.expect("a CA file relative to the plan");
    let r = reason(probe(&pg.url("127.0.0.1", &format!("sslmode=verify-ca&sslrootcert={other}")), None, &base).await);
    assert_eq!(r, "certificate not trusted: certificate issued by an unknown CA (sslmode=verify-ca)");
    // require with a root certificate verifies the chain, as libpq does.
    let r = reason(probe(&pg.url("127.0.0.1", &format!("sslmode=require&sslrootcert={other}")), None, &base).await);
    assert!(r.starts_with("certificate not trusted"), "{r}");

    // verify-full: by a name the certificate has, and by one it does not (127.0.0.2 reaches the same server).
    probe(&pg.url("localhost", &format!("sslmode=verify-full&sslrootcert={ca}")), None, &base).await.expect("verify-full by localhost");
    let r = reason(probe(&pg.url("127.0.0.2", &format!("sslmode=verify-full&sslrootcert={ca}")), None, &base).await);
    assert_eq!(r, "hostname mismatch: certificate for localhost, 127.0.0.1, not 127.0.0.2 (sslmode=verify-full)");
    // verify-ca does not care for the name.
    probe(&pg.url("127.0.0.2", &format!("sslmode=verify-ca&sslrootcert={ca}")), None, &base).await.expect("verify-ca by 127.0.0.2");
    // A CA file that is not there, and no CA at all.
    let r = reason(probe(&pg.url("localhost", "sslmode=verify-full&sslrootcert=missing.pem"), None, &base).await);
    assert_eq!(r, format!("sslrootcert file {} not found", base.join("missing.pem").display()));
    if !Path::new(&std::env::var("HOME").unwrap_or_default()).join(".postgresql/root.crt").exists() {
        let r = reason(probe(&pg.url("localhost", "sslmode=verify-full"), None, &base).await);
        assert!(r.starts_with("sslmode=verify-full needs the server's CA: set sslrootcert=FILE"), "{r}");
    }

    // On the unix socket TLS is not used, whatever the mode (as libpq): require connects.
    let socket = format!("postgres://postgres@localhost/postgres?host={}&port={}&sslmode=require", path(&pg.dir().join("socket")), pg.port);
    let reading = probe(&socket, Some("select count(*) from pg_stat_ssl where pid = pg_backend_pid() and ssl"), &base).await;
    assert_eq!(reading.expect("require on the unix socket").get("value"), Some(0.0), "not encrypted");

    // Client certificates: certuser is let in by its certificate only.
    let (cert, key) = (path(&pg.certs.client_cert), path(&pg.certs.client_key));
    let with_cert = format!("sslmode=verify-full&sslrootcert={ca}&sslcert={cert}&sslkey={key}");
    let reading = probe(&pg.url_as(CERT_USER, "localhost", &with_cert), Some("select (current_user = 'certuser')::int"), &base).await;
    assert_eq!(reading.expect("certificate authentication").get("value"), Some(1.0));
    let r = reason(probe(&pg.url_as(CERT_USER, "localhost", &format!("sslmode=verify-full&sslrootcert={ca}")), None, &base).await);
    assert!(r.contains("certificate"), "without a client certificate: {r}");
    let r = reason(probe(&pg.url_as(CERT_USER, "localhost", &format!("sslmode=require&sslcert={cert}")), None, &base).await);
    assert_eq!(r, "sslcert needs sslkey (the client certificate's private key)");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_journal_store_over_tls_and_the_command_line() {
    let pg = tls_only();
    let url = pg.url("localhost", &format!("sslmode=verify-full&sslrootcert={}", path(&pg.certs.ca)));
    let store = PgStore::connect(&url).await.expect("the store over verify-full");
    let actor = Actor { name: "tls".into(), host: "test".into(), from: None };
    let body = Body::Marker { text: "over TLS".into() };
    let stored = store.append(NewEvent::new("tls-room", &actor, 1_000, &body)).await.expect("append over TLS");
    let read = store.since("tls-room", 0, 10).await.expect("read back");
    assert_eq!(read.len(), 1);
    assert_eq!(read[0].seq, stored.seq);
    assert_eq!(Body::of(&read[0]), Some(body));
    assert_eq!(store.notice(), None, "TLS in use: nothing to say");

    // The same server refuses a store that will not verify it.
    let wrong = pg.url("localhost", &format!("sslmode=verify-full&sslrootcert={}", path(&pg.certs.other_ca)));
    let e = PgStore::connect(&wrong).await.expect_err("the wrong CA");
    let said = format!("{e:#}");
    assert!(said.contains("certificate not trusted: certificate issued by an unknown CA (sslmode=verify-full)"), "{said}");

    // `opsdeck mark --store` over sslmode=require, read back by `status`-free means: the store itself.
    let require = pg.url("127.0.0.1", "sslmode=require");
    let out = Command::new(env!("CARGO_BIN_EXE_opsdeck"))
        .args(["mark", "deploy over TLS", "--room", "tls-room", "--store", &require, "--as", "ci"])
        .env_remove("OPSDECK_STORE")
        .output()
        .await
        .expect("run opsdeck mark");
    assert!(out.status.success(), "{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("recorded marker #2 in room tls-room"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let read = store.since("tls-room", stored.seq, 10).await.expect("read the marker");
    assert_eq!(Body::of(&read[0]), Some(Body::Marker { text: "deploy over TLS".into() }));

    // `opsdeck status --store` reads the room over TLS (nothing probed it: UNKNOWN, exit 3).
    let plan = pg.dir().join("plan.toml");
    std::fs::write(&plan, "[deck]\nname = \"tls\"\n\n[[check]]\nid = \"api\"\ntcp = { address = \"127.0.0.1:1\" }\n").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_opsdeck"))
        .arg("status")
        .arg(&plan)
        .args(["--store", &url, "--room", "tls-room"])
        .env_remove("OPSDECK_STORE")
        .env("XDG_STATE_HOME", pg.dir().join("state"))
        .output()
        .await
        .expect("run opsdeck status");
    let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert_eq!(out.status.code(), Some(3), "{stdout}{stderr}");
    assert!(stdout.contains("the room's prober has not probed it yet"), "{stdout}{stderr}");
}

#[tokio::test(flavor = "multi_thread")]
async fn without_tls_on_the_server_require_fails_and_prefer_says_plain_text() {
    let pg = PgCluster::start(false, &["host all all 127.0.0.0/8 trust"]);
    let base = pg.dir().to_path_buf();
    let r = reason(probe(&pg.url("127.0.0.1", "sslmode=require"), None, &base).await);
    assert_eq!(r, "server does not support TLS (sslmode=require)");

    let reading = probe(&pg.url("127.0.0.1", "sslmode=prefer"), Some(SSL_IN_USE), &base).await.expect("prefer falls back");
    assert_eq!(reading.get("value"), Some(0.0), "in plain text");
    assert_eq!(reading.note.as_deref(), Some(PLAINTEXT_NOTE));
    // Not asked for (libpq's default is prefer too): nothing said.
    let reading = probe(&pg.url("127.0.0.1", ""), None, &base).await.expect("no sslmode");
    assert_eq!(reading.note, None);

    // `opsdeck mark` says it too, on stderr.
    let out = Command::new(env!("CARGO_BIN_EXE_opsdeck"))
        .args(["mark", "in plain text", "--room", "plain-room", "--store", &pg.url("127.0.0.1", "sslmode=prefer")])
        .env_remove("OPSDECK_STORE")
        .output()
        .await
        .expect("run opsdeck mark");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains(&format!("warning: store {}: {PLAINTEXT_NOTE}", pg.url("127.0.0.1", "sslmode=prefer"))), "{stderr}");

    // The journal store: the same fallback, told to the console.
    let store = PgStore::connect(&pg.url("127.0.0.1", "sslmode=prefer")).await.expect("the store in plain text");
    assert_eq!(store.notice(), Some(PLAINTEXT_NOTE));
    let e = PgStore::connect(&pg.url("127.0.0.1", "sslmode=require")).await.expect_err("require");
    assert!(format!("{e:#}").contains("server does not support TLS (sslmode=require)"), "{e:#}");
}
