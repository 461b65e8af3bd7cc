//! The `:` command palette: what can be typed there, parsing and completion.

use super::panes::{Pane, SortMode};

/// A palette command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    Quit,
    Help,
    Focus(Pane),
    Filter(String),
    Sort(SortMode),
    Theme(String),
    /// Open a check's detail by id.
    Open(String),
    Timeline,
    /// Silence a check or trigger (by id) for minutes, with a reason.
    Silence {
        id: String,
        minutes: i64,
        reason: String,
    },
    /// Lift the silence on a check or trigger.
    Unsilence(String),
}

/// Command words with their one-line help, in the order completion offers them.
pub const COMMANDS: &[(&str, &str)] = &[
    ("metrics", "focus the metrics pane"),
    ("incidents", "focus the incidents pane"),
    ("changes", "focus the changes pane"),
    ("checklist", "show the launch checklist"),
    ("runbook", "show the runbook"),
    ("rollback", "show the rollback actions and triggers"),
    ("timeline", "show the room's timeline (filter with kind:… actor:…)"),
    ("open", "open a check's detail: open ID"),
    ("silence", "silence a check or trigger: silence ID 30m REASON"),
    ("unsilence", "lift a silence: unsilence ID"),
    ("filter", "filter rows: filter TEXT (no text clears)"),
    ("sort", "sort metrics: sort worst|name|changed"),
    ("theme", "switch theme: theme dark|light|ansi16|mono|NAME"),
    ("help", "show the key help"),
    ("quit", "leave opsdeck"),
];

pub fn parse(line: &str) -> Result<Command, String> {
    let line = line.trim();
    let (word, rest) = line.split_once(char::is_whitespace).map_or((line, ""), |(w, r)| (w, r.trim()));
    let cmd = match word {
        "q" | "quit" | "exit" => Command::Quit,
        "help" | "?" => Command::Help,
        "metrics" => Command::Focus(Pane::Metrics),
        "changes" => Command::Focus(Pane::Changes),
        "incidents" => Command::Focus(Pane::Incidents),
        "checklist" => Command::Focus(Pane::Checklist),
        "runbook" => Command::Focus(Pane::Runbook),
        "rollback" => Command::Focus(Pane::Rollback),
        "timeline" => Command::Timeline,
        "filter" => Command::Filter(rest.to_string()),
        "open" if !rest.is_empty() => Command::Open(rest.to_string()),
        "open" => return Err("open needs a check id: open api".into()),
        "sort" => Command::Sort(match rest {
            "worst" | "" => SortMode::Worst,
            "name" => SortMode::Name,
            "changed" => SortMode::Changed,
            other => {
                return Err(format!("unknown sort `{other}`; expected worst, name or changed"));
            }
        }),
        "silence" => {
            let usage = "silence needs an id, a duration and a reason: silence api 30m deploying the api";
            let mut words = rest.splitn(3, char::is_whitespace);
            let (Some(id), Some(dur), Some(reason)) = (words.next(), words.next(), words.next()) else { return Err(usage.into()) };
            let span: crate::config::TimeSpan = dur.parse().map_err(|e| format!("silence: {e}; {usage}"))?;
            let minutes = (span.get().as_secs() as i64 / 60).max(1);
            Command::Silence { id: id.to_string(), minutes, reason: reason.trim().to_string() }
        }
        "unsilence" if !rest.is_empty() => Command::Unsilence(rest.to_string()),
        "unsilence" => return Err("unsilence needs an id: unsilence api".into()),
        "theme" if !rest.is_empty() => Command::Theme(rest.to_string()),
        "theme" => return Err("theme needs a name: theme light".into()),
        "" => return Err("type a command; Tab completes".into()),
        other => {
            let names: Vec<&str> = COMMANDS.iter().map(|(n, _)| *n).collect();
            return Err(format!("unknown command `{other}`; expected one of {}", names.join(", ")));
        }
    };
    Ok(cmd)
}

/// Completes the command word: the first command starting with what is typed.
pub fn complete(text: &str) -> String {
    if text.contains(char::is_whitespace) {
        return text.to_string();
    }
    COMMANDS.iter().find(|(n, _)| n.starts_with(text)).map_or_else(|| text.to_string(), |(n, _)| format!("{n} "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_commands() {
        assert_eq!(parse("q"), Ok(Command::Quit));
        assert_eq!(parse("changes"), Ok(Command::Focus(Pane::Changes)));
        assert_eq!(parse("filter  db "), Ok(Command::Filter("db".into())));
        assert_eq!(parse("sort name"), Ok(Command::Sort(SortMode::Name)));
        assert_eq!(parse("theme light"), Ok(Command::Theme("light".into())));
        assert_eq!(parse("open api"), Ok(Command::Open("api".into())));
        assert_eq!(
            parse("silence errors-high 2h db failover drill"),
            Ok(Command::Silence { id: "errors-high".into(), minutes: 120, reason: "db failover drill".into() })
        );
        assert!(parse("silence api 30m").unwrap_err().starts_with("silence needs"));
        assert!(parse("silence api soon because").unwrap_err().starts_with("silence: "));
        assert!(parse("deploy").unwrap_err().starts_with("unknown command `deploy`"));
        assert!(parse("sort sideways").is_err());
    }

    #[test]
    fn completes_the_first_word() {
        assert_eq!(complete("th"), "theme ");
        assert_eq!(complete("ch"), "changes ");
        assert_eq!(complete("ti"), "timeline ");
        assert_eq!(complete("zz"), "zz");
        assert_eq!(complete("theme l"), "theme l");
    }
}
