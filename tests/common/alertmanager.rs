//! A real Alertmanager for one test (Debian's `prometheus-alertmanager`,
//! `OPSDECK_TEST_ALERTMANAGER` to use another binary): its own config and
//! storage in a temp dir, a free port on 127.0.0.1, gossip off; started
//! and waited for until `/-/ready` answers; killed when dropped. With
//! helpers to inject alerts and read silences through its v2 API.

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// An alert to fire: its labels and its `summary` annotation.
pub type AlertSpec<'a> = (&'a [(&'a str, &'a str)], Option<&'a str>);

pub struct Alertmanager {
    child: Child,
    pub url: String,
    log: PathBuf,
    _dir: tempfile::TempDir,
}

impl Drop for Alertmanager {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A port nothing listens on (bound, then released).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").expect("bind a loopback port").local_addr().expect("its address").port()
}

fn binary() -> PathBuf {
    if let Some(path) = std::env::var_os("OPSDECK_TEST_ALERTMANAGER") {
        return PathBuf::from(path);
    }
    let debian = PathBuf::from("/usr/bin/prometheus-alertmanager");
    if debian.is_file() {
        return debian;
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .flat_map(|dir| [dir.join("prometheus-alertmanager"), dir.join("alertmanager")])
        .find(|p| p.is_file())
        .unwrap_or_else(|| {
            panic!(
                "Alertmanager is not installed: this test needs a real one. Install Debian's package \
                 (apt-get install --no-install-recommends prometheus-alertmanager; .ci/test does) \
                 or set OPSDECK_TEST_ALERTMANAGER to the binary"
            )
        })
}

impl Alertmanager {
    /// Starts one and waits until it is ready.
    pub async fn start() -> Alertmanager {
        let binary = binary();
        let dir = tempfile::tempdir().expect("temp dir");
        let config = dir.path().join("alertmanager.yml");
        std::fs::write(&config, "route:\n  receiver: \"null\"\nreceivers:\n  - name: \"null\"\n").expect("write the config");
        let port = free_port();
        let log = dir.path().join("alertmanager.log");
        let log_file = std::fs::File::create(&log).expect("log file");
        let child = Command::new(&binary)
            .arg(format!("--config.file={}", config.display()))
            .arg(format!("--storage.path={}", dir.path().join("data").display()))
            .arg(format!("--web.listen-address=127.0.0.1:{port}"))
            .arg("--cluster.listen-address=")
            .stdin(Stdio::null())
            .stdout(log_file.try_clone().expect("log file"))
            .stderr(log_file)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", binary.display()));
        let mut am = Alertmanager { child, url: format!("http://127.0.0.1:{port}"), log, _dir: dir };
        am.wait_ready(Duration::from_secs(30)).await;
        am
    }

    pub fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(20)..].join("\n")
    }

    async fn wait_ready(&mut self, limit: Duration) {
        let deadline = Instant::now() + limit;
        let client = reqwest::Client::new();
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("alertmanager exited ({status}); its log:\n{}", self.log_tail());
            }
            let ready = client.get(format!("{}/-/ready", self.url)).send().await;
            if ready.is_ok_and(|r| r.status().is_success()) {
                return;
            }
            assert!(Instant::now() < deadline, "alertmanager was not ready within {limit:?}; its log:\n{}", self.log_tail());
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Fires alerts: each `(labels, summary)` for the next hour.
    pub async fn fire(&self, alerts: &[AlertSpec<'_>]) {
        let body: Vec<Value> = alerts
            .iter()
            .map(|(labels, summary)| {
                let labels: serde_json::Map<String, Value> = labels.iter().map(|(k, v)| (k.to_string(), json!(v))).collect();
                let annotations = summary.map_or_else(|| json!({}), |s| json!({ "summary": s }));
                json!({ "labels": labels, "annotations": annotations })
            })
            .collect();
        let r = reqwest::Client::new().post(format!("{}/api/v2/alerts", self.url)).json(&body).send().await.expect("post alerts");
        assert!(r.status().is_success(), "posting alerts: {}", r.status());
    }

    /// Creates a silence directly (as a person would in Alertmanager's UI); its id.
    pub async fn silence(&self, matchers: &[(&str, &str)], comment: &str) -> String {
        let matchers: Vec<Value> =
            matchers.iter().map(|(n, v)| json!({ "name": n, "value": v, "isRegex": false, "isEqual": true })).collect();
        let now = jiff::Timestamp::now();
        let body = json!({
            "matchers": matchers,
            "startsAt": now.to_string(),
            "endsAt": (now + jiff::SignedDuration::from_hours(1)).to_string(),
            "createdBy": "test",
            "comment": comment,
        });
        let r = reqwest::Client::new().post(format!("{}/api/v2/silences", self.url)).json(&body).send().await.expect("post silence");
        let v: Value = r.json().await.expect("silence id");
        v["silenceID"].as_str().expect("silenceID").to_string()
    }

    /// Every silence Alertmanager keeps, as its API lists them.
    pub async fn silences(&self) -> Vec<Value> {
        let r = reqwest::Client::new().get(format!("{}/api/v2/silences", self.url)).send().await.expect("get silences");
        r.json().await.expect("silences JSON")
    }

    /// The silences not expired (active or pending).
    pub async fn live_silences(&self) -> Vec<Value> {
        self.silences().await.into_iter().filter(|s| s["status"]["state"] != "expired").collect()
    }
}
