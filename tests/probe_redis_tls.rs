//! The `redis` probe over TLS (`rediss://`), against a `redis-server
//! --tls-port` the tests start (see `common::redis_tls`) with rcgen
//! certificates: trusted through `ca_file` (relative to the plan's
//! directory), refused in words when untrusted or for another name, with a
//! client certificate when the server asks for one, and BullMQ queue
//! counts over TLS.

mod common;

use std::path::PathBuf;
use std::time::Duration;

use common::redis_tls::RedisTls;
use opsdeck::adapters::probe::redis::RedisProber;
use opsdeck::adapters::probe::{ProbeEnv, ProbeResult};
use opsdeck_core::config::check::{RedisMetric, RedisProbe};

fn spec(url: &str) -> RedisProbe {
    RedisProbe {
        url: Some(url.into()),
        url_env: None,
        metric: Some(RedisMetric::Up),
        queue: None,
        count: None,
        command: None,
        ca_file: None,
        cert_file: None,
        key_file: None,
    }
}

async fn run(spec: &RedisProbe, base: &std::path::Path) -> ProbeResult {
    let mut p = RedisProber::new(spec, &ProbeEnv::from_process(base.to_path_buf()))?;
    p.probe(Duration::from_secs(5)).await
}

fn reason(r: ProbeResult) -> String {
    match r {
        Ok(reading) => panic!("expected a failure, got {reading:?}"),
        Err(e) => e.0,
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn rediss_with_the_servers_ca_and_refusals_in_words() {
    let server = RedisTls::start(false);
    let base = server.dir().to_path_buf();
    let trusted = RedisProbe { ca_file: Some(PathBuf::from("ca.pem")), ..spec(&server.url()) };
    let up = run(&trusted, &base).await.expect("rediss with ca_file");
    assert_eq!(up.get("up"), Some(1.0));

    // A BullMQ queue over TLS: one job waiting, one prioritized (BullMQ's
    // getWaitingCount() counts the wait list only).
    let push =
        |words: &[&str]| RedisProbe { metric: None, command: Some(words.iter().map(|w| w.to_string()).collect()), ..trusted.clone() };
    run(&push(&["RPUSH", "bull:tls:wait", "job-1"]), &base).await.expect("RPUSH over TLS");
    run(&push(&["ZADD", "bull:tls:prioritized", "1", "job-2"]), &base).await.expect("ZADD over TLS");
    let queue = RedisProbe { metric: None, queue: Some("bull:tls".into()), ..trusted.clone() };
    let counts = run(&queue, &base).await.expect("queue counts over TLS");
    assert_eq!((counts.get("wait"), counts.get("prioritized")), (Some(1.0), Some(1.0)), "{counts:?}");

    // No ca_file: the system's roots do not know the test CA.
    let r = reason(run(&spec(&server.url()), &base).await);
    assert_eq!(
        r,
        "certificate not trusted: certificate issued by an unknown CA (the system's roots were used: give the server's CA in `ca_file`)"
    );
    // The wrong CA.
    let wrong = RedisProbe { ca_file: Some(server.certs.other_ca.clone()), ..spec(&server.url()) };
    assert_eq!(reason(run(&wrong, &base).await), "certificate not trusted: certificate issued by an unknown CA");
    // A name the certificate does not have (127.0.0.2 reaches the same server).
    let elsewhere = RedisProbe { ca_file: Some(server.certs.ca.clone()), ..spec(&format!("rediss://127.0.0.2:{}", server.port)) };
    assert_eq!(reason(run(&elsewhere, &base).await), "hostname mismatch: certificate for localhost, 127.0.0.1, not 127.0.0.2");
    // TLS files on a plain URL, and a CA file that is not there.
    let plain = RedisProbe { ca_file: Some(server.certs.ca.clone()), ..spec(&format!("redis://127.0.0.1:{}", server.port)) };
    assert!(reason(run(&plain, &base).await).contains("the URL must start with rediss://"));
    let missing = RedisProbe { ca_file: Some(PathBuf::from("nope.pem")), ..spec(&server.url()) };
    assert_eq!(reason(run(&missing, &base).await), format!("ca_file {}: not found", base.join("nope.pem").display()));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_client_certificate_when_the_server_asks_for_one() {
    let server = RedisTls::start(true);
    let base = server.dir().to_path_buf();
    let ca_only = RedisProbe { ca_file: Some(server.certs.ca.clone()), ..spec(&server.url()) };
    let r = reason(run(&ca_only, &base).await);
    assert_eq!(r, "the server requires a client certificate: set `cert_file` and `key_file`");
    let with_cert =
        RedisProbe { cert_file: Some(PathBuf::from("client.crt")), key_file: Some(PathBuf::from("client.key")), ..ca_only.clone() };
    let up = run(&with_cert, &base).await.expect("rediss with a client certificate");
    assert_eq!(up.get("up"), Some(1.0));
}
