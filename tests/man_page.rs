//! `opsdeck man`, run as a user (or the Debian package script) runs it:
//! opsdeck(1) on stdout, and with `--dir` one page per subcommand, each
//! naming its own options.

use std::path::Path;
use std::process::{Command, Output};

fn opsdeck(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_opsdeck")).args(args).env_remove("NO_COLOR").output().expect("opsdeck runs")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// The `.TH` line's first word: the page's title.
fn title(page: &str) -> Option<&str> {
    page.lines().find_map(|l| l.strip_prefix(".TH ")).and_then(|rest| rest.split_whitespace().next())
}

/// Whether the page has this `.SH` heading (quoted when it has a space).
fn has_section(page: &str, name: &str) -> bool {
    page.lines().any(|l| l == format!(".SH {name}") || l == format!(".SH \"{name}\""))
}

/// The subcommands `--help` lists (each has a page), without `help` itself.
fn subcommands() -> Vec<String> {
    let help = text(&opsdeck(&["--help"]).stdout);
    let listed = help.split("Commands:").nth(1).expect("--help lists commands");
    let listed = listed.split("Options:").next().expect("--help has an options section");
    listed
        .lines()
        .filter_map(|l| l.strip_prefix("  "))
        .filter(|l| !l.starts_with(' '))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|name| *name != "help")
        .map(str::to_owned)
        .collect()
}

#[test]
fn man_prints_the_opsdeck_page() {
    let out = opsdeck(&["man"]);
    assert_eq!(out.status.code(), Some(0), "stderr:\n{}", text(&out.stderr));
    let page = text(&out.stdout);
    assert_eq!(title(&page), Some("OPSDECK"), "{page}");
    assert!(page.contains(&format!("opsdeck {}", env!("CARGO_PKG_VERSION"))), "the footer names the version:\n{page}");
    for section in ["NAME", "SYNOPSIS", "DESCRIPTION", "OPTIONS", "SUBCOMMANDS", "ENVIRONMENT", "FILES", "SEE ALSO"] {
        assert!(has_section(&page, section), "no {section} section:\n{page}");
    }
    // The long about, the global options and the subcommands are all there.
    assert!(page.contains("war rooms"), "{page}");
    for option in ["theme", "keymap", "store", "read\\-only"] {
        assert!(page.contains(&format!("\\-\\-{option}")), "no --{option}:\n{page}");
    }
    assert!(page.contains("OPSDECK_STORE"), "{page}");
    for sub in subcommands() {
        assert!(page.contains(&format!("opsdeck\\-{sub}(1)")), "SEE ALSO lacks opsdeck-{sub}(1):\n{page}");
    }
}

#[test]
fn man_dir_writes_one_page_per_subcommand() {
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().join("man1");
    let out = opsdeck(&["man", "--dir", out_dir.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "stderr:\n{}", text(&out.stderr));
    assert!(out.stdout.is_empty(), "nothing on stdout with --dir: {}", text(&out.stdout));

    let read = |name: &str| std::fs::read_to_string(out_dir.join(name)).unwrap_or_else(|e| panic!("{name} was not written: {e}"));
    let main = read("opsdeck.1");
    assert_eq!(main, text(&opsdeck(&["man"]).stdout), "opsdeck.1 is the page `opsdeck man` prints");

    let subs = subcommands();
    assert!(subs.len() >= 10 && subs.iter().any(|s| s == "run") && subs.iter().any(|s| s == "man"), "{subs:?}");
    let mut expected: Vec<String> = subs.iter().map(|s| format!("opsdeck-{s}.1")).collect();
    expected.push("opsdeck.1".into());
    expected.sort();
    let mut written: Vec<String> =
        std::fs::read_dir(&out_dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    written.sort();
    assert_eq!(written, expected, "exactly one page per subcommand, none for `help`");

    for sub in &subs {
        let page = read(&format!("opsdeck-{sub}.1"));
        assert_eq!(title(&page), Some(format!("OPSDECK-{}", sub.to_uppercase()).as_str()), "{sub}:\n{page}");
        assert!(page.contains(&format!("opsdeck\\-{sub}")), "{sub}: NAME names the command:\n{page}");
        assert!(has_section(&page, "OPTIONS") && has_section(&page, "GLOBAL OPTIONS"), "{sub}:\n{page}");
        assert!(page.contains("\\-\\-help") && page.contains("\\-\\-store"), "{sub}: its options, and the global ones:\n{page}");
        assert!(page.contains("opsdeck(1)"), "{sub}: SEE ALSO points back:\n{page}");
    }

    // Each page names its own options, with their value names.
    let status = read("opsdeck-status.1");
    for option in ["\\-\\-json", "\\-\\-for", "\\-\\-every", "\\-\\-failure\\-limit", "\\-\\-inconclusive\\-limit"] {
        assert!(status.contains(option), "opsdeck-status(1) lacks {option}:\n{status}");
    }
    assert!(status.contains("deploy gate"), "the long help is the description:\n{status}");
    let serve = read("opsdeck-serve.1");
    for option in ["\\-\\-listen", "\\-\\-keys", "\\-\\-host\\-key", "\\-\\-demo"] {
        assert!(serve.contains(option), "opsdeck-serve(1) lacks {option}:\n{serve}");
    }
    let man = read("opsdeck-man.1");
    assert!(man.contains("\\-\\-dir") && man.contains("DIR"), "{man}");
    // An option of one command is not on another's page.
    assert!(!read("opsdeck-run.1").contains("\\-\\-failure\\-limit"));
}

#[test]
fn man_dir_that_cannot_be_made_is_an_error_with_the_path() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("a-file");
    std::fs::write(&file, "").unwrap();
    let target = file.join("man1");
    let out = opsdeck(&["man", "--dir", target.to_str().unwrap()]);
    assert_ne!(out.status.code(), Some(0));
    let stderr = text(&out.stderr);
    assert!(stderr.contains(&*target.to_string_lossy()), "the error names the directory:\n{stderr}");
    assert!(Path::new(&file).is_file());
}
