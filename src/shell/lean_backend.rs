//! The console's terminal backend: crossterm's, except that a frame's
//! changed cells are written with as few bytes as a slow link should pay.
//! Compared with ratatui's crossterm backend it moves the cursor within a
//! row by column only (`ESC[nG`), changes only the colour that changed,
//! names the 16 basic colours with their short codes, reprints an
//! unchanged plain character or two rather than move over them (it keeps
//! what it wrote), leaves a foreground colour set between frames (and
//! resets a background or a modifier at a frame's end, and everything
//! before anything else writes), hides the cursor only when it is shown,
//! and wraps a frame in a synchronized update only when it changes more
//! than one row (a change within one row cannot tear). A frame that
//! changed nothing writes nothing. Underline colours are not written (no
//! theme sets one); whoever gives the terminal back resets the style.
//! The terminal's size is asked once and again only after a resize was
//! read ([`note_resize`]): ratatui asks before every frame, and each ask
//! opens the terminal device and closes it again.

use std::cell::Cell as Remembered;
use std::fmt::Write as _;
use std::io::{self, Write};
use std::sync::atomic::{AtomicU64, Ordering};

use ratatui::backend::{Backend, ClearType, CrosstermBackend, WindowSize};
use ratatui::buffer::Cell;
use ratatui::layout::{Position, Size};
use ratatui::style::{Color, Modifier};

const BEGIN_SYNC: &[u8] = b"\x1b[?2026h";
const END_SYNC: &[u8] = b"\x1b[?2026l";

/// The pen: the style the terminal currently writes with.
#[derive(Clone, Copy, PartialEq, Eq)]
struct Pen {
    fg: Color,
    bg: Color,
    modifier: Modifier,
}

const PLAIN: Pen = Pen { fg: Color::Reset, bg: Color::Reset, modifier: Modifier::empty() };

/// How many resizes the terminal's events reported (see [`note_resize`]).
static RESIZES: AtomicU64 = AtomicU64::new(0);

/// Tells every [`LeanBackend`] that the terminal was resized: the next
/// frame asks its size again.
pub fn note_resize() {
    RESIZES.fetch_add(1, Ordering::Relaxed);
}

pub struct LeanBackend<W: Write> {
    inner: CrosstermBackend<W>,
    /// The size last asked, and the count of resizes then.
    size: Remembered<Option<(u64, Size)>>,
    /// Whether the cursor is hidden, once known.
    hidden: Option<bool>,
    /// The frame being written, before it is known whether it needs a synchronized update.
    out: String,
    /// The style the terminal writes with between frames.
    pen: Pen,
    /// What is on screen where it is one plain (ASCII) character, row by
    /// row, `width` wide: what a gap can be reprinted with.
    shown: Vec<Option<(u8, Pen)>>,
    width: usize,
}

impl<W: Write> LeanBackend<W> {
    pub fn new(writer: W) -> LeanBackend<W> {
        LeanBackend {
            inner: CrosstermBackend::new(writer),
            size: Remembered::new(None),
            hidden: None,
            out: String::new(),
            pen: PLAIN,
            shown: Vec::new(),
            width: 0,
        }
    }

    /// Resets the style before something other than a frame is written.
    fn plain(&mut self) -> io::Result<()> {
        if self.pen != PLAIN {
            self.inner.write_all(b"\x1b[0m")?;
            self.pen = PLAIN;
        }
        Ok(())
    }

    /// Forgets what is on screen (cleared, resized).
    fn forget(&mut self) {
        self.shown.clear();
        self.width = 0;
    }

    /// The plain character shown at (`x`, `y`), if known.
    fn shown_at(&self, x: u16, y: u16) -> Option<(u8, Pen)> {
        let x = usize::from(x);
        if x >= self.width {
            return None;
        }
        self.shown.get(usize::from(y) * self.width + x).copied().flatten()
    }

    /// Notes what was written at (`x`, `y`); a wide symbol may cover the next cell too.
    fn note(&mut self, x: u16, y: u16, symbol: &str, pen: Pen) {
        if self.width == 0 {
            let Ok(size) = self.inner.size() else { return };
            self.width = usize::from(size.width);
            self.shown = vec![None; self.width * usize::from(size.height)];
        }
        let (x, i) = (usize::from(x), usize::from(y) * self.width + usize::from(x));
        let plain = match symbol.as_bytes() {
            [b] if b.is_ascii_graphic() || *b == b' ' => Some((*b, pen)),
            _ => None,
        };
        if let Some(slot) = self.shown.get_mut(i).filter(|_| x < self.width) {
            *slot = plain;
        }
        if plain.is_none()
            && x + 1 < self.width
            && let Some(slot) = self.shown.get_mut(i + 1)
        {
            *slot = None;
        }
    }
}

impl<W: Write> Write for LeanBackend<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.plain()?;
        self.inner.write(buf)
    }
    fn flush(&mut self) -> io::Result<()> {
        Write::flush(&mut self.inner)
    }
}

impl<W: Write> Backend for LeanBackend<W> {
    type Error = io::Error;

