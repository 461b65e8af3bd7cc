//! End to end in a pseudo-terminal: a runbook read from a Markdown guide
//! runs each block with the interpreter its fence names (`bash` with
//! `set -o pipefail`, `python3`), in the document's directory by default,
//! and what one shell step exports or `cd`s into carries to the next, as
//! in a Runme session; the runbook's first step starts the session afresh.

mod common;

use std::path::Path;

use common::pty::Console;
use opsdeck::adapters::journal::{Body, SqliteStore, read_all};

const GUIDE: &str = r#"---
shell: bash
---

# Release the ledger

1. Pick the release

   ```bash
   set -o pipefail
   export RELEASE=v2.4.1
   echo picked $RELEASE | tr a-z A-Z
   ```

2. Go to the deploy directory

   ```sh {"name":"enter-deploy","interactive":false}
   cd deploy
   echo entered
   ```

3. Show where we are

   ```shell
   echo "release=$RELEASE dir=$(basename "$PWD")"
   ```

4. Count with Python

   ```python
   import os
   print("python sees", os.environ.get("RELEASE"), "in", os.path.basename(os.getcwd()))
   ```
"#;

fn finished(home: &Path) -> Vec<String> {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    rt.block_on(async {
        let store = SqliteStore::new(home.join("journal"));
        let events = read_all(&store, "ledger", 0, 1000).await.expect("events");
        events
            .iter()
            .filter_map(|e| match Body::of(e) {
                Some(Body::RunFinished { output, exit_code, .. }) => Some(format!("{exit_code:?} {output}")),
                _ => None,
            })
            .collect()
    })
}

#[test]
fn steps_share_a_session_and_run_with_their_interpreter_in_the_documents_directory() {
    let home = tempfile::tempdir().expect("temp dir");
    let docs = home.path().join("docs");
    std::fs::create_dir_all(docs.join("deploy")).expect("dirs");
    std::fs::write(docs.join("release.md"), GUIDE).expect("guide");
    let plan = home.path().join("plan.toml");
    std::fs::write(
        &plan,
        "[deck]\nname = \"Ledger\"\nroom = \"ledger\"\n\n[[check]]\nid = \"local\"\ntcp = { address = \"127.0.0.1:9\" }\n\n[[runbook]]\nid = \"release\"\nfrom = \"docs/release.md\"\n",
    )
    .expect("plan");
    let store = format!("sqlite:{}", home.path().join("journal").display());
    let plan = plan.to_string_lossy().into_owned();
    let mut c = Console::start(&["run", &plan, "--store", &store, "--as", "alice"], home.path(), 120, 40);
    c.wait_for("▸Metrics");
    c.press(b"3");
    c.wait_for("0/4 steps");
    for (n, expect) in [(1, "PICKED V2.4.1"), (2, "entered"), (3, "release=v2.4.1 dir=deploy"), (4, "python sees v2.4.1 in deploy")] {
        c.wait_for(&format!("Step {n}:"));
        c.press(b"\r");
        c.wait_for(expect);
        c.wait_for(&format!("{n}/4 steps"));
        if n < 4 {
            // Enter on a finished step moves on to the next.
            c.press(b"\r");
        }
    }
    c.press(b"q");
    assert!(c.wait_exit(), "clean exit");
    let runs = finished(home.path());
    assert_eq!(
        runs,
        ["Some(0) PICKED V2.4.1", "Some(0) entered", "Some(0) release=v2.4.1 dir=deploy", "Some(0) python sees v2.4.1 in deploy"],
        "bash ran the pipefail step, the session carried RELEASE and the directory, python ran too"
    );
}

/// A ```sql block with `dsn_env` runs through the PostgreSQL driver against
/// the real server; one without a database is never handed to a shell.
#[test]
fn a_sql_step_runs_through_the_driver() {
    let home = tempfile::tempdir().expect("temp dir");
    std::fs::write(
        home.path().join("db.md"),
        "# Database checks\n\n1. Count the connections\n\n   ```sql {\"dsn_env\":\"LEDGER_DB\"}\n   SELECT 'ledger' AS app, 40 + 2 AS answer;\n   ```\n\n2. Something to read\n\n   ```sql\n   SELECT 1;\n   ```\n",
    )
    .expect("doc");
    let plan = home.path().join("plan.toml");
    std::fs::write(
        &plan,
        "[deck]\nname = \"Ledger\"\nroom = \"ledger\"\n\n[[check]]\nid = \"local\"\ntcp = { address = \"127.0.0.1:9\" }\n\n[[runbook]]\nid = \"db\"\nfrom = \"db.md\"\n",
    )
    .expect("plan");
    let store = format!("sqlite:{}", home.path().join("journal").display());
    let plan = plan.to_string_lossy().into_owned();
    let url = common::postgres_url();
    let mut c =
        Console::start_with_env(&["run", &plan, "--store", &store, "--as", "alice"], home.path(), 120, 40, &[("LEDGER_DB", url.as_str())]);
    c.wait_for("▸Metrics");
    c.press(b"3");
    c.wait_for("Step 1: Count the connections");
    c.press(b"\r");
    c.wait_for("ledger | 42");
    c.wait_for("(1 row)");
    c.wait_for("1/2 steps");
    c.press(b"\r");
    c.wait_for("Step 2: Something to read");
    c.wait_for("done by hand");
    c.press(b"q");
    assert!(c.wait_exit(), "clean exit");
    let runs = finished(home.path());
    assert_eq!(runs.len(), 1, "{runs:?}");
    assert!(runs[0].contains("app    | answer") && runs[0].contains("ledger | 42"), "{runs:?}");
}
