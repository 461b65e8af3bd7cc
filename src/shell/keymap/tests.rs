//! Keymap loading and overlay rules.

use std::path::PathBuf;

use super::*;

fn loader(user_dir: Option<PathBuf>, personal: Option<PathBuf>) -> KeymapLoader {
    KeymapLoader { user_dir, personal, base_dir: PathBuf::from(".") }
}

fn key(s: &str) -> Key {
    s.parse().unwrap()
}

#[test]
fn shipped_presets_load() {
    for (name, _) in SHIPPED {
        let map = loader(None, None).load(name).unwrap_or_else(|e| panic!("{name}: {}", e.render()));
        assert!(!map.bindings(Context::Global).is_empty(), "{name} has global bindings");
        assert_eq!(map.lookup(Context::Global, &[key("q")]), Lookup::Run(Action::Quit));
    }
}

#[test]
fn vim_prepends_and_keeps_the_arrows() {
    let map = loader(None, None).load("vim").unwrap();
    assert_eq!(map.lookup(Context::Metrics, &[key("j")]), Lookup::Run(Action::Down));
    assert_eq!(map.lookup(Context::Metrics, &[key("<Down>")]), Lookup::Run(Action::Down));
    assert_eq!(map.lookup(Context::Metrics, &[key("g")]), Lookup::Pending);
    assert_eq!(map.lookup(Context::Metrics, &[key("g"), key("g")]), Lookup::Run(Action::Top));
    assert_eq!(map.bindings(Context::Metrics)[0].keys, vec![key("k")]);
}

fn overlay_with(text: &str) -> Result<Keymap, Report> {
    let dir = tempfile::tempdir().unwrap();
    let personal = dir.path().join("keymap.toml");
    std::fs::write(&personal, text).unwrap();
    loader(None, Some(personal)).load("default")
}

#[test]
fn prepend_replaces_the_presets_binding_of_the_same_key() {
    let map = overlay_with("[global]\nprepend_keymap = [{ on = \"q\", run = \"help\", desc = \"Help instead\" }]\n").unwrap();
    assert_eq!(map.lookup(Context::Global, &[key("q")]), Lookup::Run(Action::Help));
    let qs = map.bindings(Context::Global).iter().filter(|b| b.keys == vec![key("q")]).count();
    assert_eq!(qs, 1, "the shadowed preset binding is gone from help");
}

#[test]
fn append_adds_free_keys_and_refuses_taken_ones() {
    let map = overlay_with("[metrics]\nappend_keymap = [{ on = \"x\", run = \"sort.cycle\", desc = \"Sort\" }]\n").unwrap();
    assert_eq!(map.bindings(Context::Metrics).last().map(|b| b.action), Some(Action::SortCycle));
    let err = overlay_with("[metrics]\nappend_keymap = [{ on = \"s\", run = \"open\", desc = \"Open\" }]\n").unwrap_err();
    let text = err.render();
    assert!(text.contains("keymap.toml:2:25: error: metrics.append_keymap: key `s` is already bound to `sort.cycle`"), "{text}");
}

#[test]
fn keymap_replaces_a_context() {
    let map = overlay_with("[help]\nkeymap = [{ on = \"x\", run = \"close\", desc = \"Close\" }]\n").unwrap();
    assert_eq!(map.bindings(Context::Help).len(), 1);
}

#[test]
fn errors_name_file_line_and_key() {
    let cases = [
        (
            "[global]\nprepend_keymap = [\n  { on = \"z\", run = \"help\", desc = \"a\" },\n  { on = \"z\", run = \"quit\", desc = \"b\" },\n]\n",
            "keymap.toml:4:10: error: global.prepend_keymap: key `z` is bound twice in [global]; first at line 3",
        ),
        (
            "[global]\nprepend_keymap = [{ on = \"z\", run = \"rollback.nuke\", desc = \"a\" }]\n",
            "keymap.toml:2:37: error: global.prepend_keymap.run: unknown action `rollback.nuke`",
        ),
        (
            "[global]\nprepend_keymap = [{ on = \"<Hyper-z>\", run = \"quit\", desc = \"a\" }]\n",
            "keymap.toml:2:26: error: global.prepend_keymap.on: unknown key name `Hyper-z`",
        ),
        ("[pane]\nkeymap = []\n", "keymap.toml:1:2: error: pane: unknown context `[pane]`"),
        ("[global]\nprepend_keymap = [{ on = \"z\", run = \"quit\" }]\n", "keymap.toml:2:19: error: global: missing field `desc`"),
    ];
    for (text, expected) in cases {
        let err = overlay_with(text).unwrap_err().render();
        assert!(err.contains(expected), "expected {expected:?} in:\n{err}");
    }
}

#[test]
fn a_key_that_starts_a_sequence_is_refused() {
    let err = overlay_with("[metrics]\nprepend_keymap = [{ on = \"g\", run = \"open\", desc = \"Go\" }, { on = [\"g\", \"x\"], run = \"close\", desc = \"Close\" }]\n").unwrap_err();
    assert!(err.render().contains("clashes with"), "{}", err.render());
}

#[test]
fn unknown_presets_are_named() {
    let err = loader(None, None).load("emacs").unwrap_err().render();
    assert!(err.contains("unknown keymap `emacs`; expected one of default, vim"), "{err}");
}
