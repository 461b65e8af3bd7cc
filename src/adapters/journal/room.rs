//! Room names: validation, and the names derived from them that must be safe
//! elsewhere (a file stem for SQLite rooms and spools, a PostgreSQL
//! `NOTIFY` channel). Derivations are stable across versions and hosts.

use color_eyre::eyre::{Result, bail};

/// Longest room name accepted, in bytes.
pub const MAX_ROOM_LEN: usize = 200;

/// A room name must be non-empty, at most [`MAX_ROOM_LEN`] bytes, and free
/// of control characters.
pub fn check(room: &str) -> Result<()> {
    if room.trim().is_empty() {
        bail!("room name is empty");
    }
    if room.len() > MAX_ROOM_LEN {
        bail!("room name is longer than {MAX_ROOM_LEN} bytes: {room:?}");
    }
    if room.chars().any(char::is_control) {
        bail!("room name contains control characters: {room:?}");
    }
    Ok(())
}

/// A file stem for `room`: lower-case ASCII letters, digits, `-`, `_` and
/// inner `.` kept, anything else replaced by `_`, at most 64 characters. When
/// that changed the name, a hash of the original is appended, so two rooms
/// never share a file (`Launch Day` → `launch_day-1c0f9e2a`, `launch` → `launch`).
pub fn file_stem(room: &str) -> String {
    let mut clean: String = room
        .chars()
        .map(|c| match c {
            'a'..='z' | '0'..='9' | '-' | '_' | '.' => c,
            'A'..='Z' => c.to_ascii_lowercase(),
            _ => '_',
        })
        .take(64)
        .collect();
    if clean.starts_with('.') {
        clean.replace_range(0..1, "_");
    }
    if clean == room { clean } else { format!("{clean}-{:08x}", fnv1a(room) as u32) }
}

/// The PostgreSQL notification channel for `room`: `opsdeck_` and 16 hex
/// digits (a valid identifier whatever the room is called).
pub fn channel(room: &str) -> String {
    format!("opsdeck_{:016x}", fnv1a(room))
}

/// FNV-1a, 64 bits: tiny, and unlike `DefaultHasher` fixed forever.
fn fnv1a(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_names_are_kept_and_others_get_a_hash() {
        assert_eq!(file_stem("launch-2026_q3"), "launch-2026_q3");
        let odd = file_stem("Launch Day/../etc");
        assert!(odd.starts_with("launch_day_.._etc-"), "{odd}");
        assert_ne!(file_stem("a/b"), file_stem("a_b"));
        assert_ne!(file_stem("Launch"), file_stem("launch"));
        assert!(file_stem(".hidden").starts_with("_hidden-"));
        assert!(file_stem(&"x".repeat(150)).len() <= 64 + 9);
    }

    #[test]
    fn channels_are_identifiers() {
        let c = channel("Launch Day ✈");
        assert_eq!(c.len(), "opsdeck_".len() + 16);
        assert!(c.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'));
        assert_eq!(channel("x"), channel("x"));
        assert_ne!(channel("x"), channel("y"));
        assert_eq!(fnv1a(""), 0xcbf2_9ce4_8422_2325);
    }

    #[test]
    fn bad_names_are_refused() {
        assert!(check("war-room").is_ok());
        assert!(check("").is_err());
        assert!(check("  ").is_err());
        assert!(check("a\nb").is_err());
        assert!(check(&"r".repeat(MAX_ROOM_LEN + 1)).is_err());
    }
}
