//! How many colours the terminal shows, and a theme brought down to them:
//! true colour when `COLORTERM` says `truecolor` or `24bit`, else the 256
//! colours of a `TERM` that names them (`xterm-256color`), else the 16 ANSI
//! colours. A theme's RGB colours are mapped to the nearest of the palette
//! (the xterm 6×6×6 cube and grey ramp, or the 16 ANSI colours); named and
//! indexed colours are kept as written.

use ratatui::style::{Color, Style};

/// The colours a terminal can show.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Depth {
    TrueColor,
    Indexed256,
    Ansi16,
}

impl Depth {
    /// From the values of `COLORTERM` and `TERM`.
    pub fn detect(colorterm: Option<&str>, term: Option<&str>) -> Depth {
        let ct = colorterm.unwrap_or("").to_ascii_lowercase();
        let term = term.unwrap_or("").to_ascii_lowercase();
        if ct == "truecolor" || ct == "24bit" || term.contains("direct") || term.contains("truecolor") {
            Depth::TrueColor
        } else if term.contains("256") {
            Depth::Indexed256
        } else {
            Depth::Ansi16
        }
    }

    /// This process's terminal.
    pub fn of_process() -> Depth {
        Depth::detect(std::env::var("COLORTERM").ok().as_deref(), std::env::var("TERM").ok().as_deref())
    }

    /// A colour the terminal shows.
    pub fn colour(self, c: Color) -> Color {
        match (self, c) {
            (Depth::TrueColor, c) => c,
            (Depth::Indexed256, Color::Rgb(r, g, b)) => Color::Indexed(xterm256(r, g, b)),
            (Depth::Ansi16, Color::Rgb(r, g, b)) => ansi16(r, g, b),
            (Depth::Ansi16, Color::Indexed(i)) if i >= 16 => {
                let (r, g, b) = indexed_rgb(i);
                ansi16(r, g, b)
            }
            (_, c) => c,
        }
    }

    /// A style with its colours brought down.
    pub fn style(self, s: Style) -> Style {
        Style {
            fg: s.fg.map(|c| self.colour(c)),
            bg: s.bg.map(|c| self.colour(c)),
            underline_color: s.underline_color.map(|c| self.colour(c)),
            ..s
        }
    }
}

const CUBE: [u8; 6] = [0, 95, 135, 175, 215, 255];

fn dist(a: (u8, u8, u8), b: (u8, u8, u8)) -> u32 {
    let d = |x: u8, y: u8| (i32::from(x) - i32::from(y)).unsigned_abs();
    d(a.0, b.0).pow(2) + d(a.1, b.1).pow(2) + d(a.2, b.2).pow(2)
}

/// The nearest xterm-256 colour (cube 16–231 or grey ramp 232–255).
fn xterm256(r: u8, g: u8, b: u8) -> u8 {
    let near = |v: u8| CUBE.iter().enumerate().min_by_key(|(_, c)| (i32::from(**c) - i32::from(v)).unsigned_abs()).map_or(0, |(i, _)| i);
    let (ri, gi, bi) = (near(r), near(g), near(b));
    let cube = (CUBE[ri], CUBE[gi], CUBE[bi]);
    let cube_index = 16 + 36 * ri + 6 * gi + bi;
    let grey_level = ((u32::from(r) + u32::from(g) + u32::from(b)) / 3) as u8;
    let gi_ramp = (usize::from(grey_level.saturating_sub(8)) / 10).min(23);
    let grey = 8 + 10 * gi_ramp as u8;
    let index = if dist((r, g, b), (grey, grey, grey)) < dist((r, g, b), cube) { 232 + gi_ramp } else { cube_index };
    u8::try_from(index).unwrap_or(15)
}

fn indexed_rgb(i: u8) -> (u8, u8, u8) {
    match i {
        16..=231 => {
            let n = usize::from(i - 16);
            (CUBE[n / 36], CUBE[(n / 6) % 6], CUBE[n % 6])
        }
        232..=255 => {
            let v = 8 + 10 * (i - 232);
            (v, v, v)
        }
        _ => (128, 128, 128),
    }
}

/// The 16 ANSI colours as xterm draws them.
const ANSI: [((u8, u8, u8), Color); 16] = [
    ((0, 0, 0), Color::Black),
    ((205, 0, 0), Color::Red),
    ((0, 205, 0), Color::Green),
    ((205, 205, 0), Color::Yellow),
    ((0, 0, 238), Color::Blue),
    ((205, 0, 205), Color::Magenta),
    ((0, 205, 205), Color::Cyan),
    ((229, 229, 229), Color::Gray),
    ((127, 127, 127), Color::DarkGray),
    ((255, 0, 0), Color::LightRed),
    ((0, 255, 0), Color::LightGreen),
    ((255, 255, 0), Color::LightYellow),
    ((92, 92, 255), Color::LightBlue),
    ((255, 0, 255), Color::LightMagenta),
    ((0, 255, 255), Color::LightCyan),
    ((255, 255, 255), Color::White),
];

fn ansi16(r: u8, g: u8, b: u8) -> Color {
    ANSI.iter().min_by_key(|(rgb, _)| dist(*rgb, (r, g, b))).map_or(Color::Reset, |(_, c)| *c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terminals_are_read_from_their_variables() {
        assert_eq!(Depth::detect(Some("truecolor"), Some("xterm-256color")), Depth::TrueColor);
        assert_eq!(Depth::detect(None, Some("xterm-256color")), Depth::Indexed256);
        assert_eq!(Depth::detect(None, Some("xterm")), Depth::Ansi16);
        assert_eq!(Depth::detect(Some("24bit"), None), Depth::TrueColor);
    }

    #[test]
    fn colours_come_down_to_the_nearest_of_the_palette() {
        assert_eq!(Depth::Indexed256.colour(Color::Rgb(255, 0, 0)), Color::Indexed(196));
        assert_eq!(Depth::Indexed256.colour(Color::Rgb(128, 128, 128)), Color::Indexed(244));
        assert_eq!(Depth::Ansi16.colour(Color::Rgb(250, 10, 10)), Color::LightRed);
        assert_eq!(Depth::Ansi16.colour(Color::Rgb(20, 180, 40)), Color::Green);
        assert_eq!(Depth::Ansi16.colour(Color::Indexed(196)), Color::LightRed);
        assert_eq!(Depth::TrueColor.colour(Color::Rgb(1, 2, 3)), Color::Rgb(1, 2, 3));
        assert_eq!(Depth::Ansi16.colour(Color::Yellow), Color::Yellow, "named colours stay");
    }
}
