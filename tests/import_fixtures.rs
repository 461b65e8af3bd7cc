//! Markdown import of the fixtures under tests/fixtures/markdown: exact phases,
//! counts per phase, steps, bands and warnings.

use opsdeck_core::import::{Imported, StepKind, import, import_named};

fn fixture(name: &str) -> String {
    let path = format!("{}/tests/fixtures/markdown/{name}", env!("CARGO_MANIFEST_DIR"));
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    String::from_utf8_lossy(&bytes).into_owned()
}

/// (path joined with " / ", items, steps) per phase.
fn shape(doc: &Imported) -> Vec<(String, usize, usize)> {
    doc.phases.iter().map(|p| (p.path.join(" / "), p.items.len(), p.steps.len())).collect()
}

fn owned(v: &[(&str, usize, usize)]) -> Vec<(String, usize, usize)> {
    v.iter().map(|(p, i, s)| (p.to_string(), *i, *s)).collect()
}

#[test]
fn launch_checklist_phases_and_nesting() {
    let doc = import(&fixture("launch-checklist.md"));
    assert_eq!(doc.title.as_deref(), Some("Storefront launch"));
    assert_eq!(
        shape(&doc),
        owned(&[
            ("Storefront launch", 0, 0),
            ("The week before", 2, 0),
            ("The week before / Capacity", 4, 0),
            ("The week before / Comms", 2, 0),
            ("Launch day", 1, 0),
            ("Launch day / Database", 2, 0),
            ("Launch day / Database / Read replicas", 1, 0),
            ("Launch day / Payments", 2, 0),
            ("After launch", 0, 0),
        ])
    );
    let capacity: Vec<&str> = doc.phases[2].items.iter().map(|i| i.text.as_str()).collect();
    assert_eq!(
        capacity,
        [
            "Raise the autoscaling ceiling to 40 pods",
            "Confirm the quota with the cloud account team",
            "Warm the image cache on every node",
            "Load-test checkout at twice last year's peak",
        ]
    );
    assert_eq!(doc.phases[2].items[3].id, "load-test");
    assert_eq!(doc.phases[2].items[0].line, 13);
    assert_eq!(doc.phases[5].items[1].text, "Check replication lag is under two seconds");
    assert_eq!(doc.phases[4].items[0].text, "Flip the storefront_v2 flag for 5% of traffic");
    // `- [x]` items come in open, and say so.
    let lines: Vec<usize> = doc.warnings.iter().map(|w| w.line).collect();
    assert_eq!(lines, [8, 39], "{:?}", doc.warnings);
    assert!(doc.warnings.iter().all(|w| w.message.contains("imported open")), "{:?}", doc.warnings);
}

#[test]
fn runbook_steps_and_runme_attributes() {
    let doc = import(&fixture("runbook.md"));
    assert_eq!(shape(&doc), owned(&[("Checkout is down", 0, 0), ("Triage", 0, 4), ("Mitigation", 0, 3), ("Verification", 0, 1)]));
    let triage = &doc.phases[1].steps;
    assert_eq!(triage[0].kind, StepKind::Manual);
    assert_eq!(triage[1].id, "page-payments");
    assert_eq!(triage[1].text, "Page the payments on-call if card errors are above 2%");
    assert_eq!(triage[2].text, "Check that the database answers before anything else.");
    assert_eq!(triage[2].id, "db-ping");
    assert_eq!(triage[2].line, 10);
    assert_eq!(
        triage[2].kind,
        StepKind::Run {
            script: "pg_isready -h orders-db.internal -p 5432".into(),
            lang: "sh".into(),
            name: Some("db-ping".into()),
            timeout: Some("20s".into()),
            confirm: false,
            rollback: false,
            interpreter: vec!["sh".into()],
            cwd: None,
            optional: false,
            dsn_env: None,
            check: None,
        }
    );
    let rollback = &doc.phases[2].steps[0];
    assert_eq!(rollback.text, "Roll back the last deploy", "no trailing colon");
    match &rollback.kind {
        StepKind::Run { script, lang, name, timeout, confirm, .. } => {
            assert_eq!(script, "deployctl rollback storefront --to previous");
            assert_eq!((lang.as_str(), name.as_deref(), timeout.as_deref(), *confirm), ("shell", Some("rollback"), Some("3m"), true));
        }
        StepKind::Manual => panic!("the rollback step should run"),
    }
    assert_eq!(doc.phases[2].steps[1].kind, StepKind::Manual);
    let verify = &doc.phases[3].steps[0];
    assert_eq!(verify.text, "smoke");
    let lines: Vec<usize> = doc.warnings.iter().map(|w| w.line).collect();
    // `interactive=false` is Runme's and understood; a Ruby block does not run.
    assert_eq!(lines, [33, 55]);
    assert_eq!(doc.warnings[0].message, "code block in language \"ruby\" at line 33 is not runnable");
    assert!(doc.warnings[1].message.contains("timeout `soon`"));
}

