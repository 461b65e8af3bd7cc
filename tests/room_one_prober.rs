//! One prober and one judge per room, with real processes: three `opsdeck
//! run` consoles in pseudo-terminals share one room of the local
//! PostgreSQL and probe a local HTTP target that counts its requests.
//! The room sends one console's worth of probes; every screen names the
//! same prober and shows the same state; only the prober records state
//! changes; a trigger fires once for the room over more than 50 probe
//! rounds, across a SIGKILL of the prober; another console takes over
//! within 10 s and continues; no console holds more than two connections
//! to the journal's database; `status --store` and `triggers --replay
//! --store` read the room's states and samples without probing.

mod common;

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use axum::Router;
use axum::http::StatusCode;
use axum::routing::get;
use common::pty::Console;

/// The target: counts every request; answers 200, or 500 while failing.
struct Target {
    addr: SocketAddr,
    hits: Arc<AtomicU64>,
    failing: Arc<AtomicBool>,
}

impl Target {
    fn start() -> Target {
        let hits = Arc::new(AtomicU64::new(0));
        let failing = Arc::new(AtomicBool::new(false));
        let (h, f) = (hits.clone(), failing.clone());
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("a runtime");
            rt.block_on(async move {
                let app = Router::new().route(
                    "/health",
                    get(move || {
                        let (h, f) = (h.clone(), f.clone());
                        async move {
                            h.fetch_add(1, Ordering::SeqCst);
                            if f.load(Ordering::SeqCst) { StatusCode::INTERNAL_SERVER_ERROR } else { StatusCode::OK }
                        }
                    }),
                );
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
                tx.send(listener.local_addr().expect("addr")).expect("send the address");
                axum::serve(listener, app).await.expect("serve");
            });
        });
        Target { addr: rx.recv().expect("the target's address"), hits, failing }
    }

    fn hits(&self) -> u64 {
        self.hits.load(Ordering::SeqCst)
    }
}

const EVERY_MS: u64 = 250;

fn plan(target: SocketAddr, room: &str) -> String {
    format!(
        r#"
[deck]
name = "One prober"
room = "{room}"
[defaults]
raise_after = 1
clear_after = 1
stale_after = "4s"
[[check]]
id = "api"
http = {{ url = "http://{target}/health" }}
every = "{EVERY_MS}ms"
band = {{ target = "< 500", critical = "> 2000" }}
[[trigger]]
id = "api-down"
when = ["api critical for 1s"]
mode = "advise"
cooldown = "1h"
"#
    )
}

/// The STATE column of `check`'s row on a console's screen (`✖ CRIT`).
fn state_of(screen: &str, check: &str) -> Option<String> {
    screen.lines().find_map(|l| {
        let row = l.strip_prefix('│')?;
        let state: String = row.chars().take(6).collect();
        let name: String = row.chars().skip(7).take(check.chars().count() + 1).collect();
        (name == format!("{check} ")).then(|| state.trim().to_string())
    })
}

/// Whose name a screen's status bar gives as the room's prober.
fn prober_on(screen: &str) -> Option<String> {
    let bar = screen.lines().last()?;
    let at = bar.find("probing: ")? + "probing: ".len();
    Some(bar[at..].split(['@', ' ']).next()?.to_string())
}

/// Runs `opsdeck ARGS` to the end.
fn opsdeck(args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_opsdeck")).args(args).output().expect("opsdeck runs")
}

async fn pool() -> sqlx::PgPool {
    let url = common::postgres_url();
    sqlx::PgPool::connect(&url).await.unwrap_or_else(|e| panic!("PostgreSQL at {url}: {e}"))
}

/// `(kind, actor name, payload)` of the room's events, in order.
async fn events(db: &sqlx::PgPool, room: &str) -> Vec<(String, String, serde_json::Value)> {
    sqlx::query_as("SELECT kind, actor->>'name', payload FROM journal_events WHERE room = $1 ORDER BY seq")
        .bind(room)
        .fetch_all(db)
        .await
        .expect("reading the room's events")
}

