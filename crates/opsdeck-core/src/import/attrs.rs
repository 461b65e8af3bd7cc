//! Fenced code block info strings: the language and Runme-style attributes
//! (`sh { name=db-ping timeout=20s confirm=true }`), plus which languages run.

/// Languages whose blocks become runnable steps.
pub const RUNNABLE: &[&str] = &["sh", "bash", "shell", "zsh"];

/// Languages skipped without a warning: no language at all, plain text and
/// program output (`text`, `console` transcripts mix prompts with output, so
/// they are never run), configuration and data formats, and diagrams.
pub const SILENT: &[&str] = &[
    "",
    "text",
    "txt",
    "plain",
    "plaintext",
    "output",
    "log",
    "console",
    "env",
    "dotenv",
    "ini",
    "toml",
    "yaml",
    "yml",
    "json",
    "jsonc",
    "xml",
    "csv",
    "diff",
    "mermaid",
    "markdown",
    "md",
];

/// A parsed info string.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Info {
    /// Lowercased language (first word).
    pub lang: String,
    pub name: Option<String>,
    pub id: Option<String>,
    pub timeout: Option<String>,
    pub confirm: bool,
    /// The block rolls something back: it is offered as a rollback action too.
    pub rollback: bool,
    /// Problems to report as warnings (unknown attributes, bad values).
    pub problems: Vec<String>,
}

/// Parses `sh { name=x timeout=20s confirm=true }` (also `sh {name="x y"}` and `sh {#id}`).
pub fn parse(info: &str) -> Info {
    let info = info.trim();
    let lang_end = info.find(|c: char| c.is_whitespace() || c == '{').unwrap_or(info.len());
    let (lang, rest) = info.split_at(lang_end);
    let mut out = Info { lang: lang.to_lowercase(), ..Info::default() };
    let rest = rest.trim();
    if rest.is_empty() {
        return out;
    }
    let Some(body) = rest.strip_prefix('{') else {
        out.problems.push(format!("ignored text after the language: `{rest}`"));
        return out;
    };
    let body = match body.rfind('}') {
        Some(end) => body.get(..end).unwrap_or(""),
        None => {
            out.problems.push("attribute list has no closing `}`".to_string());
            body
        }
    };
    for (key, value) in tokens(body) {
        apply(&mut out, &key, value);
    }
    out
}

fn apply(out: &mut Info, key: &str, value: Option<String>) {
    match (key, value) {
        (k, None) if k.starts_with('#') && k.len() > 1 => out.id = Some(k[1..].to_string()),
        ("name", Some(v)) if !v.is_empty() => out.name = Some(v),
        ("timeout", Some(v)) => match humantime::parse_duration(&v) {
            Ok(_) => out.timeout = Some(v),
            Err(e) => out.problems.push(format!("timeout `{v}` is not a duration ({e})")),
        },
        ("confirm", None) => out.confirm = true,
        ("confirm", Some(v)) => match v.to_lowercase().as_str() {
            "true" | "yes" | "1" => out.confirm = true,
            "false" | "no" | "0" => out.confirm = false,
            _ => out.problems.push(format!("confirm `{v}` is not true or false")),
        },
        ("rollback", None) => out.rollback = true,
        ("rollback", Some(v)) => match v.to_lowercase().as_str() {
            "true" | "yes" | "1" => out.rollback = true,
            "false" | "no" | "0" => out.rollback = false,
            _ => out.problems.push(format!("rollback `{v}` is not true or false")),
        },
        (k, Some(v)) => out.problems.push(format!("unknown attribute `{k}={v}`")),
        (k, None) => out.problems.push(format!("unknown attribute `{k}`")),
    }
}

/// Splits `a=1 b="x y" c` into key/value pairs (commas also separate).
fn tokens(body: &str) -> Vec<(String, Option<String>)> {
    let mut out = Vec::new();
    let mut chars = body.chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| c.is_whitespace() || *c == ',') {
            chars.next();
        }
        let mut key = String::new();
        while let Some(&c) = chars.peek() {
            if c.is_whitespace() || c == '=' || c == ',' {
                break;
            }
            key.push(c);
            chars.next();
        }
        if key.is_empty() && chars.peek().is_none() {
            return out;
        }
        let value = if chars.peek() == Some(&'=') {
            chars.next();
            Some(value(&mut chars))
        } else {
            None
        };
        let key = key.trim_matches(|c| c == '"' || c == '\'').to_string();
        if key.is_empty() && value.is_none() {
            // A stray `=` or similar: skip one character to make progress.
            chars.next();
            continue;
        }
        out.push((key, value));
    }
}

fn value(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) -> String {
    let mut v = String::new();
    match chars.peek().copied() {
        Some(q @ ('"' | '\'')) => {
            chars.next();
            for c in chars.by_ref() {
                if c == q {
                    break;
                }
                v.push(c);
            }
        }
        _ => {
            while let Some(&c) = chars.peek() {
                if c.is_whitespace() || c == ',' {
                    break;
                }
                v.push(c);
                chars.next();
            }
        }
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runme_attributes() {
        let i = parse("sh { name=db-ping timeout=20s confirm=true interactive=false }");
        assert_eq!(i.lang, "sh");
        assert_eq!(i.name.as_deref(), Some("db-ping"));
        assert_eq!(i.timeout.as_deref(), Some("20s"));
        assert!(i.confirm);
        assert!(!i.rollback);
        assert_eq!(i.problems, vec!["unknown attribute `interactive=false`".to_string()]);
        assert!(parse("sh { name=undo rollback=true }").rollback);
        assert!(parse("sh {rollback}").rollback);
        assert_eq!(parse("sh {rollback=maybe}").problems, vec!["rollback `maybe` is not true or false".to_string()]);
        let q = parse("bash {name=\"two words\", #explicit}");
        assert_eq!((q.name.as_deref(), q.id.as_deref()), (Some("two words"), Some("explicit")));
        assert_eq!(parse("Python").lang, "python");
        assert_eq!(parse("sh { timeout=soon").problems.len(), 2);
        assert!(parse("sh {=}").problems.len() <= 1);
    }
}
