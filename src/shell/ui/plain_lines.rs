//! Lines written straight into the frame's buffer, for the panes redrawn
//! most (a row per check, per change, per incident): plain text cell by
//! cell, without the grapheme segmentation and reflow a `Paragraph` pays
//! for every character — ASCII, and the symbols the console draws with
//! (see [`is_lone_narrow`]); other text (CJK, emoji, combining marks)
//! through the buffer's own `set_stringn`. What it
//! draws is what a `Paragraph` without wrapping draws: each line on its
//! row, the line's style under each span's, cut at the area's right edge.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::Line;

/// Draws `lines` from the top of `area`, one per row, as many as fit.
pub fn render(buf: &mut Buffer, area: Rect, lines: &[Line]) {
    let right = area.right();
    for (line, y) in lines.iter().zip(area.top()..area.bottom()) {
        let mut x = area.x;
        for span in &line.spans {
            if x >= right {
                break;
            }
            let style = line.style.patch(span.style);
            let text: &str = &span.content;
            if text.bytes().all(|b| b.is_ascii_graphic() || b == b' ') {
                for b in text.bytes().take(usize::from(right - x)) {
                    buf[(x, y)].set_char(char::from(b)).set_style(style);
                    x += 1;
                }
            } else if text.chars().all(is_lone_narrow) {
                for c in text.chars().take(usize::from(right - x)) {
                    buf[(x, y)].set_char(c).set_style(style);
                    x += 1;
                }
            } else {
                x = buf.set_stringn(x, y, text, usize::from(right - x), style).0;
            }
        }
    }
}

/// A character that is a whole grapheme one column wide on its own:
/// printable ASCII, Latin-1 letters and signs, and the blocks of general
/// punctuation, arrows, mathematical and technical signs, box drawing,
/// block elements, geometric shapes and dingbats (`·`, `…`, `→`, `─`, `▅`,
/// `✓`). These blocks hold no marks that join the character before them
/// (their combining marks, U+20D0–U+20FF, are left out), so each such
/// character is drawn in its own cell.
fn is_lone_narrow(c: char) -> bool {
    matches!(c, ' '..='~' | '\u{a0}'..='\u{ff}' | '\u{2010}'..='\u{20cf}' | '\u{2100}'..='\u{27bf}')
        && unicode_width::UnicodeWidthChar::width(c) == Some(1)
}

#[cfg(test)]
mod tests {
    use super::{is_lone_narrow, render};
    use ratatui::buffer::Buffer;
    use ratatui::layout::Rect;
    use ratatui::style::Style;
    use ratatui::text::{Line, Span};
    use ratatui::widgets::{Paragraph, Widget};

    #[test]
    fn draws_what_a_paragraph_draws() {
        let area = Rect::new(0, 0, 24, 3);
        let lines = vec![
            Line::from(vec![Span::raw("✓ OK "), Span::styled("▁▃▅▇ → 12…", Style::new())]),
            Line::from("支付 e\u{301}t 🚀 x"),
            Line::from("a line much longer than the area is wide"),
        ];
        let mut fast = Buffer::empty(area);
        render(&mut fast, area, &lines);
        let mut slow = Buffer::empty(area);
        Paragraph::new(lines).render(area, &mut slow);
        assert_eq!(fast, slow);
    }

    #[test]
    fn wide_and_joining_characters_take_the_slow_road() {
        for c in ['支', '🚀', '\u{301}', '\u{93e}', '\u{20d7}'] {
            assert!(!is_lone_narrow(c), "{c:?}");
        }
        for c in ['·', '…', '→', '─', '▅', '✓', '◆', 'é', '±'] {
            assert!(is_lone_narrow(c), "{c:?}");
        }
    }
}
