//! Identities the database vouches for, against the local PostgreSQL: every
//! event records the role the console was connected as (`--as` changes only
//! the display name); the two-person rule counts roles, not names; and a
//! role granted as an observer by the shipped `migrations/roles/grant.sql`
//! (applied with the real `psql`) reads the room but cannot append: its
//! console is read-only without any flag, and the server refuses its appends.
//! A voucher role (`migrations/roles/voucher.sql`, what `opsdeck serve`
//! connects as) is recorded with the name it vouches for.

mod common;

use common::psql::psql;

use opsdeck::adapters::journal::{Actor, Body, Journal, Store, is_read_only};
use opsdeck_core::rollback::Rollbacks;

fn person(name: &str) -> Actor {
    Actor { name: name.into(), host: "bastion-1".into(), from: None }
}

/// The test server's URL connecting as `role` instead of the owner.
fn as_role(role: &str) -> String {
    let url = url::Url::parse(&common::postgres_url()).expect("test URL");
    let mut url = url.clone();
    url.set_username(role).expect("a URL with a user");
    url.to_string()
}

/// Login roles made for one test, dropped with their grants at the end.
struct Roles {
    names: Vec<String>,
}

impl Roles {
    fn create(names: &[&str]) -> Roles {
        let names: Vec<String> = names.iter().map(|n| format!("opsdeck_{n}_{:08x}", fastrand::u32(..))).collect();
        for n in &names {
            psql(&["-c", &format!("CREATE ROLE {n} LOGIN")]);
        }
        Roles { names }
    }
}

impl Drop for Roles {
    fn drop(&mut self) {
        common::psql::drop_roles(&self.names);
    }
}

fn room() -> String {
    format!("roles-{:08x}", fastrand::u32(..))
}

#[tokio::test(flavor = "multi_thread")]
async fn the_database_vouches_for_roles_and_enforces_observers() {
    let room = room();
    // The owner's console creates the tables (migrations) and writes first.
    let owner = Journal::open(Some(&common::postgres_url()), &room, person("root"), false).await.expect("owner journal");
    owner.record(&Body::Marker { text: "deploy v1".into() }).await.expect("the owner appends");
    let roles = Roles::create(&["op", "obs"]);
    let (operator, observer) = (&roles.names[0], &roles.names[1]);
    psql(&["-v", &format!("operator={operator}"), "-v", &format!("observer={observer}"), "-f", "migrations/roles/grant.sql"]);

    // An operator calling herself bob: the name is hers to choose, the role is not.
    let alice = Journal::open(Some(&as_role(operator)), &room, person("bob"), false).await.expect("operator journal");
    assert!(!alice.is_read_only());
    let stored = alice.record(&Body::Marker { text: "deploy v2".into() }).await.expect("the operator appends");
    let event = stored.event().expect("stored, not queued").clone();
    assert_eq!((event.actor.name.as_str(), event.role.as_deref()), ("bob", Some(operator.as_str())));
    let read = alice.sync(0).await.expect("read back");
    let roles_seen: Vec<Option<&str>> = read.iter().map(|e| e.role.as_deref()).collect();
    assert_eq!(roles_seen, vec![Some("postgres"), Some(operator.as_str())], "every event says who the server saw");

    // The observer reads the room, is read-only without a flag, and the
    // server refuses its appends even when the console does not hold back.
    let watcher = Journal::open(Some(&as_role(observer)), &room, person("carol"), false).await.expect("observer journal");
    assert!(watcher.is_read_only(), "an observer role makes a read-only console");
    assert_eq!(watcher.sync(0).await.expect("the observer reads").len(), 2);
    let refused = watcher.store().append(watcher.new_event(&Body::Marker { text: "sneaky".into() })).await.expect_err("refused");
    assert!(is_read_only(&refused), "{refused:#}");
    assert!(format!("{refused:#}").contains("may read this room but not append to it"), "{refused:#}");
    assert_eq!(owner.sync(0).await.expect("read").len(), 2, "nothing was appended");
}

