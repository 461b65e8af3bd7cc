//! The last pass of a frame under `--ascii` (or a non-UTF-8 locale): the
//! console's own glyphs — separators, ellipses, quotes, arrows, box and
//! block characters, check marks — become ASCII of the same width, so a
//! terminal that cannot show Unicode gets a readable screen. Text that
//! came from the plan or the room (a check's name in CJK, say) is left as
//! it is: replacing it would change what it says.

use ratatui::buffer::Buffer;

/// The ASCII stand-in of one of the console's glyphs, if it is one.
fn stand_in(glyph: &str) -> Option<&'static str> {
    Some(match glyph {
        "·" | "•" | "—" | "–" | "─" | "━" | "═" | "╌" => "-",
        "…" => "~",
        "“" | "”" | "„" => "\"",
        "‘" | "’" => "'",
        "│" | "┃" | "║" => "|",
        "┌" | "┐" | "└" | "┘" | "├" | "┤" | "┬" | "┴" | "┼" | "╭" | "╮" | "╰" | "╯" => "+",
        "→" | "▸" | "▶" | "›" | "»" => ">",
        "←" | "◂" | "◀" | "‹" | "«" => "<",
        "↑" | "▲" | "△" => "^",
        "↓" | "▼" | "▽" => "v",
        "≥" => ">",
        "≤" => "<",
        "×" | "✓" | "✔" => "x",
        "✗" | "✖" | "✘" => "X",
        "◆" | "★" => "*",
        "●" | "○" | "◌" => "o",
        "⧗" | "⏳" | "⌛" => "~",
        "█" | "▇" | "▆" | "▅" => "#",
        "▄" | "▃" => "=",
        "▂" | "▁" => "_",
        "░" | "▒" | "▓" => ".",
        _ => return None,
    })
}

/// Replaces the console's non-ASCII glyphs in `buf` with ASCII ones.
pub fn downgrade(buf: &mut Buffer) {
    for cell in buf.content.iter_mut() {
        let symbol = cell.symbol();
        if symbol.is_ascii() {
            continue;
        }
        if let Some(ascii) = stand_in(symbol) {
            cell.set_symbol(ascii);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::downgrade;
    use ratatui::buffer::Buffer;
    use ratatui::layout::Rect;

    #[test]
    fn the_consoles_glyphs_become_ascii_and_plan_text_stays() {
        let mut buf = Buffer::empty(Rect::new(0, 0, 30, 1));
        buf.set_string(0, 0, "a · b … “c” → ▄█ 東京", ratatui::style::Style::new());
        downgrade(&mut buf);
        let line: String = buf.content.iter().map(|c| c.symbol()).collect();
        assert!(line.starts_with("a - b ~ \"c\" > =# "), "{line}");
        assert!(line.contains('東') && line.contains('京'), "{line}");
    }
}
