//! What a fence says about itself, outside its contents: whether a fenced
//! block is closed before the document ends, and the document's YAML front
//! matter (the keys that change how its blocks run).

use super::model::FrontMatter;

/// Whether a fenced block's source (from its opening fence) ends with a
/// closing fence of the same character, at least as long.
pub fn closed(block: &str) -> bool {
    let fence: String = block.trim_start().chars().take_while(|c| *c == '`' || *c == '~').collect();
    let Some(fence_char) = fence.chars().next() else { return true };
    let lines: Vec<&str> = block.trim_end().lines().collect();
    lines.len() > 1
        && lines.last().is_some_and(|last| {
            let l = last.trim();
            l.chars().all(|c| c == fence_char) && l.chars().count() >= fence.chars().count()
        })
}

/// The keys opsdeck reads from YAML front matter: `shell` and `cwd`, as
/// plain `key: value` lines (Runme's `runme:` block and others are ignored).
pub fn front_matter(text: &str) -> FrontMatter {
    let mut front = FrontMatter::default();
    for line in text.lines() {
        if line.starts_with([' ', '\t']) {
            continue;
        }
        let Some((key, value)) = line.split_once(':') else { continue };
        let value = value.trim().trim_matches(|c| c == '"' || c == '\'').trim();
        if value.is_empty() {
            continue;
        }
        match key.trim() {
            "shell" => front.shell = Some(value.to_string()),
            "cwd" => front.cwd = Some(value.to_string()),
            _ => {}
        }
    }
    front
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fences_and_front_matter() {
        assert!(closed("```sh\necho hi\n```\n"));
        assert!(!closed("```sh\necho hi\n"));
        assert!(!closed("````sh\necho\n```"), "a shorter fence does not close");
        let f = front_matter("shell: bash\ncwd: \"./deploy\"\nrunme:\n  id: x\n");
        assert_eq!((f.shell.as_deref(), f.cwd.as_deref()), (Some("bash"), Some("./deploy")));
    }
}
