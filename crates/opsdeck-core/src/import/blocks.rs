//! What a fenced block in a shell language really holds, read from its
//! lines: a script to run, or something a guide shows for reading that
//! must never run — only comments (a manual step), only `KEY=value`
//! declarations (an `.env` to fill in), a transcript (`$ cmd` followed by
//! its output) or SQL pasted into a `bash` fence.

/// The shape of a block's text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Block {
    /// A script: runs as a step.
    Script,
    /// Nothing but `#` comments: their text, a step done by hand.
    Comments(Vec<String>),
    /// Only `KEY=value` (or `export KEY=value`) lines and comments.
    Declarations,
    /// A terminal transcript: prompts with commands, and output.
    Transcript,
    /// SQL statements.
    Sql,
}

impl Block {
    /// `None` for a script; for a block that is read, never run, what to
    /// warn about it (`None` inside for comments, which need no warning).
    pub fn for_reading(&self) -> Option<Option<&'static str>> {
        match self {
            Block::Script => None,
            Block::Comments(_) => Some(None),
            Block::Declarations => Some(Some("holds only KEY=value declarations")),
            Block::Transcript => Some(Some("is a terminal transcript (`$` prompts and output)")),
            Block::Sql => Some(Some("holds SQL, which a shell does not run")),
        }
    }
}

/// Reads a block of a shell language.
pub fn classify(script: &str) -> Block {
    let lines: Vec<&str> = script.lines().map(str::trim).filter(|l| !l.is_empty()).collect();
    if lines.is_empty() {
        return Block::Comments(Vec::new());
    }
    let is_comment = |l: &&str| l.starts_with('#') && !l.starts_with("#!");
    if lines.iter().all(is_comment) {
        return Block::Comments(lines.iter().map(|l| l.trim_start_matches('#').trim().to_string()).filter(|l| !l.is_empty()).collect());
    }
    let code: Vec<&str> = lines.iter().copied().filter(|l| !is_comment(l)).collect();
    if code.iter().all(|l| declaration(l)) {
        return Block::Declarations;
    }
    if code.first().is_some_and(|l| prompt(l)) {
        return Block::Transcript;
    }
    if code.first().is_some_and(|l| sql_statement(l)) && code.iter().any(|l| l.ends_with(';')) && !code.iter().any(|l| shell_only(l)) {
        return Block::Sql;
    }
    Block::Script
}

/// `KEY=value`, `export KEY=value`: a declaration with nothing to run.
fn declaration(line: &str) -> bool {
    let line = line.strip_prefix("export ").unwrap_or(line);
    let Some((key, value)) = line.split_once('=') else { return false };
    let mut chars = key.chars();
    let starts = chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_');
    // A value that substitutes a command (`$(…)`, backticks) does run something.
    starts && chars.all(|c| c.is_ascii_alphanumeric() || c == '_') && !value.contains("$(") && !value.contains('`')
}

/// A shell prompt before a command: `$ kubectl get pods`.
fn prompt(line: &str) -> bool {
    line.starts_with("$ ") || line == "$"
}

const SQL_WORDS: [&str; 12] =
    ["SELECT", "INSERT", "UPDATE", "DELETE", "CREATE", "ALTER", "DROP", "GRANT", "REVOKE", "TRUNCATE", "VACUUM", "WITH"];

/// A line that opens an SQL statement (keywords in capitals, as guides write them).
fn sql_statement(line: &str) -> bool {
    let word = line.split(|c: char| !c.is_ascii_alphabetic()).next().unwrap_or("");
    SQL_WORDS.contains(&word) && line.len() > word.len()
}

/// Lines SQL never has but scripts do.
fn shell_only(line: &str) -> bool {
    line.contains(" | ") || line.contains("&&") || line.starts_with("psql") || line.starts_with("export ") || line.contains("$(")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tells_scripts_from_reading_matter() {
        assert_eq!(classify("kubectl rollout status deploy/api\necho done"), Block::Script);
        assert_eq!(classify("# Check the pods\n# then the logs\n"), Block::Comments(vec!["Check the pods".into(), "then the logs".into()]));
        assert_eq!(classify("#!/bin/bash\nset -euo pipefail\nmake deploy"), Block::Script);
        assert_eq!(classify("# App\nDATABASE_URL=postgres://db/app\nexport REDIS_URL=redis://cache\nPORT=8080"), Block::Declarations);
        assert_eq!(classify("NOW=$(date)\necho $NOW"), Block::Script);
        assert_eq!(classify("$ kubectl get pods\nNAME   READY\napi-1  1/1"), Block::Transcript);
        assert_eq!(classify("$ make build\n$ make test"), Block::Transcript, "a `$` prompt does not run in a script");
        assert_eq!(classify("SELECT pid, state\nFROM pg_stat_activity\nWHERE state = 'active';"), Block::Sql);
        assert_eq!(classify("psql \"$DATABASE_URL\" -c 'SELECT 1;'"), Block::Script);
        assert_eq!(classify(""), Block::Comments(Vec::new()));
    }
}
