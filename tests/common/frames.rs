//! Whole console frames for snapshot tests: a state drawn on ratatui's
//! `TestBackend` with the shipped dark theme, as the test backend prints it.

use opsdeck::shell::app::state::State;
use opsdeck::shell::keymap::{Keymap, KeymapLoader};
use opsdeck::shell::theme::ThemeLoader;
use opsdeck::shell::ui::{self, View};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

/// The shipped default keymap.
pub fn default_keymap() -> Keymap {
    KeymapLoader { user_dir: None, personal: None, base_dir: ".".into() }.load("default").expect("default keymap")
}

/// A frame of `width`x`height` with `keymap`, in ASCII when `ascii` (as
/// `--ascii` or a non-UTF-8 locale draws it).
pub fn draw_as(state: &State, keymap: &Keymap, width: u16, height: u16, ascii: bool) -> String {
    let theme = ThemeLoader::new(None, ".".into()).load("dark").map(|(t, _)| t).expect("dark theme");
    let mut terminal = Terminal::new(TestBackend::new(width, height)).expect("test terminal");
    let view = View { state, theme: &theme, keymap, ascii };
    terminal
        .draw(|f| {
            ui::render(f, &view);
        })
        .expect("draw");
    format!("{}", terminal.backend())
}
