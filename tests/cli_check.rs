//! `opsdeck check`, `--version` and `completions`, run as a user runs them:
//! the example plan passes, and mutating it gives an error at the mutated line.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn opsdeck(args: &[&str], config_home: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_opsdeck"))
        .args(args)
        .current_dir(root())
        .env("XDG_CONFIG_HOME", config_home)
        .env_remove("NO_COLOR")
        .output()
        .expect("opsdeck runs")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[test]
fn the_example_plan_is_valid_and_summarised() {
    let home = tempfile::tempdir().unwrap();
    let out = opsdeck(&["check", "examples/launch.toml"], home.path());
    assert_eq!(out.status.code(), Some(0), "stderr:\n{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(stdout.starts_with("examples/launch.toml is valid: \"Shopfront v3 launch\" · production · room shopfront-v3\n"), "{stdout}");
    for row in [
        "checks       13   http 2 · prometheus 2 · postgres 3 · redis 3 · tcp 1 · tls 1 · command 1",
        "checklists    2",
        "runbooks      2",
        "rollbacks     2",
        "triggers      3",
        "severities    4   P0 10m · P1 30m · P2 4h · P3 next business day",
        "notify        2",
        "theme             dark (shipped) · keymap default",
    ] {
        assert!(stdout.contains(row), "missing {row:?} in\n{stdout}");
    }
}

#[test]
fn every_example_plan_passes_check() {
    let home = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(root().join("examples")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "toml") {
            let rel = path.strip_prefix(root()).unwrap().to_str().unwrap().to_string();
            let out = opsdeck(&["check", &rel], home.path());
            assert_eq!(out.status.code(), Some(0), "{rel}:\n{}", text(&out.stderr));
        }
    }
}

/// Writes the example with one line changed into a fresh directory beside
/// copies of its Markdown files; returns the directory, the plan and the line number.
fn mutate(find: &str, replace: &str) -> (tempfile::TempDir, PathBuf, usize) {
    let original = std::fs::read_to_string(root().join("examples/launch.toml")).unwrap();
    let line = original.lines().position(|l| l == find).unwrap_or_else(|| panic!("no line {find:?}")) + 1;
    let changed: Vec<&str> = original.lines().enumerate().map(|(i, l)| if i + 1 == line { replace } else { l }).collect();
    let dir = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
    for sub in ["docs", "runbooks"] {
        std::fs::create_dir(dir.path().join(sub)).unwrap();
        for f in std::fs::read_dir(root().join("examples").join(sub)).unwrap() {
            let f = f.unwrap().path();
            std::fs::copy(&f, dir.path().join(sub).join(f.file_name().unwrap())).unwrap();
        }
    }
    let plan = dir.path().join("mutated.toml");
    std::fs::write(&plan, changed.join("\n")).unwrap();
    (dir, plan, line)
}

fn first_error(path: &Path) -> String {
    let home = tempfile::tempdir().unwrap();
    let out = opsdeck(&["check", path.to_str().unwrap()], home.path());
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    stderr.lines().find(|l| l.contains(": error: ")).unwrap_or_else(|| panic!("no error in\n{stderr}")).to_string()
}

#[test]
fn mutations_of_the_example_point_at_the_mutated_line() {
    let cases = [
        ("every = \"10s\"", "evry = \"10s\"", ":1: error: check[checkout].evry: unknown field `evry`"),
        ("every = \"10s\"", "every = \"5 parsecs\"", ":9: error: check[checkout].every: invalid duration \"5 parsecs\""),
        ("id = \"checkout\"", "id = \"api\"", ":6: error: check[api].id: duplicate check id `api`; it is already used at line 23"),
    ];
    for (find, replace, expected) in cases {
        let (_dir, path, line) = mutate(find, replace);
        let err = first_error(&path);
        assert!(err.contains(&format!("mutated.toml:{line}{expected}")), "{find} -> {replace}: {err}");
    }
    // A dangling header: the first `[[check]]` loses its closing bracket.
    let (_dir, path, line) = mutate("[[check]]", "[[check]");
    let err = first_error(&path);
    assert!(err.contains(&format!(":{line}:9: error: invalid TOML: unclosed array table, expected `]`")), "{err}");
}

