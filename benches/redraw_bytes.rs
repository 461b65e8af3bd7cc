//! Bytes written to the terminal per redraw: a full first frame, an
//! unchanged redraw, and a redraw after one check's value changed — what a
//! slow SSH link pays. Run: cargo bench --bench redraw_bytes

use std::io::{self, Write};
use std::sync::{Arc, Mutex};

use opsdeck::adapters::probe::Reading;
use opsdeck::adapters::probe::schedule::Sample;
use opsdeck::shell::keymap::KeymapLoader;
use opsdeck::shell::theme::ThemeLoader;
use opsdeck::shell::ui::{self, View};
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;
use ratatui::layout::Rect;
use ratatui::{TerminalOptions, Viewport};

#[path = "support.rs"]
mod support;

/// A writer that counts what passes through it.
#[derive(Clone, Default)]
struct Counter(Arc<Mutex<usize>>);

impl Write for Counter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        *self.0.lock().map_err(|_| io::Error::other("poisoned"))? += buf.len();
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

fn main() {
    let mut state = support::state(50);
    let theme = ThemeLoader::new(None, ".".into()).load("dark").expect("theme").0;
    let keymap = KeymapLoader { user_dir: None, personal: None, base_dir: ".".into() }.load("default").expect("keymap");
    let counter = Counter::default();
    let backend = CrosstermBackend::new(counter.clone());
    let options = TerminalOptions { viewport: Viewport::Fixed(Rect::new(0, 0, 120, 40)) };
    let mut terminal = Terminal::with_options(backend, options).expect("terminal");
    let mut draw = |state: &opsdeck::shell::app::state::State| -> usize {
        let before = *counter.0.lock().expect("count");
        let view = View { state, theme: &theme, keymap: &keymap, ascii: false };
        terminal
            .draw(|f| {
                ui::render(f, &view);
            })
            .expect("draw");
        *counter.0.lock().expect("count") - before
    };
    let full = draw(&state);
    let same = draw(&state);
    // One check (on screen) gets a new value within the same state.
    let row = state.visible_rows()[5];
    state.apply_sample(&Sample {
        check: row,
        at_ms: support::T0 + 1,
        latency_ms: 3.0,
        result: Ok(Reading::new().with("latency_ms", 123.0)),
    });
    let one = draw(&state);
    println!(
        "redraw bytes at 120x40 with 50 checks: first frame {full} B, unchanged {same} B, one value changed {one} B ({:.1}% of a full frame)",
        one as f64 * 100.0 / full as f64
    );
}
