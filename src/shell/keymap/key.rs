//! Key notation in keymaps: `q`, `?`, `<C-r>`, `<S-Tab>`, `<A-x>`, `<Enter>`,
//! `<PageDown>`, `<F1>`, `<Space>`, `<lt>`; parsed into crossterm key codes and
//! printed back in the same notation for the help screen.

use std::fmt;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// One key press: a code and its modifiers (Shift is folded into characters).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Key {
    pub code: KeyCode,
    pub mods: KeyModifiers,
}

const NAMED: &[(&str, KeyCode)] = &[
    ("Enter", KeyCode::Enter),
    ("Esc", KeyCode::Esc),
    ("Tab", KeyCode::Tab),
    ("BackTab", KeyCode::BackTab),
    ("Backspace", KeyCode::Backspace),
    ("Delete", KeyCode::Delete),
    ("Insert", KeyCode::Insert),
    ("Up", KeyCode::Up),
    ("Down", KeyCode::Down),
    ("Left", KeyCode::Left),
    ("Right", KeyCode::Right),
    ("Home", KeyCode::Home),
    ("End", KeyCode::End),
    ("PageUp", KeyCode::PageUp),
    ("PageDown", KeyCode::PageDown),
    ("Space", KeyCode::Char(' ')),
    ("lt", KeyCode::Char('<')),
    ("gt", KeyCode::Char('>')),
];

impl Key {
    pub const fn plain(code: KeyCode) -> Key {
        Key { code, mods: KeyModifiers::NONE }
    }

    /// The key as the terminal reported it, normalised so it compares with
    /// keymap entries (`G` arrives as Shift+G; Shift+Tab as BackTab).
    pub fn from_event(ev: KeyEvent) -> Key {
        Key::normalise(ev.code, ev.modifiers)
    }

    fn normalise(code: KeyCode, mods: KeyModifiers) -> Key {
        let mods = mods & (KeyModifiers::CONTROL | KeyModifiers::ALT | KeyModifiers::SHIFT);
        match code {
            KeyCode::Char(c) => {
                let c = if mods.contains(KeyModifiers::CONTROL) { c.to_ascii_lowercase() } else { c };
                Key { code: KeyCode::Char(c), mods: mods - KeyModifiers::SHIFT }
            }
            KeyCode::Tab if mods.contains(KeyModifiers::SHIFT) => Key { code: KeyCode::BackTab, mods: mods - KeyModifiers::SHIFT },
            KeyCode::BackTab => Key { code: KeyCode::BackTab, mods: mods - KeyModifiers::SHIFT },
            _ => Key { code, mods },
        }
    }
}

/// What a key must look like, used in every key error.
pub const KEY_EXPECTED: &str =
    "expected a character like \"q\" or a name in angle brackets like \"<C-r>\", \"<Enter>\", \"<S-Tab>\", \"<F5>\"";

impl std::str::FromStr for Key {
    type Err = String;

