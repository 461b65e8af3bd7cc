//! Fenced code block info strings: the language and Runme-style attributes
//! (`sh { name=db-ping timeout=20s confirm=true }`), plus which languages run.

/// Languages whose blocks become runnable steps.
pub const RUNNABLE: &[&str] = &["sh", "bash", "shell", "zsh", "python", "python3", "py", "node", "js", "javascript"];

/// The shells among [`RUNNABLE`]: their blocks are read for what they hold
/// (see the blocks module) and share a session from step to step.
pub const SHELLS: &[&str] = &["sh", "bash", "shell", "zsh"];

/// The command that runs a block of `lang`: the `interpreter` attribute
/// when given, else the front matter's `shell` for a generic `shell`/`sh`
/// block, else the language's own (`bash`, `zsh`, `python3`, `node`).
pub fn interpreter(lang: &str, attribute: Option<&str>, front_shell: Option<&str>) -> Vec<String> {
    let words = |s: &str| s.split_whitespace().map(String::from).collect::<Vec<_>>();
    if let Some(a) = attribute.filter(|a| !a.trim().is_empty()) {
        return words(a);
    }
    match lang {
        "shell" | "sh" if front_shell.is_some_and(|s| !s.trim().is_empty()) => words(front_shell.unwrap_or("sh")),
        "bash" => words("bash"),
        "zsh" => words("zsh"),
        "python" | "python3" | "py" => words("python3"),
        "node" | "js" | "javascript" => words("node"),
        _ => words("sh"),
    }
}

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
    /// Runme's `interpreter`: the program that runs the block.
    pub interpreter: Option<String>,
    /// Runme's `cwd`: the block's working directory, relative to the document.
    pub cwd: Option<String>,
    /// Runme's `interactive`: `Some(true)` when the block wants a terminal.
    pub interactive: Option<bool>,
    /// Runme's `excludeFromRunAll`: an optional step.
    pub exclude_from_run_all: bool,
    /// An `sql` block's database: the variable holding its URL.
    pub dsn_env: Option<String>,
    /// An `sql` block's database: the `postgres` check whose connection it borrows.
    pub check: Option<String>,
    /// Problems to report as warnings (unknown attributes, bad values).
    pub problems: Vec<String>,
}

/// Parses `sh { name=x timeout=20s confirm=true }` (also `sh {name="x y"}`,
/// `sh {#id}` and Runme's JSON, `sh {"name":"x","excludeFromRunAll":true}`).
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
    if body.trim_start().starts_with('"') {
        match serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(&format!("{{{body}}}")) {
            Ok(map) => {
                for (key, value) in map {
                    let value = match value {
                        serde_json::Value::String(s) => Some(s),
                        serde_json::Value::Null => None,
                        other => Some(other.to_string()),
                    };
                    apply(&mut out, &key, value);
                }
            }
            Err(e) => out.problems.push(format!("attributes are not valid JSON: {e}")),
        }
        return out;
    }
    for (key, value) in tokens(body) {
        apply(&mut out, &key, value);
    }
    out
}

fn flag(out: &mut Info, key: &str, value: Option<&str>) -> Option<bool> {
    match value.map(str::to_lowercase).as_deref() {
        None | Some("true" | "yes" | "1") => Some(true),
        Some("false" | "no" | "0") => Some(false),
        Some(v) => {
            out.problems.push(format!("{key} `{v}` is not true or false"));
            None
        }
    }
}

fn apply(out: &mut Info, key: &str, value: Option<String>) {
    match (key, value) {
        (k, None) if k.starts_with('#') && k.len() > 1 => out.id = Some(k[1..].to_string()),
        ("name", Some(v)) if !v.is_empty() => out.name = Some(v),
        ("timeout", Some(v)) => match humantime::parse_duration(&v) {
            Ok(_) => out.timeout = Some(v),
            Err(e) => out.problems.push(format!("timeout `{v}` is not a duration ({e})")),
        },
        ("id", Some(v)) if !v.is_empty() => out.id = Some(v),
        ("confirm" | "promptEnv", v) => out.confirm = flag(out, key, v.as_deref()).unwrap_or(out.confirm),
        ("rollback", v) => out.rollback = flag(out, key, v.as_deref()).unwrap_or(out.rollback),
        ("interactive", v) => out.interactive = flag(out, key, v.as_deref()).or(out.interactive),
        ("excludeFromRunAll", v) => out.exclude_from_run_all = flag(out, key, v.as_deref()).unwrap_or(false),
        ("interpreter", Some(v)) if !v.trim().is_empty() => out.interpreter = Some(v.trim().to_string()),
        ("cwd", Some(v)) if !v.trim().is_empty() => out.cwd = Some(v.trim().to_string()),
        ("dsn_env", Some(v)) if !v.trim().is_empty() => out.dsn_env = Some(v.trim().to_string()),
        ("check", Some(v)) if !v.trim().is_empty() => out.check = Some(v.trim().to_string()),
        // Runme's own bookkeeping and display hints: nothing to act on.
        ("background" | "closeTerminalOnSuccess" | "terminalRows" | "category" | "mimeType" | "skipPrompts", _) => {}
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
        assert_eq!(i.interactive, Some(false));
        assert!(i.problems.is_empty(), "{:?}", i.problems);
        assert_eq!(parse("sh { colour=red }").problems, vec!["unknown attribute `colour=red`".to_string()]);
        assert!(parse("sh { name=undo rollback=true }").rollback);
        assert!(parse("sh {rollback}").rollback);
        assert_eq!(parse("sh {rollback=maybe}").problems, vec!["rollback `maybe` is not true or false".to_string()]);
        let q = parse("bash {name=\"two words\", #explicit}");
        assert_eq!((q.name.as_deref(), q.id.as_deref()), (Some("two words"), Some("explicit")));
        assert_eq!(parse("Python").lang, "python");
        assert_eq!(parse("sh { timeout=soon").problems.len(), 2);
        assert!(parse("sh {=}").problems.len() <= 1);
    }

    #[test]
    fn runme_json_attributes() {
        let i = parse(r#"sh {"name":"svc-status","cwd":"../deploy","interactive":true,"excludeFromRunAll":true,"interpreter":"bash"}"#);
        assert_eq!(i.name.as_deref(), Some("svc-status"));
        assert_eq!(i.cwd.as_deref(), Some("../deploy"));
        assert_eq!((i.interactive, i.exclude_from_run_all), (Some(true), true));
        assert_eq!(i.interpreter.as_deref(), Some("bash"));
        assert!(i.problems.is_empty(), "{:?}", i.problems);
        assert!(parse(r#"sh {"name": }"#).problems[0].starts_with("attributes are not valid JSON"));
        assert_eq!(interpreter("python", None, None), ["python3"]);
        assert_eq!(interpreter("sh", Some("/usr/bin/env bash -e"), None), ["/usr/bin/env", "bash", "-e"]);
        assert_eq!(interpreter("shell", None, Some("zsh")), ["zsh"]);
        assert_eq!(interpreter("bash", None, Some("zsh")), ["bash"], "a fence that names its shell keeps it");
    }
}