#[test]
fn version_help_and_completions() {
    let home = tempfile::tempdir().unwrap();
    let out = opsdeck(&["--version"], home.path());
    assert_eq!(text(&out.stdout).trim(), format!("opsdeck {}", env!("CARGO_PKG_VERSION")));
    let out = opsdeck(&["--help"], home.path());
    let help = text(&out.stdout);
    assert!(help.contains("check") && help.contains("completions") && help.contains("--theme"), "{help}");
    let out = opsdeck(&["completions", "bash"], home.path());
    assert!(out.status.success());
    assert!(text(&out.stdout).contains("_opsdeck()"), "a bash completion function");
}

#[test]
fn a_user_keymap_overlay_is_checked_too() {
    let home = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(home.path().join("opsdeck")).unwrap();
    std::fs::write(
        home.path().join("opsdeck/keymap.toml"),
        "[global]\nappend_keymap = [{ on = \"q\", run = \"help\", desc = \"Help\" }]\n",
    )
    .unwrap();
    let out = opsdeck(&["check", "examples/launch.toml"], home.path());
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("opsdeck/keymap.toml:2:25: error: global.append_keymap: key `q` is already bound to `quit` in [global]"),
        "{stderr}"
    );
}

#[test]
fn markdown_the_plan_names_is_read_and_its_warnings_have_lines() {
    let home = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("plan.toml"), "[deck]\nname = \"md\"\n[[runbook]]\nid = \"fix\"\nfrom = \"fix.md\"\n").unwrap();
    std::fs::write(
        dir.path().join("fix.md"),
        "# Fix it\n\n1. Look at the graphs\n\n```ruby\nputs 'hi'\n```\n\n```sh\nsystemctl restart app\n```\n",
    )
    .unwrap();
    let plan = dir.path().join("plan.toml");
    let out = opsdeck(&["check", plan.to_str().unwrap()], home.path());
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("runbooks      1   fix (2 steps, 1 runnable)"), "{}", text(&out.stdout));
    let md = dir.path().join("fix.md");
    let stderr = text(&out.stderr);
    assert!(stderr.contains(&format!("{}:5:1: warning: ", md.display())), "{stderr}");
    assert!(stderr.contains("ruby"), "{stderr}");
}

#[test]
fn a_plan_without_checks_is_a_warning_and_a_gate_that_fails() {
    let dir = tempfile::tempdir().expect("temp dir");
    let plan = dir.path().join("empty.toml");
    std::fs::write(&plan, "[deck]\nname = \"nothing to watch\"\n").expect("plan written");
    let plan = plan.display().to_string();
    let checked = opsdeck(&["check", &plan], dir.path());
    assert_eq!(checked.status.code(), Some(0), "still valid");
    let warned = text(&checked.stderr);
    assert!(warned.contains("warning: deck: the plan has no `[[check]]`"), "{warned}");
    for args in [vec!["status", plan.as_str()], vec!["status", "--json", plan.as_str()]] {
        let out = opsdeck(&args, dir.path());
        assert_eq!(out.status.code(), Some(3), "{args:?}: a gate that verified nothing must not pass");
        assert!(text(&out.stderr).contains("the plan has no checks: nothing was verified"), "{}", text(&out.stderr));
    }
}

#[test]
fn a_short_default_interval_cuts_the_built_in_timeout_but_a_written_one_must_fit() {
    let dir = tempfile::tempdir().expect("temp dir");
    let plan = dir.path().join("fast.toml");
    let check = "[[check]]\nid = \"api\"\nhttp = { url = \"http://127.0.0.1:9/health\" }\n";
    std::fs::write(&plan, format!("[deck]\nname = \"fast\"\n\n[defaults]\nevery = \"1s\"\n\n{check}")).expect("plan written");
    let out = opsdeck(&["check", &plan.display().to_string()], dir.path());
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    std::fs::write(&plan, format!("[deck]\nname = \"fast\"\n\n[defaults]\nevery = \"1s\"\ntimeout = \"2s\"\n\n{check}"))
        .expect("plan written");
    let out = opsdeck(&["check", &plan.display().to_string()], dir.path());
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("defaults.timeout: timeout 2s is longer than the poll interval 1s"), "{}", text(&out.stderr));
}
