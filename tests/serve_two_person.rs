//! The two-person rule over `opsdeck serve`, with the real OpenSSH client:
//! alice asks to run a `two_person` rollback, her own approval is refused,
//! carol's (another key) runs it on alice's console. Once with the default
//! SQLite journal (the rule counts the keys' names), once with the journal
//! in PostgreSQL where serve connects as a voucher role (made one by the
//! shipped `migrations/roles/voucher.sql`): the server records each event
//! as `role/name`, so the two keys are two people there too.

mod common;

use common::psql::psql;
use common::serve::Serve;
use opsdeck::adapters::journal::{Event, PgStore, read_all};

fn plan(room: &str) -> String {
    format!(
        r#"
[deck]
name = "Two-person drill"
room = "{room}"
[[check]]
id = "one"
name = "Always one"
command = {{ run = "echo 1", output = "number" }}
every = "2s"
[[rollback]]
id = "flag-off"
title = "Turn the checkout flag off"
run = "echo the flag is off"
two_person = true
"#
    )
}

/// alice asks, is refused her own approval, carol approves and it runs.
fn drill(serve: &Serve) {
    let mut alice = serve.ssh("alice", 100, 30);
    let mut carol = serve.ssh("carol", 100, 30);
    for c in [&mut alice, &mut carol] {
        c.wait_for("Two-person drill");
        c.press(b"4");
        c.wait_for("Rollback 1 action");
    }
    alice.press(b"\r");
    alice.wait_for("Roll back: Turn the checkout flag off");
    alice.wait_for("another person approves");
    alice.press(b"\r");
    alice.wait_for("waiting for approval: alice");
    carol.wait_for("waiting for approval: alice");
    alice.press(b"a");
    alice.wait_for("a different person must approve");
    carol.press(b"a");
    alice.wait_for("succeeded exit 0");
    carol.wait_for("succeeded exit 0");
    drop((alice, carol));
}

fn assert_ran(events: &[Event]) -> (&Event, &Event) {
    let asked = events.iter().find(|e| e.kind == "rollback.requested").expect("alice's request is in the room");
    let approved = events.iter().find(|e| e.kind == "rollback.approved").expect("carol's approval is in the room");
    assert_eq!((asked.actor.name.as_str(), approved.actor.name.as_str()), ("alice", "carol"));
    let ran = events.iter().find(|e| e.kind == "run.finished").expect("the rollback ran");
    assert_eq!(ran.actor.name, "alice", "on the console that asked");
    assert!(ran.payload.to_string().contains("the flag is off"), "{:?}", ran.payload);
    (asked, approved)
}

#[test]
fn two_keys_approve_over_serve_with_sqlite() {
    let home = tempfile::tempdir().expect("temp dir");
    let room = format!("drill-{:08x}", fastrand::u32(..));
    let plan_path = home.path().join("drill.toml");
    std::fs::write(&plan_path, plan(&room)).expect("plan");
    let plan_arg = plan_path.to_string_lossy().to_string();
    let serve = Serve::start_with(&[("alice", "operator"), ("carol", "operator")], home, &[&plan_arg]);
    drill(&serve);
    assert_ran(&serve.events_of(&room));
}

/// A login role for this test, with the operator grants; dropped at the end.
struct TestRole(String);

impl Drop for TestRole {
    fn drop(&mut self) {
        common::psql::drop_roles(std::slice::from_ref(&self.0));
    }
}

#[test]
fn two_keys_approve_over_serve_with_postgres_through_a_voucher() {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    let room = format!("drill-{:08x}", fastrand::u32(..));
    // The owner migrates the journal first; then a role for serve, made a voucher.
    let _entered = rt.enter();
    let owner = PgStore::lazy(&common::postgres_url()).expect("owner store");
    rt.block_on(owner.ready()).expect("the owner migrates");
    let role = TestRole(format!("opsdeck_serve_{:08x}", fastrand::u32(..)));
    let observer = TestRole(format!("opsdeck_nobody_{:08x}", fastrand::u32(..)));
    for r in [&role.0, &observer.0] {
        psql(&["-c", &format!("CREATE ROLE {r} LOGIN")]);
    }
    psql(&["-v", &format!("operator={}", role.0), "-v", &format!("observer={}", observer.0), "-f", "migrations/roles/grant.sql"]);
    psql(&["-v", &format!("serve={}", role.0), "-f", "migrations/roles/voucher.sql"]);
    let mut url = url::Url::parse(&common::postgres_url()).expect("test URL");
    url.set_username(&role.0).expect("a URL with a user");

    let home = tempfile::tempdir().expect("temp dir");
    let plan_path = home.path().join("drill.toml");
    std::fs::write(&plan_path, plan(&room)).expect("plan");
    let plan_arg = plan_path.to_string_lossy().to_string();
    let serve = Serve::start_with(&[("alice", "operator"), ("carol", "operator")], home, &[&plan_arg, "--store", url.as_str()]);
    drill(&serve);
    let events = rt.block_on(read_all(&owner, &room, 0, 1000)).expect("the room's events");
    let (asked, approved) = assert_ran(&events);
    assert_eq!(asked.role.as_deref(), Some(format!("{}/alice", role.0).as_str()), "the server vouches for alice by her key's name");
    assert_eq!(approved.role.as_deref(), Some(format!("{}/carol", role.0).as_str()));
    drop(serve);
}
