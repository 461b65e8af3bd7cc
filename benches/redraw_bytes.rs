//! Bytes written to the terminal per redraw: a full first frame, an
//! unchanged redraw, and a redraw after one check's value changed — what a
//! slow SSH link pays — on the console's lean backend and, as the anchor,
//! on ratatui's crossterm backend, in the same run on the same frames.
//! Run: cargo bench --bench redraw_bytes (OPSDECK_BENCH_SHOW=1 also prints
//! the bytes of the one-value redraw, escaped)

use std::io::{self, Write};
use std::sync::{Arc, Mutex};

use opsdeck::adapters::probe::Reading;
use opsdeck::adapters::probe::schedule::Sample;
use opsdeck::shell::app::state::State;
use opsdeck::shell::keymap::{Keymap, KeymapLoader};
use opsdeck::shell::lean_backend::LeanBackend;
use opsdeck::shell::theme::{Theme, ThemeLoader};
use opsdeck::shell::ui::{self, View};
use ratatui::Terminal;
use ratatui::backend::{Backend, CrosstermBackend};
use ratatui::layout::Rect;
use ratatui::{TerminalOptions, Viewport};

#[path = "support.rs"]
mod support;

/// A writer that keeps what passes through it.
#[derive(Clone, Default)]
struct Counter(Arc<Mutex<Vec<u8>>>);

impl Write for Counter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.lock().map_err(|_| io::Error::other("poisoned"))?.extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// First frame, unchanged redraw, one value changed: bytes of each.
fn measure<B: Backend>(backend: B, counter: &Counter, theme: &Theme, keymap: &Keymap) -> [usize; 3] {
    let options = TerminalOptions { viewport: Viewport::Fixed(Rect::new(0, 0, 120, 40)) };
    let mut terminal = Terminal::with_options(backend, options).expect("terminal");
    let mut state = support::state(50);
    let mut draw = |state: &State| -> usize {
        let before = counter.0.lock().expect("count").len();
        let view = View { state, theme, keymap, ascii: false };
        terminal
            .draw(|f| {
                ui::render(f, &view);
            })
            .expect("draw");
        counter.0.lock().expect("count").len() - before
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
    if std::env::var_os("OPSDECK_BENCH_SHOW").is_some() {
        let bytes = counter.0.lock().expect("count");
        println!("{}", String::from_utf8_lossy(&bytes[bytes.len() - one..]).escape_debug());
    }
    [full, same, one]
}

fn main() {
    let theme = ThemeLoader::new(None, ".".into()).load("dark").expect("theme").0;
    let keymap = KeymapLoader { user_dir: None, personal: None, base_dir: ".".into() }.load("default").expect("keymap");
    let lean = Counter::default();
    let anchor = Counter::default();
    let ours = measure(LeanBackend::new(lean.clone()), &lean, &theme, &keymap);
    let theirs = measure(CrosstermBackend::new(anchor.clone()), &anchor, &theme, &keymap);
    println!("redraw bytes at 120x40 with 50 checks (dark theme):");
    for (name, [full, same, one]) in [("opsdeck (lean backend)", ours), ("ratatui crossterm backend", theirs)] {
        println!(
            "  {name:<26} first frame {full:>6} B, unchanged {same:>3} B, one value changed {one:>4} B ({:.1}% of a full frame)",
            one as f64 * 100.0 / full as f64
        );
    }
}
