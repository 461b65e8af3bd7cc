//! How a theme file writes one style: a colour name (`"red"`, `"#ff8800"`,
//! `"reset"`, `"33"`) for the foreground, or a table with fg, bg and modifiers.

use std::str::FromStr;

use ratatui::style::{Color, Modifier, Style};
use serde::{Deserialize, Deserializer};

/// A colour as written in a theme; `reset` is the terminal's own colour.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ThemeColor(pub Color);

impl<'de> Deserialize<'de> for ThemeColor {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Color::from_str(&s).map(ThemeColor).map_err(|_| {
            serde::de::Error::custom(format!(
                "unknown colour \"{s}\"; expected a name (red, lightblue, darkgray …), \"reset\" for the terminal's own colour, \"#rrggbb\" or an index 0-255"
            ))
        })
    }
}

/// One slot's style in a theme file.
#[derive(Debug, Clone, PartialEq)]
pub enum StyleSpec {
    Fg(ThemeColor),
    Full(FullStyle),
}

impl<'de> Deserialize<'de> for StyleSpec {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = StyleSpec;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a colour string or a table { fg, bg, bold, dim, italic, underline, reverse }")
            }
            fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<StyleSpec, E> {
                ThemeColor::deserialize(serde::de::value::StrDeserializer::<E>::new(s)).map(StyleSpec::Fg)
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<StyleSpec, A::Error> {
                FullStyle::deserialize(serde::de::value::MapAccessDeserializer::new(map)).map(StyleSpec::Full)
            }
        }
        d.deserialize_any(V)
    }
}

#[derive(Debug, Clone, PartialEq, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct FullStyle {
    pub fg: Option<ThemeColor>,
    pub bg: Option<ThemeColor>,
    #[serde(default)]
    pub bold: bool,
    #[serde(default)]
    pub dim: bool,
    #[serde(default)]
    pub italic: bool,
    #[serde(default)]
    pub underline: bool,
    #[serde(default)]
    pub reverse: bool,
}

impl StyleSpec {
    pub fn to_style(&self) -> Style {
        match self {
            StyleSpec::Fg(c) => Style::new().fg(c.0),
            StyleSpec::Full(f) => {
                let mut s = Style::new();
                if let Some(c) = f.fg {
                    s = s.fg(c.0);
                }
                if let Some(c) = f.bg {
                    s = s.bg(c.0);
                }
                for (on, m) in [
                    (f.bold, Modifier::BOLD),
                    (f.dim, Modifier::DIM),
                    (f.italic, Modifier::ITALIC),
                    (f.underline, Modifier::UNDERLINED),
                    (f.reverse, Modifier::REVERSED),
                ] {
                    if on {
                        s = s.add_modifier(m);
                    }
                }
                s
            }
        }
    }
}
