//! `opsdeck import`: the summary with a plan fragment, `--json`, and an unreadable file.

use std::process::Command;

fn fixture(name: &str) -> String {
    format!("{}/tests/fixtures/markdown/{name}", env!("CARGO_MANIFEST_DIR"))
}

fn opsdeck(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_opsdeck")).args(args).env("NO_COLOR", "1").output().expect("run opsdeck");
    (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned())
}

#[test]
fn summary_lists_phases_and_a_plan_fragment() {
    let doc = fixture("runbook.md");
    let (code, out, err) = opsdeck(&["import", &doc]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("  Triage (0 items, 4 steps)"), "{out}");
    assert!(out.contains("  Verification (0 items, 1 step)"), "{out}");
    assert!(out.contains("line 33: code block in language \"ruby\" at line 33 is not runnable"), "{out}");
    assert!(out.contains(&format!("[[runbook]]\nid = \"triage\"\ntitle = \"Triage\"\nfrom = \"{doc}#triage\"")), "{out}");
    assert!(!out.contains("[[checklist]]"), "no checklist items in a runbook: {out}");

    let (code, out, _) = opsdeck(&["import", &fixture("launch-checklist.md")]);
    assert_eq!(code, 0);
    assert!(out.contains("      Read replicas (1 item, 0 steps)"), "{out}");
    assert!(out.contains("[[checklist]]\nfrom = "), "{out}");
    let fragment = out.split("# Plan fragment:").nth(1).unwrap_or_default();
    assert!(toml::from_str::<toml::Table>(fragment).is_ok(), "the fragment is valid TOML: {fragment}");
}

#[test]
fn json_is_the_model() {
    let (code, out, err) = opsdeck(&["import", "--json", &fixture("targets.md")]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert_eq!(v["title"], "Performance targets");
    assert_eq!(v["phases"].as_array().map(Vec::len), Some(4));
    assert_eq!(v["bands"][0]["name"], "Checkout p95");
    assert_eq!(v["bands"][0]["target"]["bound"], "< 300ms");
    assert_eq!(v["phases"][3]["items"][0]["text"], "Review the budgets with the SRE lead");

    let (_, out, _) = opsdeck(&["import", "--json", &fixture("runbook.md")]);
    let v: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert_eq!(v["phases"][1]["steps"][2]["kind"]["type"], "run");
    assert_eq!(v["phases"][1]["steps"][2]["kind"]["name"], "db-ping");
    assert_eq!(v["phases"][1]["steps"][0]["kind"]["type"], "manual");
}

#[test]
fn unreadable_file_exits_1() {
    let (code, out, err) = opsdeck(&["import", "/nonexistent/deploy.md"]);
    assert_eq!(code, 1);
    assert!(out.is_empty());
    assert!(err.contains("cannot read /nonexistent/deploy.md"), "{err}");
}
