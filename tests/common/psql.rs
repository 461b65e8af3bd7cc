//! The real `psql`, run as the test server's owner, for tests that create
//! login roles and grant them the shipped `migrations/roles/grant.sql`.
//! One statement at a time per test process: PostgreSQL refuses a GRANT
//! and a `DROP OWNED` that touch one table's privileges at once ("tuple
//! concurrently updated"), and another test process may still collide, so
//! that refusal is retried.

use std::process::Command;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

/// Runs `psql ARGS` against the test server; fails the test with its output.
pub fn psql(args: &[&str]) {
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(PoisonError::into_inner);
    let mut tries = 0;
    loop {
        let out = Command::new("psql")
            .arg(super::postgres_url())
            .args(["-q", "-v", "ON_ERROR_STOP=1"])
            .args(args)
            .output()
            .expect("psql (PostgreSQL's client) must be installed");
        let stderr = String::from_utf8_lossy(&out.stderr);
        if out.status.success() {
            return;
        }
        tries += 1;
        assert!(stderr.contains("tuple concurrently updated") && tries < 5, "psql {args:?} failed: {stderr}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Drops the login roles `names` and everything granted to them.
pub fn drop_roles(names: &[String]) {
    for n in names {
        psql(&["-c", &format!("DROP OWNED BY {n}; DROP ROLE {n}")]);
    }
}
