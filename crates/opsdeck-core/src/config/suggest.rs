//! "Did you mean …?": the known name nearest to a misspelt one, by
//! Jaro–Winkler similarity (the `strsim` crate), offered only when it is
//! close enough to be the likely intent.

/// The candidate nearest `wanted`, when it is similar enough.
pub fn closest<'a>(wanted: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<String> {
    let wanted = wanted.to_lowercase();
    candidates
        .into_iter()
        .map(|c| (strsim::jaro_winkler(&wanted, &c.to_lowercase()), c))
        .filter(|(score, _)| *score >= 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c.to_string())
}

/// For serde's "unknown field `timout`, expected one of `every`, `timeout`"
/// (or "expected `x`"): the message with "; did you mean `timeout`?" added
/// when one of the expected names is near; otherwise the message as it was.
pub fn unknown_field(message: &str) -> String {
    let Some(rest) = message.strip_prefix("unknown field `").or_else(|| message.strip_prefix("unknown variant `")) else {
        return message.to_string();
    };
    let Some((wanted, expected)) = rest.split_once('`') else { return message.to_string() };
    let names: Vec<&str> = expected.split('`').skip(1).step_by(2).collect();
    match closest(wanted, names) {
        Some(near) => format!("{message}; did you mean `{near}`?"),
        None => message.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn near_names_are_offered_far_ones_not() {
        let keys = ["timeout", "every", "stale_after", "raise_after"];
        assert_eq!(closest("timout", keys).as_deref(), Some("timeout"));
        assert_eq!(closest("stale-after", keys).as_deref(), Some("stale_after"));
        assert_eq!(closest("colour", keys), None);
    }

    #[test]
    fn serde_messages_get_the_near_name() {
        assert_eq!(
            unknown_field("unknown field `timout`, expected one of `every`, `timeout`, `stale_after`"),
            "unknown field `timout`, expected one of `every`, `timeout`, `stale_after`; did you mean `timeout`?"
        );
        assert_eq!(unknown_field("unknown field `title`, expected `name`"), "unknown field `title`, expected `name`");
        assert_eq!(unknown_field("invalid type: string"), "invalid type: string");
    }
}
