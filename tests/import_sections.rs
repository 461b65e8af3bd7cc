//! Markdown as teams write it: one section of a guide per runbook
//! (`from = "guide.md#anchor"`), the instructions nested under a step kept
//! as its details, blocks that are for reading (declarations, transcripts,
//! SQL, comments) never run, and `check` saying each importer warning once.

use std::path::Path;
use std::process::Command;

use opsdeck_core::config::load_plan;
use opsdeck_core::import::{StepKind, import};

const HANDBOOK: &str = "tests/fixtures/markdown/ops-handbook.md";

fn handbook() -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(HANDBOOK)).expect("the fixture")
}

fn opsdeck(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_opsdeck")).args(args).env("NO_COLOR", "1").output().expect("run opsdeck");
    (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned())
}

/// A plan beside a copy of the handbook, with `body` after a `[deck]`.
fn plan_dir(body: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("a temp dir");
    std::fs::write(dir.path().join("handbook.md"), handbook()).expect("write the doc");
    std::fs::write(dir.path().join("plan.toml"), format!("[deck]\nname = \"Payments\"\n\n{body}")).expect("write the plan");
    dir
}

#[test]
fn each_runbook_section_is_its_own_runbook() {
    let doc = import(&handbook());
    let texts = |anchor: &str| -> Vec<String> {
        let s = doc.section(anchor).unwrap_or_else(|e| panic!("{anchor}: {e}"));
        s.phases.iter().flat_map(|p| &p.steps).map(|s| s.text.clone()).collect()
    };
    assert_eq!(
        texts("application-down"),
        ["Check the load balancer's target health", "Look at the pods", "Roll back the last deploy if it is less than an hour old"]
    );
    assert_eq!(texts("high-response-times").len(), 3);
    assert_eq!(texts("database-issues").len(), 4, "three numbered steps and the comments-only block");
    assert_eq!(texts("runbooks").len(), 10, "a heading takes its subsections");
    assert!(texts("-before-go-live").is_empty() && texts("before-go-live").is_empty(), "the emoji's hyphen is optional");

    let (code, out, err) = opsdeck(&["import", HANDBOOK]);
    assert_eq!(code, 0, "{err}");
    let fragment = out.split("# Plan fragment:").nth(1).expect("a fragment");
    let froms: Vec<&str> = fragment.lines().filter_map(|l| l.strip_prefix("from = ")).collect();
    assert_eq!(
        froms,
        [
            format!("\"{HANDBOOK}\""),
            format!("\"{HANDBOOK}#application-down\""),
            format!("\"{HANDBOOK}#high-response-times\""),
            format!("\"{HANDBOOK}#database-issues\""),
        ]
    );
    assert!(toml::from_str::<toml::Table>(fragment).is_ok(), "the fragment is TOML: {fragment}");
}

#[test]
fn what_sits_under_a_step_is_kept_as_its_details() {
    let doc = import(&handbook());
    let down = doc.section("application-down").expect("the section");
    let steps = &down.phases[0].steps;
    assert_eq!(steps[0].details, ["• open the target group in the console", "• at least two targets must be healthy"]);
    assert!(matches!(&steps[1].kind, StepKind::Run { script, .. } if script == "kubectl -n payments get pods -o wide"));
    assert_eq!(steps[1].details, ["Pods in CrashLoopBackOff point at a bad config push."]);
    let items = &doc.section("before-go-live").expect("the section").phases[0].items;
    assert_eq!(items[0].details, ["• announce it in #payments-eng", "• pin the release tag in the channel topic"]);
    assert_eq!(items[2].details, ["Whoever is primary keeps the pager; secondary watches the dashboards."]);

    let (code, out, _) = opsdeck(&["import", HANDBOOK, "--json"]);
    assert_eq!(code, 0);
    let json: serde_json::Value = serde_json::from_str(&out).expect("JSON");
    let first = &json["phases"][1]["items"][0];
    assert_eq!(first["details"][0], "• announce it in #payments-eng", "{first}");
}