    fn draw<'a, I>(&mut self, content: I) -> io::Result<()>
    where
        I: Iterator<Item = (u16, u16, &'a Cell)>,
    {
        let mut out = std::mem::take(&mut self.out);
        out.clear();
        let mut pen = self.pen;
        // Where the cursor is after the last symbol, when that was a plain character.
        let mut next: Option<(u16, u16, bool)> = None;
        let (mut first_row, mut rows) = (None, 1);
        for (x, y, cell) in content {
            match next {
                Some((nx, ny, _)) if nx == x && ny == y => {}
                Some((nx, ny, after_plain)) if ny == y && x > nx => {
                    let column = format!("\x1b[{}G", x + 1);
                    let gap: Option<Vec<u8>> = (nx..x).map(|gx| self.shown_at(gx, y).filter(|(_, p)| *p == pen).map(|(b, _)| b)).collect();
                    match gap {
                        Some(gap) if after_plain && gap.len() < column.len() => out.extend(gap.iter().map(|b| char::from(*b))),
                        _ => out.push_str(&column),
                    }
                }
                Some((_, ny, _)) if ny == y => {
                    let _ = write!(out, "\x1b[{}G", x + 1);
                }
                _ => {
                    let _ = if x == 0 { write!(out, "\x1b[{}H", y + 1) } else { write!(out, "\x1b[{};{}H", y + 1, x + 1) };
                }
            }
            match first_row {
                None => first_row = Some(y),
                Some(r) if r != y => rows = 2,
                Some(_) => {}
            }
            let want = Pen { fg: cell.fg, bg: cell.bg, modifier: cell.modifier };
            if want != pen {
                restyle(&mut out, pen, want);
                pen = want;
            }
            out.push_str(cell.symbol());
            self.note(x, y, cell.symbol(), want);
            // A wide symbol's next cell is skipped by the diff; the column
            // move above puts the cursor right after it either way (a
            // gap after it is never reprinted: its width is not known).
            next = Some((x + 1, y, cell.symbol().len() == 1));
        }
        if out.is_empty() {
            self.out = out;
            return Ok(());
        }
        // A foreground colour left set colours nothing but what a frame
        // writes; a background would colour what a clear erases.
        if pen.bg != Color::Reset || !pen.modifier.is_empty() {
            out.push_str("\x1b[0m");
            pen = PLAIN;
        }
        self.pen = pen;
        let sync = rows > 1;
        let w = &mut self.inner;
        let written = (|| {
            if sync {
                w.write_all(BEGIN_SYNC)?;
            }
            w.write_all(out.as_bytes())?;
            if sync {
                w.write_all(END_SYNC)?;
            }
            Ok(())
        })();
        self.out = out;
        written
    }

    fn hide_cursor(&mut self) -> io::Result<()> {
        if self.hidden != Some(true) {
            self.inner.hide_cursor()?;
            self.hidden = Some(true);
        }
        Ok(())
    }

    fn show_cursor(&mut self) -> io::Result<()> {
        if self.hidden != Some(false) {
            self.inner.show_cursor()?;
            self.hidden = Some(false);
        }
        Ok(())
    }

    fn get_cursor_position(&mut self) -> io::Result<Position> {
        self.inner.get_cursor_position()
    }

    fn set_cursor_position<P: Into<Position>>(&mut self, position: P) -> io::Result<()> {
        self.inner.set_cursor_position(position)
    }

    fn clear(&mut self) -> io::Result<()> {
        self.plain()?;
        self.forget();
        self.inner.clear()
    }

    fn clear_region(&mut self, clear_type: ClearType) -> io::Result<()> {
        self.plain()?;
        self.forget();
        self.inner.clear_region(clear_type)
    }

    fn append_lines(&mut self, n: u16) -> io::Result<()> {
        self.plain()?;
        self.forget();
        self.inner.append_lines(n)
    }

    fn size(&self) -> io::Result<Size> {
        let resizes = RESIZES.load(Ordering::Relaxed);
        if let Some((seen, size)) = self.size.get()
            && seen == resizes
        {
            return Ok(size);
        }
        let size = self.inner.size()?;
        self.size.set(Some((resizes, size)));
        Ok(size)
    }

    fn window_size(&mut self) -> io::Result<WindowSize> {
        self.inner.window_size()
    }

    fn flush(&mut self) -> io::Result<()> {
        Backend::flush(&mut self.inner)
    }
}

/// Writes the SGR sequence that turns `from` into `to`: only what changed,
/// or a reset and all of `to` when a modifier is taken away.
fn restyle(out: &mut String, from: Pen, to: Pen) {
    out.push_str("\x1b[");
    let mut sep = "";
    let mut param = |out: &mut String, p: &str| {
        out.push_str(sep);
        out.push_str(p);
        sep = ";";
    };
    let removed = from.modifier - to.modifier;
    let from = if removed.is_empty() {
        from
    } else {
        param(out, "0");
        PLAIN
    };
    for (m, code) in MODIFIERS {
        if to.modifier.contains(m) && !from.modifier.contains(m) {
            param(out, code);
        }
    }
    if to.fg != from.fg {
        param(out, &colour(to.fg, false));
    }
    if to.bg != from.bg {
        param(out, &colour(to.bg, true));
    }
    out.push('m');
}

const MODIFIERS: [(Modifier, &str); 9] = [
    (Modifier::BOLD, "1"),
    (Modifier::DIM, "2"),
    (Modifier::ITALIC, "3"),
    (Modifier::UNDERLINED, "4"),
    (Modifier::SLOW_BLINK, "5"),
    (Modifier::RAPID_BLINK, "6"),
    (Modifier::REVERSED, "7"),
    (Modifier::HIDDEN, "8"),
    (Modifier::CROSSED_OUT, "9"),
];

/// The SGR parameter for a foreground (or background) colour.
fn colour(c: Color, bg: bool) -> String {
    let base = |n: u8| (if bg { n + 10 } else { n }).to_string();
    match c {
        Color::Reset => base(39),
        Color::Black => base(30),
        Color::Red => base(31),
        Color::Green => base(32),
        Color::Yellow => base(33),
        Color::Blue => base(34),
        Color::Magenta => base(35),
        Color::Cyan => base(36),
        Color::Gray => base(37),
        Color::DarkGray => base(90),
        Color::LightRed => base(91),
        Color::LightGreen => base(92),
        Color::LightYellow => base(93),
        Color::LightBlue => base(94),
        Color::LightMagenta => base(95),
        Color::LightCyan => base(96),
        Color::White => base(97),
        Color::Indexed(i) => format!("{};5;{i}", if bg { 48 } else { 38 }),
        Color::Rgb(r, g, b) => format!("{};2;{r};{g};{b}", if bg { 48 } else { 38 }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::Terminal;
    use ratatui::layout::Rect;
    use ratatui::style::{Style, Stylize};
    use ratatui::text::Span;
    use ratatui::{TerminalOptions, Viewport};

    /// What the backend wrote, shared with the test.
    #[derive(Clone, Default)]
    struct Screen(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

    impl Write for Screen {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.0.lock().expect("lock").extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    type Term = (Terminal<LeanBackend<Screen>>, Screen);

    fn terminal() -> Term {
        let options = TerminalOptions { viewport: Viewport::Fixed(Rect::new(0, 0, 20, 3)) };
        let screen = Screen::default();
        (Terminal::with_options(LeanBackend::new(screen.clone()), options).expect("terminal"), screen)
    }

    fn written((t, screen): &mut Term, draw: impl FnOnce(&mut ratatui::Frame)) -> String {
        screen.0.lock().expect("lock").clear();
        t.draw(draw).expect("draw");
        String::from_utf8(screen.0.lock().expect("lock").clone()).expect("utf-8")
    }

    #[test]
    fn a_change_within_a_row_is_a_column_move_and_only_what_changed() {
        let mut t = terminal();
        let line = |v: &'static str| {
            move |f: &mut ratatui::Frame| {
                f.render_widget(Span::raw("ab"), Rect::new(0, 1, 2, 1));
                f.render_widget(Span::styled(v, Style::new().fg(Color::Rgb(1, 2, 3))), Rect::new(10, 1, 3, 1));
            }
        };
        let first = written(&mut t, line("123"));
        assert!(first.starts_with("\x1b[2Hab\x1b[11G\x1b[38;2;1;2;3m123\x1b[?25l"), "a foreground is left set: {first:?}");
        assert!(!first.contains("2026"), "one row: no synchronized update");
        let second = written(&mut t, line("124"));
        assert_eq!(second, "\x1b[2;13H4");
        assert_eq!(written(&mut t, line("124")), "", "nothing changed: nothing written");
    }

    #[test]
    fn a_plain_gap_is_reprinted_rather_than_moved_over() {
        let mut t = terminal();
        written(&mut t, |f| f.render_widget(Span::raw("a-c"), Rect::new(0, 0, 3, 1)));
        assert_eq!(written(&mut t, |f| f.render_widget(Span::raw("x-z"), Rect::new(0, 0, 3, 1))), "\x1b[1Hx-z");
        let cleared = written(&mut t, |f| f.render_widget(Span::raw("é-c"), Rect::new(0, 0, 3, 1)));
        assert_eq!(cleared, "\x1b[1Hé\x1b[3Gc", "never after a symbol whose width is not known");
    }

    #[test]
    fn taking_a_modifier_away_resets_and_several_rows_are_synchronized() {
        let mut t = terminal();
        written(&mut t, |f| f.render_widget(Span::raw("x").bold().red(), Rect::new(0, 0, 1, 1)));
        let out = written(&mut t, |f| {
            f.render_widget(Span::raw("y").red(), Rect::new(0, 0, 1, 1));
            f.render_widget(Span::raw("z").on_blue(), Rect::new(0, 2, 1, 1));
        });
        assert_eq!(out, "\x1b[?2026h\x1b[1H\x1b[31my\x1b[3H\x1b[39;44mz\x1b[0m\x1b[?2026l");
    }
}