#[test]
fn metric_tables_become_bands() {
    let doc = import(&fixture("targets.md"));
    assert_eq!(shape(&doc), owned(&[("Performance targets", 0, 0), ("API budgets", 0, 0), ("Alerts", 0, 0), ("Not a band table", 1, 0)]));
    let names: Vec<&str> = doc.bands.iter().map(|b| b.name.as_str()).collect();
    assert_eq!(names, ["Checkout p95", "Search p95", "Error rate", "Availability", "Queue depth", "Disk usage"]);
    let checkout = &doc.bands[0];
    assert_eq!(checkout.line, 7);
    let t = |o: &Option<opsdeck_core::import::Threshold>| o.as_ref().map(|t| (t.text.clone(), t.bound.clone()));
    assert_eq!(t(&checkout.target), Some(("< 300ms".into(), Some("< 300ms".into()))));
    assert_eq!(t(&checkout.critical), Some(("> 2s".into(), Some("> 2s".into()))));
    assert_eq!(t(&doc.bands[1].acceptable), Some(("<400ms".into(), Some("< 400ms".into()))));
    assert_eq!(t(&doc.bands[3].target), Some(("99.95%".into(), None)));
    assert_eq!(t(&doc.bands[3].critical), Some(("< 99.5%".into(), Some("< 99.5%".into()))));
    assert_eq!(doc.bands[4].acceptable, None);
    assert_eq!(t(&doc.bands[4].critical), Some(("> 5000".into(), Some("> 5000".into()))));
    assert_eq!(t(&doc.bands[5].target), Some(("under 70%".into(), Some("< 70%".into()))), "thresholds in words parse");
}

#[test]
fn emoji_and_mangled_utf8_headings_stay_readable() {
    let doc = import(&fixture("emoji-mangled.md"));
    assert_eq!(doc.title.as_deref(), Some("Release notes rédigées"));
    assert_eq!(
        shape(&doc),
        owned(&[
            ("Release notes rédigées", 0, 0),
            ("🚀 Launch day", 2, 0),
            ("Caf? checks", 1, 0),
            ("Résumé of the rollback", 0, 1),
            ("Résumé of the rollback / 🔐 Secrets rotation", 1, 0),
            ("✅ Done ? ok", 1, 0),
            ("🔧 Tooling", 1, 0),
        ])
    );
    assert_eq!(doc.phases[1].items[0].text, "Ship it 🎉");
    assert_eq!(doc.phases[2].items[0].text, "Espresso machine ? online");
}

#[test]
fn broken_markdown_imports_what_it_can() {
    let doc = import(&fixture("broken.md"));
    assert_eq!(shape(&doc), owned(&[("(no phase)", 1, 1), ("Stray markup", 1, 0), ("Stray markup / Half-written {#", 4, 1)]));
    let named = import_named(&fixture("broken.md"), "broken");
    assert_eq!(named.phases[0].path, ["broken"]);
    let texts: Vec<&str> = doc.phases[2].items.iter().map(|i| i.text.as_str()).collect();
    assert_eq!(
        texts,
        ["Item with a broken id {#}", "Item with spaces in the id {#not an id}", "Item with an explicit id", "Another item claiming it"]
    );
    let ids: Vec<&str> = doc.phases[2].items.iter().skip(2).map(|i| i.id.as_str()).collect();
    assert_eq!(ids, ["dup", "dup-2"]);
    assert_eq!(doc.phases[1].items[0].text, "Check the bold banner renders");
    assert!(doc.bands.is_empty());
    let warnings: Vec<(usize, &str)> = doc.warnings.iter().map(|w| (w.line, w.message.as_str())).collect();
    assert_eq!(&warnings[..2], [(1, "item with no phase at line 1"), (2, "item with no phase at line 2")]);
    assert!(warnings.contains(&(11, "empty checklist item at line 11 skipped")), "{warnings:?}");
    assert!(warnings.iter().any(|(l, m)| *l == 25 && m.contains("never closed")), "{warnings:?}");
    assert!(warnings.iter().any(|(_, m)| m.contains("`dup` is used twice")), "{warnings:?}");
}
