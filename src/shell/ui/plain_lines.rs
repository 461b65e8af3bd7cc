//! Lines written straight into the frame's buffer, for the panes redrawn
//! most (one row per check): plain ASCII text cell by cell, without the
//! grapheme segmentation and reflow a `Paragraph` pays for every
//! character; other text through the buffer's own `set_stringn`. What it
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
            } else {
                x = buf.set_stringn(x, y, text, usize::from(right - x), style).0;
            }
        }
    }
}
