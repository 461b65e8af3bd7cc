//! The invalid-config corpus: every `tests/invalid/*.toml` plan must make
//! `opsdeck check` exit 1 and print exactly the `# expect:` lines written at
//! the end of the file (file:line:column, key and message), and no other
//! error or warning headline.

use std::path::Path;
use std::process::Command;

fn headlines(stderr: &str) -> Vec<&str> {
    stderr.lines().filter(|l| l.starts_with("tests/invalid/") && (l.contains(": error: ") || l.contains(": warning: "))).collect()
}

#[test]
fn every_invalid_plan_prints_its_expected_messages() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files: Vec<_> = std::fs::read_dir(root.join("tests/invalid"))
        .expect("tests/invalid exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    assert!(files.len() >= 15, "the corpus has {} files; expected at least 15", files.len());
    let config_home = tempfile::tempdir().expect("temp dir");
    let mut failures = Vec::new();
    for path in &files {
        let rel = path.strip_prefix(root).expect("inside the crate");
        let text = std::fs::read_to_string(path).expect("readable");
        let expected: Vec<&str> = text.lines().filter_map(|l| l.strip_prefix("# expect: ")).collect();
        assert!(!expected.is_empty(), "{} has no `# expect:` line", rel.display());
        let out = Command::new(env!("CARGO_BIN_EXE_opsdeck"))
            .arg("check")
            .arg(rel)
            .current_dir(root)
            .env("XDG_CONFIG_HOME", config_home.path())
            .env_remove("NO_COLOR")
            .env_remove("STATUS_WEBHOOK")
            .output()
            .expect("opsdeck runs");
        let stderr = String::from_utf8_lossy(&out.stderr);
        let printed = headlines(&stderr);
        if out.status.code() != Some(1) {
            failures.push(format!("{}: exit code {:?}, expected 1", rel.display(), out.status.code()));
        }
        if printed != expected {
            failures.push(format!("{}:\n  expected: {expected:#?}\n  printed:  {printed:#?}", rel.display()));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
