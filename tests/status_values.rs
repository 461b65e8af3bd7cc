//! `opsdeck status` (the real binary) prints every value in a bounded
//! column, however large or small the probe's reading: the REASON column
//! starts at the same place on every row, and `--json` keeps the exact number.

use std::process::Command;

const PLAN: &str = r#"[deck]
name = "values"

[[check]]
id = "huge"
command = { run = "echo 1e308", output = "number" }

[[check]]
id = "negative"
command = { run = "echo -1.7e308", output = "number" }

[[check]]
id = "tiny"
command = { run = "echo 1e-9", output = "number" }

[[check]]
id = "subnormal"
command = { run = "echo -5e-324", output = "number" }

[[check]]
id = "count"
command = { run = "echo 123456789", output = "number" }

[[check]]
id = "small"
command = { run = "echo 42", output = "number" }
"#;

fn status(dir: &std::path::Path, json: bool) -> String {
    let plan = dir.join("plan.toml");
    std::fs::write(&plan, PLAN).unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_opsdeck"));
    cmd.arg("status").arg(&plan).env("XDG_STATE_HOME", dir.join("state")).env_remove("OPSDECK_STORE");
    if json {
        cmd.arg("--json");
    }
    let out = cmd.output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn values_fit_their_column() {
    let dir = tempfile::tempdir().unwrap();
    let table = status(dir.path(), false);
    let reason_at = |line: &str| line.find("first sample").unwrap_or_else(|| panic!("no reason in {line:?}\n{table}"));
    let rows: Vec<&str> = table.lines().skip(1).collect();
    assert_eq!(rows.len(), 6, "{table}");
    let header_reason = table.lines().next().and_then(|h| h.find("REASON")).unwrap();
    for row in &rows {
        assert_eq!(reason_at(row), header_reason, "columns aligned:\n{table}");
    }
    for (id, shown) in
        [("huge", "1.0e308"), ("negative", "-1.7e308"), ("tiny", "1.0e-9"), ("subnormal", "-5e-324"), ("count", "123M"), ("small", "42")]
    {
        let row = rows.iter().find(|r| r.split_whitespace().nth(1) == Some(id)).unwrap();
        assert_eq!(row.split_whitespace().nth(3), Some(shown), "{row}");
        assert!(row.contains(&format!("value {shown} (no band)")), "the reason says the same: {row}");
    }

    let json: serde_json::Value = serde_json::from_str(&status(dir.path(), true)).unwrap();
    assert_eq!(json["checks"][0]["value"], serde_json::json!(1e308), "JSON keeps the number");
    assert_eq!(json["checks"][4]["value"], serde_json::json!(123456789.0));
}