#[tokio::test(flavor = "multi_thread")]
async fn one_role_cannot_approve_its_own_request_under_a_second_name() {
    let room = room();
    let owner = Journal::open(Some(&common::postgres_url()), &room, person("root"), false).await.expect("owner journal");
    owner.record(&Body::Marker { text: "deploy v1".into() }).await.expect("the owner appends");
    let roles = Roles::create(&["alice", "bob"]);
    let observer = Roles::create(&["nobody"]);
    for op in &roles.names {
        psql(&["-v", &format!("operator={op}"), "-v", &format!("observer={}", observer.names[0]), "-f", "migrations/roles/grant.sql"]);
    }
    let alice = Journal::open(Some(&as_role(&roles.names[0])), &room, person("alice"), false).await.expect("alice");
    let alice_as_bob = Journal::open(Some(&as_role(&roles.names[0])), &room, person("bob"), false).await.expect("alice as bob");
    let bob = Journal::open(Some(&as_role(&roles.names[1])), &room, person("bob"), false).await.expect("bob");
    let ask = |j: &Journal, body: Body| {
        let j = j.clone();
        async move { j.record(&body).await.expect("append") }
    };
    ask(&alice, Body::RollbackRequested { request: "q1".into(), action: "previous-release".into() }).await;
    ask(&alice_as_bob, Body::RollbackApproved { request: "q1".into(), action: "previous-release".into() }).await;
    let fold = |events: &[opsdeck::adapters::journal::Event]| {
        let mut r = Rollbacks::default();
        for e in events {
            r.apply(e);
        }
        r
    };
    let r = fold(&owner.sync(0).await.expect("read"));
    assert!(r.request("q1").expect("the request").approved.is_none(), "the same role under another name is the same person");
    ask(&bob, Body::RollbackApproved { request: "q1".into(), action: "previous-release".into() }).await;
    let r = fold(&owner.sync(0).await.expect("read"));
    let approved = r.request("q1").expect("the request").approved.as_ref().map(|(a, _)| a.name.clone());
    assert_eq!(approved.as_deref(), Some("bob"), "a second role approves");
}

/// A voucher (the role `opsdeck serve` connects as, made one by the shipped
/// `migrations/roles/voucher.sql`) carries several people: the server
/// records `role/name`, so two names through one voucher are two people and
/// one approves the other's request; the same names through a role that is
/// not a voucher stay one person.
#[tokio::test(flavor = "multi_thread")]
async fn a_voucher_role_tells_its_people_apart_and_a_plain_role_does_not() {
    let room = room();
    let owner = Journal::open(Some(&common::postgres_url()), &room, person("root"), false).await.expect("owner journal");
    owner.record(&Body::Marker { text: "deploy v1".into() }).await.expect("the owner appends");
    let roles = Roles::create(&["serve", "plain", "nobody"]);
    let (serve, plain, nobody) = (&roles.names[0], &roles.names[1], &roles.names[2]);
    for op in [serve, plain] {
        psql(&["-v", &format!("operator={op}"), "-v", &format!("observer={nobody}"), "-f", "migrations/roles/grant.sql"]);
    }
    psql(&["-v", &format!("serve={serve}"), "-f", "migrations/roles/voucher.sql"]);
    let fold = |events: &[opsdeck::adapters::journal::Event]| {
        let mut r = Rollbacks::default();
        for e in events {
            r.apply(e);
        }
        r
    };
    for (role, vouches) in [(serve, true), (plain, false)] {
        let alice = Journal::open(Some(&as_role(role)), &room, person("alice"), false).await.expect("alice");
        let bob = Journal::open(Some(&as_role(role)), &room, person("bob"), false).await.expect("bob");
        let request = format!("q-{role}");
        let asked = alice.record(&Body::RollbackRequested { request: request.clone(), action: "previous-release".into() }).await;
        let asked = asked.expect("alice asks").event().expect("stored, not queued").clone();
        let expected = if vouches { format!("{role}/alice") } else { role.to_string() };
        assert_eq!(asked.role.as_deref(), Some(expected.as_str()), "who the server recorded");
        bob.record(&Body::RollbackApproved { request: request.clone(), action: "previous-release".into() }).await.expect("bob approves");
        let r = fold(&owner.sync(0).await.expect("read"));
        let approved = r.request(&request).expect("the request").approved.as_ref().map(|(a, _)| a.name.clone());
        if vouches {
            assert_eq!(approved.as_deref(), Some("bob"), "two names through a voucher are two people");
        } else {
            assert_eq!(approved, None, "two names through a plain role are one person");
        }
    }
}
