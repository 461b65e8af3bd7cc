//! What an SSH client types, decoded from the bytes its terminal sends into
//! the console's keys: printable text (UTF-8), control keys, and the
//! common escape sequences (arrows, Home/End, PageUp/PageDown, Insert,
//! Delete, Shift-Tab, F1–F12, Alt-key). A lone ESC in a read is Esc.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use crate::shell::keymap::Key;

/// The keys in one read from the client.
pub fn decode(bytes: &[u8]) -> Vec<Key> {
    let mut keys = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let (code, mods, used) = one(&bytes[i..]);
        i += used.max(1);
        if let Some(code) = code {
            keys.push(Key::from_event(KeyEvent::new(code, mods)));
        }
    }
    keys
}

/// One key at the start of `b`: its code (None: not understood), modifiers
/// and how many bytes it took.
fn one(b: &[u8]) -> (Option<KeyCode>, KeyModifiers, usize) {
    let none = KeyModifiers::NONE;
    match b[0] {
        0x1b => escape(b),
        b'\r' | b'\n' => (Some(KeyCode::Enter), none, 1),
        b'\t' => (Some(KeyCode::Tab), none, 1),
        0x7f | 0x08 => (Some(KeyCode::Backspace), none, 1),
        0 => (Some(KeyCode::Char(' ')), KeyModifiers::CONTROL, 1),
        c @ 1..=26 => (Some(KeyCode::Char(char::from(b'a' + c - 1))), KeyModifiers::CONTROL, 1),
        _ => {
            let len = utf8_len(b[0]).min(b.len());
            match std::str::from_utf8(&b[..len]).ok().and_then(|s| s.chars().next()) {
                Some(c) => (Some(KeyCode::Char(c)), none, len),
                None => (None, none, 1),
            }
        }
    }
}

fn utf8_len(first: u8) -> usize {
    match first {
        0xc0..=0xdf => 2,
        0xe0..=0xef => 3,
        0xf0..=0xf7 => 4,
        _ => 1,
    }
}

/// A sequence starting with ESC.
fn escape(b: &[u8]) -> (Option<KeyCode>, KeyModifiers, usize) {
    let none = KeyModifiers::NONE;
    match b.get(1) {
        None | Some(0x1b) => (Some(KeyCode::Esc), none, 1),
        Some(b'[') => csi(b),
        Some(b'O') => match b.get(2) {
            Some(&c) => (ss3(c), none, 3),
            None => (Some(KeyCode::Char('O')), KeyModifiers::ALT, 2),
        },
        Some(_) => {
            let (code, mods, used) = one(&b[1..]);
            (code, mods | KeyModifiers::ALT, used + 1)
        }
    }
}

fn ss3(c: u8) -> Option<KeyCode> {
    Some(match c {
        b'A' => KeyCode::Up,
        b'B' => KeyCode::Down,
        b'C' => KeyCode::Right,
        b'D' => KeyCode::Left,
        b'H' => KeyCode::Home,
        b'F' => KeyCode::End,
        b'P' => KeyCode::F(1),
        b'Q' => KeyCode::F(2),
        b'R' => KeyCode::F(3),
        b'S' => KeyCode::F(4),
        _ => return None,
    })
}

/// `ESC [ params final`.
fn csi(b: &[u8]) -> (Option<KeyCode>, KeyModifiers, usize) {
    let Some(end) = b.iter().skip(2).position(|c| (0x40..=0x7e).contains(c)).map(|p| p + 2) else {
        return (None, KeyModifiers::NONE, b.len());
    };
    let params = std::str::from_utf8(&b[2..end]).unwrap_or("");
    let mut fields = params.split(';');
    let first: u16 = fields.next().and_then(|f| f.parse().ok()).unwrap_or(1);
    let mods = fields.next().and_then(|f| f.parse::<u8>().ok()).map_or(KeyModifiers::NONE, modifiers);
    let code = match b[end] {
        b'A' => Some(KeyCode::Up),
        b'B' => Some(KeyCode::Down),
        b'C' => Some(KeyCode::Right),
        b'D' => Some(KeyCode::Left),
        b'H' => Some(KeyCode::Home),
        b'F' => Some(KeyCode::End),
        b'Z' => Some(KeyCode::BackTab),
        b'~' => tilde(first),
        _ => None,
    };
    (code, mods, end + 1)
}

fn tilde(n: u16) -> Option<KeyCode> {
    Some(match n {
        1 | 7 => KeyCode::Home,
        2 => KeyCode::Insert,
        3 => KeyCode::Delete,
        4 | 8 => KeyCode::End,
        5 => KeyCode::PageUp,
        6 => KeyCode::PageDown,
        11..=15 => KeyCode::F(u8::try_from(n - 10).ok()?),
        17..=21 => KeyCode::F(u8::try_from(n - 11).ok()?),
        23 | 24 => KeyCode::F(u8::try_from(n - 12).ok()?),
        _ => return None,
    })
}

/// xterm's modifier parameter (1 + bits: shift 1, alt 2, ctrl 4).
fn modifiers(p: u8) -> KeyModifiers {
    let bits = p.saturating_sub(1);
    let mut m = KeyModifiers::NONE;
    if bits & 1 != 0 {
        m |= KeyModifiers::SHIFT;
    }
    if bits & 2 != 0 {
        m |= KeyModifiers::ALT;
    }
    if bits & 4 != 0 {
        m |= KeyModifiers::CONTROL;
    }
    m
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(b: &[u8]) -> Vec<String> {
        decode(b).iter().map(|k| format!("{:?}{:?}", k.code, k.mods)).collect()
    }

    #[test]
    fn text_controls_and_sequences() {
        assert_eq!(decode(b"ab").len(), 2);
        assert_eq!(keys(b"\x1b[A\x1b[6~\r"), keys(b"\x1bOA\x1b[6~\n"));
        assert_eq!(decode(b"\x1b")[0].code, KeyCode::Esc);
        assert_eq!(decode(b"\x1b[Z")[0].code, KeyCode::BackTab);
        let ctrl_r = decode(b"\x12");
        assert_eq!((ctrl_r[0].code, ctrl_r[0].mods), (KeyCode::Char('r'), KeyModifiers::CONTROL));
        assert_eq!(decode("é".as_bytes())[0].code, KeyCode::Char('é'));
        assert_eq!(decode(b"\x1b[15~")[0].code, KeyCode::F(5));
    }
}
