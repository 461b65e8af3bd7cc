//! Secrets and the command line, run as a user runs it: `opsdeck status`
//! (table and `--json`) masks what a command probe prints, `opsdeck
//! export` masks what a journal holds verbatim, and `opsdeck check` warns
//! about secrets too short to mask without printing them.

use std::path::Path;
use std::process::{Command, Output};

use opsdeck::adapters::journal::{Actor, Body, NewEvent, SqliteStore, Store};

/// Named by the plan's `url_env`: its value is a secret, whole, though its
/// name does not look secret.
const UPSTREAM_URL: &str = "http://127.0.0.1:9/internal-upstream-5150";
/// A secret-looking name.
const API_TOKEN: &str = "tok-status-8086";

fn opsdeck(args: &[&str], home: &Path, env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_opsdeck"));
    cmd.args(args)
        .current_dir(home)
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("XDG_STATE_HOME", home.join("state"))
        .env_remove("OPSDECK_STORE")
        .env_remove("NO_COLOR");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("opsdeck runs")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn write_plan(home: &Path, body: &str) -> String {
    let path = home.join("plan.toml");
    std::fs::write(&path, format!("[deck]\nname = \"Secrets\"\nenvironment = \"staging\"\nroom = \"secrets\"\n{body}")).expect("plan");
    path.to_string_lossy().into_owned()
}

const STATUS_PLAN: &str = r#"
[[check]]
id = "leaky"
command = { run = "echo \"token $API_TOKEN upstream $UPSTREAM_URL\" >&2; exit 3", output = "number" }

[[check]]
id = "upstream"
timeout = "1s"
http = { url_env = "UPSTREAM_URL" }
"#;

#[test]
fn status_masks_what_a_command_probe_prints() {
    let home = tempfile::tempdir().expect("temp dir");
    let plan = write_plan(home.path(), STATUS_PLAN);
    let env = [("API_TOKEN", API_TOKEN), ("UPSTREAM_URL", UPSTREAM_URL)];

    let out = opsdeck(&["status", &plan, "--json"], home.path(), &env);
    let stdout = text(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(2),
        "leaky is CRITICAL (and the upstream UNKNOWN): CRITICAL anywhere exits 2:\n{stdout}\n{}",
        text(&out.stderr)
    );
    let json: serde_json::Value = serde_json::from_str(&stdout).expect("JSON");
    assert_eq!(json["checks"][1]["state"], "UNKNOWN");
    assert_eq!(json["checks"][0]["id"], "leaky");
    assert_eq!(json["checks"][0]["reason"], "failed: exit 3: token *** upstream ***");
    for secret in [API_TOKEN, UPSTREAM_URL, "internal-upstream-5150"] {
        assert!(!stdout.contains(secret), "status --json shows {secret:?}:\n{stdout}");
    }

    let out = opsdeck(&["status", &plan], home.path(), &env);
    let stdout = text(&out.stdout);
    assert!(stdout.contains("exit 3: token *** upstream ***"), "{stdout}");
    for secret in [API_TOKEN, UPSTREAM_URL, "internal-upstream-5150"] {
        assert!(!stdout.contains(secret), "the status table shows {secret:?}:\n{stdout}");
    }
}

#[test]
fn export_masks_what_the_journal_holds_verbatim() {
    let home = tempfile::tempdir().expect("temp dir");
    let plan = write_plan(
        home.path(),
        "[[runbook]]\nid = \"db\"\nenv = { DATABASE_URL = \"postgres://app:hunter22@db/app?token=abcd1234\" }\nsteps = [{ title = \"t\", run = \"true\" }]\n",
    );
    let journal = home.path().join("journal");
    // Stored as an older console would have: straight into the store, unmasked.
    let actor = Actor { name: "alice".into(), host: "bastion-1".into(), from: None };
    let bodies = [
        Body::IncidentOpened { title: format!("Leaked {API_TOKEN}"), severity: "P1".into() },
        Body::IncidentNote { incident: 1, text: "db is postgres://app:hunter22@db/app?token=abcd1234".into(), comms: false },
        Body::IncidentNote { incident: 1, text: format!("rotate {API_TOKEN} now"), comms: true },
    ];
    tokio::runtime::Runtime::new().expect("runtime").block_on(async {
        let store = SqliteStore::new(&journal);
        for (i, body) in bodies.iter().enumerate() {
            store.append(NewEvent::new("secrets", &actor, 1_000 + i as i64, body)).await.expect("append");
        }
    });
    let store = format!("sqlite:{}", journal.display());
    let out = opsdeck(&["export", "--incident", "1", "--plan", &plan, "--store", &store], home.path(), &[("API_TOKEN", API_TOKEN)]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(stdout.contains("Leaked ***"), "{stdout}");
    assert!(stdout.contains("postgres://app:***@db/app?token=***"), "{stdout}");
    for secret in [API_TOKEN, "hunter22", "abcd1234"] {
        assert!(!stdout.contains(secret), "the export shows {secret:?}:\n{stdout}");
    }
}

#[test]
fn check_warns_about_secrets_too_short_to_mask() {
    let home = tempfile::tempdir().expect("temp dir");
    let plan = write_plan(
        home.path(),
        r#"
[[check]]
id = "api"
http = { url_env = "SHORT_URL" }

[[runbook]]
id = "deploy"
env = { DEPLOY_TOKEN = "K3y" }
steps = [{ title = "t", run = "true" }]
"#,
    );
    let out = opsdeck(&["check", &plan], home.path(), &[("SHORT_URL", "Q7x"), ("DB_PASS", "Zq9")]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "warnings, not errors:\n{stderr}");
    assert!(
        stderr.contains(&format!(
            "{plan}:8:20: warning: check[api].http.url_env: the value of `SHORT_URL` is under 4 characters, too short to mask safely"
        )),
        "{stderr}"
    );
    assert!(stderr.contains("warning: runbook[deploy].env.DEPLOY_TOKEN: the value of `DEPLOY_TOKEN` is under 4 characters"), "{stderr}");
    assert!(stderr.contains("warning: the value of `DB_PASS` (from the environment) is under 4 characters"), "{stderr}");
    for value in ["Q7x", "Zq9", "K3y"] {
        assert!(!stderr.contains(value), "check prints the value {value:?}:\n{stderr}");
    }
    assert!(text(&out.stdout).contains(" warnings (above)"), "{}", text(&out.stdout));
}
