//! The console draws in the colours the terminal shows: true colour only
//! when `COLORTERM` says so, else the theme's RGB colours come down to the
//! 256-colour palette of a `TERM` that names it, else to the 16 ANSI colours.

mod common;

use common::pty::Console;

/// Every colour on the screen: (is RGB, palette index when indexed).
fn colours(c: &Console) -> Vec<(bool, Option<u8>)> {
    let p = c.parser.lock().expect("parser");
    let screen = p.screen();
    let (rows, cols) = screen.size();
    let mut out = Vec::new();
    for r in 0..rows.get() {
        for col in 0..cols.get() {
            if let Some(cell) = screen.cell(r, col) {
                for colour in [cell.fgcolor(), cell.bgcolor()] {
                    match colour {
                        vt100::Color::Rgb(..) => out.push((true, None)),
                        vt100::Color::Idx(i) => out.push((false, Some(i))),
                        vt100::Color::Default => {}
                    }
                }
            }
        }
    }
    out
}

fn console(home: &std::path::Path, env: &[(&str, &str)]) -> Console {
    let plan = home.join("plan.toml");
    std::fs::write(&plan, "[deck]\nname = \"Colours\"\n\n[[check]]\nid = \"local\"\ntcp = { address = \"127.0.0.1:9\" }\n").expect("plan");
    let store = format!("sqlite:{}", home.join("journal").display());
    let plan = plan.to_string_lossy().into_owned();
    let c = Console::start_with_env(&["--theme", "dark", "run", &plan, "--store", &store, "--as", "alice"], home, 100, 30, env);
    c.wait_for("▸Metrics");
    c.wait_for("connection refused");
    c
}

#[test]
fn the_theme_comes_down_to_what_the_terminal_shows() {
    let home = tempfile::tempdir().expect("temp dir");
    let mut rgb = console(home.path(), &[("COLORTERM", "truecolor")]);
    assert!(colours(&rgb).iter().any(|(is_rgb, _)| *is_rgb), "true colour draws RGB");
    rgb.press(b"q");
    assert!(rgb.wait_exit());

    let mut indexed = console(home.path(), &[("COLORTERM", ""), ("TERM", "xterm-256color")]);
    let seen = colours(&indexed);
    assert!(!seen.is_empty() && seen.iter().all(|(is_rgb, _)| !is_rgb), "256 colours: no RGB");
    assert!(seen.iter().any(|(_, i)| i.is_some_and(|i| i >= 16)), "the 256-colour palette is used");
    indexed.press(b"q");
    assert!(indexed.wait_exit());

    let mut ansi = console(home.path(), &[("COLORTERM", ""), ("TERM", "xterm")]);
    let seen = colours(&ansi);
    assert!(!seen.is_empty() && seen.iter().all(|(is_rgb, i)| !is_rgb && i.is_some_and(|i| i < 16)), "16 colours only: {seen:?}");
    ansi.press(b"q");
    assert!(ansi.wait_exit());
}