#[test]
fn blocks_for_reading_never_run() {
    let doc = import(&handbook());
    let slow = doc.section("high-response-times").expect("the section");
    let sql = &slow.phases[0].steps[1];
    assert_eq!(sql.kind, StepKind::Manual, "a ```sql block under a step is kept to read");
    assert!(sql.details.iter().any(|d| d.contains("FROM pg_stat_activity")), "{:?}", sql.details);
    let db = doc.section("database-issues").expect("the section");
    let steps = &db.phases[0].steps;
    assert_eq!(steps[1].kind, StepKind::Manual, "a transcript is not run");
    assert!(steps[1].details.iter().any(|d| d.contains("$ psql")), "{:?}", steps[1].details);
    assert_eq!(steps[3].text, "Ask the database owner before failing over.");
    assert_eq!((steps[3].kind.clone(), steps[3].details.len()), (StepKind::Manual, 2), "comments only: a step done by hand");
    assert!(
        !doc.phases.iter().flat_map(|p| &p.steps).any(
            |s| matches!(s.kind, StepKind::Run { ref script, .. } if script.contains("PAYMENTS_DB_URL") || script.starts_with("SELECT"))
        )
    );
    let warned: Vec<usize> = doc.warnings.iter().map(|w| w.line).collect();
    assert_eq!(warned, [10, 17, 57, 70], "{:#?}", doc.warnings);
}

#[test]
fn a_plan_takes_sections_and_check_says_each_warning_once() {
    let dir = plan_dir(
        "[[checklist]]\nfrom = \"handbook.md#before-go-live\"\n\n\
         [[runbook]]\nid = \"app-down\"\nfrom = \"handbook.md#application-down\"\n\n\
         [[runbook]]\nid = \"slow\"\nfrom = \"handbook.md#high-response-times\"\n\n\
         [[runbook]]\nid = \"db\"\nfrom = \"handbook.md#database-issues\"\n",
    );
    let plan_path = dir.path().join("plan.toml");
    let plan = load_plan(&plan_path).plan.expect("a valid plan");
    let launch = opsdeck::adapters::launch_docs::load(&plan);
    let steps: Vec<(String, usize)> = launch.runbooks.iter().map(|b| (b.id.clone(), b.steps.len())).collect();
    assert_eq!(steps, [("app-down".to_string(), 3), ("slow".into(), 3), ("db".into(), 4)]);
    assert_eq!(launch.runbooks[0].title, "Application Down");
    assert_eq!(launch.runbooks[0].steps[0].details.len(), 2);
    assert_eq!(launch.checklists[0].phases.iter().map(|p| p.items.len()).sum::<usize>(), 3);
    assert_eq!(launch.warnings.iter().filter(|w| w.contains(":10:")).count(), 1, "{:#?}", launch.warnings);

    let (code, out, err) = opsdeck(&["check", plan_path.to_str().expect("utf-8")]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("app-down (3 steps, 1 runnable)"), "{out}");
    for line in ["10", "17", "57", "70"] {
        let n = err.matches(&format!("handbook.md:{line}:")).count();
        assert_eq!(n, 1, "the warning of line {line} once, not once per runbook: {err}");
    }
}

#[test]
fn a_section_the_doc_does_not_have_is_an_error_with_a_suggestion() {
    let dir = plan_dir("[[runbook]]\nid = \"db\"\nfrom = \"handbook.md#database-issue\"\n");
    let (code, _, err) = opsdeck(&["check", dir.path().join("plan.toml").to_str().expect("utf-8")]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("no section `#database-issue`; did you mean `#database-issues`?"), "{err}");
    assert!(err.contains("plan.toml:6:20:"), "points at the plan's `from`: {err}");
}

#[test]
fn an_empty_checklist_or_runbook_is_a_warning_and_never_complete() {
    let dir = plan_dir(
        "[[checklist]]\nfrom = \"handbook.md#configuration\"\n\n[[runbook]]\nid = \"cfg\"\nfrom = \"handbook.md#configuration\"\n",
    );
    let (code, _, err) = opsdeck(&["check", dir.path().join("plan.toml").to_str().expect("utf-8")]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("no `- [ ]` items; the checklist is empty"), "{err}");
    assert!(err.contains("runbook `cfg` is empty"), "{err}");
    assert_eq!(opsdeck_core::launch::Tally::default().ratio(), None, "nothing to do is not 100 %");
}

#[test]
fn an_env_block_outside_a_step_is_named_not_run() {
    let doc = import("# Config\n\n```env\nAPI_URL=https://api.internal\n```\n\n1. Deploy\n\n   ```dotenv\n   FLAG=on\n   ```\n");
    let warned: Vec<&str> = doc.warnings.iter().map(|w| w.message.as_str()).collect();
    assert_eq!(warned, ["env block at line 3 holds KEY=value declarations; not a step, never run"], "{warned:?}");
    let step = &doc.phases[0].steps[0];
    assert_eq!((step.kind.clone(), step.details.clone()), (StepKind::Manual, vec!["    FLAG=on".to_string()]));
}
