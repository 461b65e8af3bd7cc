//! The console against a PostgreSQL without TLS, asked for
//! `sslmode=prefer`: its journal store and its `postgres` check fall back
//! to plain text, and it says so: once on the status bar for the store, in
//! the check's detail as the reading's note, and as warnings in the log.

mod common;

use std::time::Duration;

use common::pg_cluster::PgCluster;
use common::pty::Console;

#[test]
fn a_prefer_connection_in_plain_text_is_said_on_the_console_and_in_the_log() {
    let pg = PgCluster::start(false, &["host all all 127.0.0.0/8 trust"]);
    let url = pg.url("127.0.0.1", "sslmode=prefer");
    let home = tempfile::tempdir().unwrap();
    let plan = home.path().join("plan.toml");
    std::fs::write(
        &plan,
        format!("[deck]\nname = \"tls notice\"\n\n[defaults]\nevery = \"1s\"\n\n[[check]]\nid = \"db\"\npostgres = {{ url = \"{url}\", metric = \"up\" }}\n"),
    )
    .unwrap();

    let mut c = Console::start(&["run", plan.to_str().unwrap(), "--store", &url, "--as", "alice"], home.path(), 160, 40);
    c.wait_screen("the store's notice on the status bar", Duration::from_secs(20), |s| {
        s.contains("the journal store: connected in plain text: the server does not offer TLS (sslmode=prefer)")
    });
    // The check's detail (Enter on the first row) shows the reading's note.
    c.wait_for("db");
    c.press(b"\r");
    c.wait_screen("the check's note in its detail", Duration::from_secs(20), |s| {
        s.lines().any(|l| l.contains("Note") && l.contains("connected in plain text"))
    });
    c.press(b"q");
    assert!(c.wait_exit(), "clean exit");

    let log = std::fs::read_to_string(home.path().join("state/opsdeck/opsdeck.log")).expect("the log file");
    let warned = |what: &str| {
        log.lines()
            .any(|l| l.contains(" WARN ") && l.contains(what) && l.contains("connected in plain text: the server does not offer TLS"))
    };
    assert!(warned("the journal store 127.0.0.1:"), "{log}");
    assert!(warned("postgres check on 127.0.0.1:"), "{log}");
    assert!(!log.contains("postgres://"), "no URL in the log:\n{log}");
}
