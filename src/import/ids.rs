//! Stable ids: an FNV-1a hash of the normalised phase path and text (stable
//! across Rust versions and platforms), and de-duplication within a document.

use std::collections::HashSet;

use super::text::normalise;

/// The id an item gets without an explicit `{#id}`: 10 hex digits.
pub fn stable_id(path: &[String], text: &str) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut feed = |bytes: &[u8]| {
        for b in bytes {
            h ^= u64::from(*b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    };
    for seg in path {
        feed(normalise(seg).as_bytes());
        feed(&[0x1f]);
    }
    feed(&[0x1e]);
    feed(normalise(text).as_bytes());
    format!("{:010x}", h >> 24)
}

/// Hands out ids unique within one document.
#[derive(Default)]
pub struct Ids {
    seen: HashSet<String>,
}

impl Ids {
    /// `wanted` if free, else `wanted-2`, `wanted-3`…; the flag says whether it was taken.
    pub fn claim(&mut self, wanted: String) -> (String, bool) {
        if self.seen.insert(wanted.clone()) {
            return (wanted, false);
        }
        let mut n = 2;
        loop {
            let candidate = format!("{wanted}-{n}");
            if self.seen.insert(candidate.clone()) {
                return (candidate, true);
            }
            n += 1;
        }
    }
}