    fn from_str(s: &str) -> Result<Key, String> {
        let mut chars = s.chars();
        match (chars.next(), chars.next()) {
            (Some(c), None) => return Ok(Key::normalise(KeyCode::Char(c), KeyModifiers::NONE)),
            (Some('<'), Some(_)) if s.ends_with('>') => {}
            _ => return Err(format!("cannot read key \"{s}\"; {KEY_EXPECTED}")),
        }
        let inner = &s[1..s.len() - 1];
        let mut mods = KeyModifiers::NONE;
        let mut rest = inner;
        while let Some((m, after)) = rest.split_once('-').filter(|(m, after)| m.len() == 1 && !after.is_empty()) {
            mods |= match m {
                "C" | "c" => KeyModifiers::CONTROL,
                "A" | "a" | "M" | "m" => KeyModifiers::ALT,
                "S" | "s" => KeyModifiers::SHIFT,
                _ => {
                    return Err(format!("unknown modifier `{m}-` in \"{s}\"; expected C- (Ctrl), A- (Alt) or S- (Shift)"));
                }
            };
            rest = after;
        }
        let code = if let Some((_, code)) = NAMED.iter().find(|(n, _)| n.eq_ignore_ascii_case(rest)) {
            *code
        } else if let Some(n) = rest.strip_prefix(['F', 'f']).and_then(|n| n.parse::<u8>().ok()).filter(|n| (1..=12).contains(n)) {
            KeyCode::F(n)
        } else {
            let mut cs = rest.chars();
            match (cs.next(), cs.next()) {
                (Some(c), None) => KeyCode::Char(c),
                _ => {
                    return Err(format!("unknown key name `{rest}` in \"{s}\"; {KEY_EXPECTED}"));
                }
            }
        };
        Ok(Key::normalise(code, mods))
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut mods = self.mods;
        let name = match self.code {
            // Printed as keymaps write it (and people say it): Shift+Tab.
            KeyCode::BackTab => {
                mods |= KeyModifiers::SHIFT;
                "Tab".to_string()
            }
            KeyCode::Char(' ') => "Space".to_string(),
            KeyCode::Char('<') => "lt".to_string(),
            KeyCode::Char('>') => "gt".to_string(),
            KeyCode::Char(c) if self.mods.is_empty() => return write!(f, "{c}"),
            KeyCode::Char(c) => c.to_string(),
            KeyCode::F(n) => format!("F{n}"),
            code => NAMED.iter().find(|(_, c)| *c == code).map_or_else(|| format!("{code:?}"), |(n, _)| n.to_string()),
        };
        let mut prefix = String::new();
        for (m, p) in [(KeyModifiers::CONTROL, "C-"), (KeyModifiers::ALT, "A-"), (KeyModifiers::SHIFT, "S-")] {
            if mods.contains(m) {
                prefix.push_str(p);
            }
        }
        write!(f, "<{prefix}{name}>")
    }
}

#[cfg(test)]
mod tests {
    use crossterm::event::KeyEventKind;

    use super::*;

    fn key(s: &str) -> Key {
        s.parse().unwrap()
    }

    #[test]
    fn parses_and_prints_the_notation() {
        for s in ["q", "?", "G", "<C-r>", "<A-x>", "<Enter>", "<Esc>", "<S-Tab>", "<PageDown>", "<F5>", "<Space>", "<lt>", "<C-A-Delete>"] {
            assert_eq!(key(s).to_string(), s, "round trip of {s}");
        }
        assert_eq!(key("<S-Tab>"), key("<BackTab>"));
        assert_eq!(key("<BackTab>").to_string(), "<S-Tab>", "the help says what the keymap says");
        assert_eq!(key("<C-S-Tab>").to_string(), "<C-S-Tab>");
        assert_eq!(key("<c-R>"), key("<C-r>"));
        assert_eq!(key("<enter>"), key("<Enter>"));
    }

    #[test]
    fn rejects_what_it_cannot_read() {
        assert!("qq".parse::<Key>().unwrap_err().contains("cannot read key \"qq\""));
        assert!("<Hyper-x>".parse::<Key>().unwrap_err().contains("unknown key name"));
        assert!("<X-a>".parse::<Key>().unwrap_err().contains("unknown modifier `X-`"));
        assert!("".parse::<Key>().is_err());
    }

    #[test]
    fn terminal_events_match_keymap_keys() {
        let ev = |code, mods| KeyEvent { code, modifiers: mods, kind: KeyEventKind::Press, state: crossterm::event::KeyEventState::NONE };
        assert_eq!(Key::from_event(ev(KeyCode::Char('G'), KeyModifiers::SHIFT)), key("G"));
        assert_eq!(Key::from_event(ev(KeyCode::Char('r'), KeyModifiers::CONTROL)), key("<C-r>"));
        assert_eq!(Key::from_event(ev(KeyCode::BackTab, KeyModifiers::SHIFT)), key("<S-Tab>"));
    }
}
