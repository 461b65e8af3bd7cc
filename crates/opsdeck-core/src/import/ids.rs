//! Stable ids: an FNV-1a hash of the normalised phase path and text (stable
//! across Rust versions and platforms), and de-duplication within a document.

use std::collections::{HashMap, HashSet};

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

/// Hands out ids unique within one document, in time linear in the number
/// of ids: each wanted id remembers the next suffix to try, so the 10,000th
/// `- [ ] Verify` of a phase does not walk past the 9,999 before it.
#[derive(Default)]
pub struct Ids {
    seen: HashSet<String>,
    next_suffix: HashMap<String, u64>,
}

impl Ids {
    /// `wanted` if free, else `wanted-2`, `wanted-3`…; the flag says whether it was taken.
    pub fn claim(&mut self, wanted: String) -> (String, bool) {
        if self.seen.insert(wanted.clone()) {
            return (wanted, false);
        }
        let n = self.next_suffix.entry(wanted.clone()).or_insert(2);
        loop {
            let candidate = format!("{wanted}-{n}");
            *n += 1;
            // A suffix is tried once per wanted id; it can only be taken
            // already by an explicit id or another id's own numbering.
            if self.seen.insert(candidate.clone()) {
                return (candidate, true);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeats_are_numbered_in_order_and_skip_ids_already_taken() {
        let mut ids = Ids::default();
        assert_eq!(ids.claim("a-3".into()), ("a-3".into(), false));
        let got: Vec<String> = (0..4).map(|_| ids.claim("a".into()).0).collect();
        assert_eq!(got, ["a", "a-2", "a-4", "a-5"]);
        assert_eq!(ids.claim("a-2".into()), ("a-2-2".into(), true));
    }
}