/// Connections open now under the application name `app`.
async fn connections(db: &sqlx::PgPool, app: &str) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM pg_stat_activity WHERE application_name = $1")
        .bind(app)
        .fetch_one(db)
        .await
        .expect("reading pg_stat_activity")
}

/// The name of the lease's holder, if the lease is live.
async fn holder(db: &sqlx::PgPool, room: &str) -> Option<String> {
    sqlx::query_scalar(
        "SELECT actor->>'name' FROM room_prober WHERE room = $1 \
         AND expires_ms > (extract(epoch FROM clock_timestamp()) * 1000)::bigint",
    )
    .bind(room)
    .fetch_optional(db)
    .await
    .expect("reading the lease")
}

fn wait_all(consoles: &[(String, Console)], what: &str, cond: impl Fn(&str) -> bool) {
    for (name, c) in consoles {
        c.wait_screen(&format!("{name}: {what}"), common::PATIENCE, &cond);
    }
}

#[test]
fn a_room_has_one_prober_one_judge_and_a_quick_takeover() {
    let rt = tokio::runtime::Runtime::new().expect("a runtime");
    let db = rt.block_on(pool());
    let target = Target::start();
    let room = format!("one-prober-{:08x}", fastrand::u32(..));
    let dir = tempfile::tempdir().expect("a temp dir");
    let plan_path = dir.path().join("plan.toml");
    std::fs::write(&plan_path, plan(target.addr, &room)).expect("write the plan");
    // The consoles' own application name, to count their connections.
    let app = format!("opsdeck-{room}");
    let url = format!("{}?application_name={app}", common::postgres_url());
    let mut consoles: Vec<(String, Console)> = ["p1", "p2", "p3"]
        .iter()
        .map(|name| {
            let home = dir.path().join(name);
            let args = ["run", plan_path.to_str().expect("utf-8 path"), "--store", &url, "--as", name];
            (name.to_string(), Console::start(&args, &home, 100, 30))
        })
        .collect();

    // Every screen names the same prober, and it is the lease's holder.
    let first = common::wait_for_some("the lease to be held", common::PATIENCE, || rt.block_on(holder(&db, &room)));
    wait_all(&consoles, &format!("probing: {first}"), |s| prober_on(s).as_deref() == Some(first.as_str()));
    wait_all(&consoles, "api OK", |s| state_of(s, "api").as_deref() == Some("✓ OK"));

    // One console's worth of probes, not three; two connections per console.
    let window = Duration::from_secs(5);
    let before = target.hits();
    let started = Instant::now();
    let mut most = 0;
    while started.elapsed() < window {
        most = most.max(rt.block_on(connections(&db, &app)));
        std::thread::sleep(Duration::from_millis(100));
    }
    let probes = target.hits() - before;
    eprintln!("3 consoles held at most {most} connections to the journal's database");
    assert!(most <= 6, "at most two connections per console: {most} for 3");
    let one_console = window.as_millis() as u64 / EVERY_MS;
    eprintln!("3 consoles, {window:?}: {probes} probes on the target (one console's plan makes {one_console})");
    assert!(probes >= one_console / 2, "the room's prober probes: {probes}");
    assert!(probes <= one_console * 3 / 2, "one console's worth of probes, not three: {probes} > {}", one_console * 3 / 2);

    // The target fails: every screen shows the judge's state.
    target.failing.store(true, Ordering::SeqCst);
    let failing_since = Instant::now();
    let rounds_before = target.hits();
    wait_all(&consoles, "api CRIT", |s| state_of(s, "api").as_deref() == Some("✖ CRIT"));
    for _ in 0..5 {
        let states: Vec<Option<String>> = consoles.iter().map(|(_, c)| state_of(&c.text(), "api")).collect();
        assert!(states.iter().all(|s| s == &states[0]), "the consoles agree: {states:?}");
        std::thread::sleep(Duration::from_millis(200));
    }

    // SIGKILL the prober, mid-failure.
    let victim = consoles.iter().position(|(n, _)| *n == first).expect("the prober is one of ours");
    let (_, mut killed) = consoles.remove(victim);
    let hits_at_kill = target.hits();
    let killed_at = Instant::now();
    killed.signal(libc::SIGKILL);
    assert!(!killed.wait_exit(), "killed, not ended");
    let next = common::wait_for_some("another console to hold the lease", Duration::from_secs(10), || {
        rt.block_on(holder(&db, &room)).filter(|h| *h != first)
    });
    common::wait_until("the target to be probed again", Duration::from_secs(10), || target.hits() > hits_at_kill + 1);
    let takeover = killed_at.elapsed();
    eprintln!("takeover after SIGKILL of {first}: {next} probes again after {takeover:?}");
    assert!(takeover < Duration::from_secs(10), "{takeover:?}");
    wait_all(&consoles, &format!("probing: {next}"), |s| prober_on(s).as_deref() == Some(next.as_str()));

    // Hold the failure for more than 50 probe rounds in all.
    common::wait_until("50 probe rounds of the failure", Duration::from_secs(60), || target.hits() >= rounds_before + 50);
    wait_all(&consoles, "api CRIT", |s| state_of(s, "api").as_deref() == Some("✖ CRIT"));
    eprintln!("failing for {:?}, {} probe rounds", failing_since.elapsed(), target.hits() - rounds_before);

    // Recovery: seen everywhere.
    target.failing.store(false, Ordering::SeqCst);
    wait_all(&consoles, "api OK again", |s| state_of(s, "api").as_deref() == Some("✓ OK"));

    let all = rt.block_on(events(&db, &room));
    let fired: Vec<_> = all.iter().filter(|(kind, _, _)| kind == "trigger.fired").collect();
    assert_eq!(fired.len(), 1, "one firing for the room over the whole failure, across the takeover: {fired:?}");
    let judges: std::collections::BTreeSet<&str> =
        all.iter().filter(|(kind, _, _)| kind == "check.state").map(|(_, who, _)| who.as_str()).collect();
    let expected: std::collections::BTreeSet<&str> = [first.as_str(), next.as_str()].into();
    assert!(judges.is_subset(&expected), "only the room's probers record state changes: {judges:?}");
    let states: Vec<&str> =
        all.iter().filter(|(kind, _, _)| kind == "check.state").filter_map(|(_, _, p)| p.get("to").and_then(|t| t.as_str())).collect();
    assert_eq!(states.first(), Some(&"OK"), "{states:?}");
    assert!(states.contains(&"CRITICAL") && states.last() == Some(&"OK"), "{states:?}");

    // The room's states and history without probing: every console's tools read the room.
    let status = opsdeck(&["status", plan_path.to_str().expect("utf-8"), "--store", &url, "--json"]);
    assert!(status.status.success(), "status exits 0 on an OK room: {status:?}");
    let states: serde_json::Value = serde_json::from_slice(&status.stdout).expect("status --json");
    assert_eq!(states["checks"][0]["state"], "OK", "{states}");
    let said = String::from_utf8_lossy(&status.stderr);
    assert!(said.contains(&format!("probed by {next}@")) && said.contains("nothing probed here"), "{said}");
    let replay = opsdeck(&["triggers", plan_path.to_str().expect("utf-8"), "--replay", "--store", &url, "--since", "10m", "--json"]);
    let replay: serde_json::Value = serde_json::from_slice(&replay.stdout).expect("triggers --replay --json");
    assert!(replay["samples"].as_u64().is_some_and(|n| n >= 50), "the room's samples: {replay}");
    let fired = replay["timeline"].as_array().expect("a timeline").iter().any(|h| h["trigger"] == "api-down");
    assert!(fired, "the replay of the room's samples fires api-down: {replay}");

    for (_, mut c) in consoles {
        c.press(b"q");
        assert!(c.wait_exit(), "a console quits");
    }
}
