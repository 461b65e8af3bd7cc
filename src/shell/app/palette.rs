//! The `:` command palette: what can be typed there, parsing and completion.
//! Besides its own commands it runs any action by its keymap name
//! (`incident.new`, `view.rollback`), so everything a key can do can be
//! typed, bound or not.

use super::panes::{Pane, SortMode};
use crate::shell::action::Action;

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
    /// Run an action by its keymap name, as its key would.
    Run(Action),
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
            let span: opsdeck_core::config::TimeSpan = dur.parse().map_err(|e| format!("silence: {e}; {usage}"))?;
            let minutes = (span.get().as_secs() as i64 / 60).max(1);
            Command::Silence { id: id.to_string(), minutes, reason: reason.trim().to_string() }
        }
        "unsilence" if !rest.is_empty() => Command::Unsilence(rest.to_string()),
        "unsilence" => return Err("unsilence needs an id: unsilence api".into()),
        "theme" if !rest.is_empty() => Command::Theme(rest.to_string()),
        "theme" => return Err("theme needs a name: theme light".into()),
        "" => return Err(format!("type a command or an action name; {} completes", Action::Complete.key())),
        other => match Action::parse(other) {
            Ok(action) if rest.is_empty() => Command::Run(action),
            Ok(action) => return Err(format!("`{action}` takes nothing after it")),
            Err(_) => {
                return Err(format!(
                    "unknown command `{other}`; {} completes a command (metrics, open ID, …) or an action name (incident.new, …)",
                    Action::Complete.key()
                ));
            }
        },
    };
    Ok(cmd)
}

/// Every word the palette knows, in the order completion offers them: its
/// commands, then the action names it does not already have as commands.
pub fn words() -> impl Iterator<Item = &'static str> {
    let commands = COMMANDS.iter().map(|(n, _)| *n);
    commands.clone().chain(Action::ALL.iter().map(|a| a.name()).filter(move |n| !commands.clone().any(|c| c == *n)))
}

/// The words that start with what is typed (nothing once a word is complete).
pub fn matches(text: &str) -> Vec<&'static str> {
    if text.contains(char::is_whitespace) {
        return Vec::new();
    }
    words().filter(|w| w.starts_with(text)).collect()
}

/// Completes the first word: as far as every match agrees (a whole word
/// when that is one, `theme` before `theme.cycle`), or, when that adds
/// nothing, to the first match.
pub fn complete(text: &str) -> String {
    let found = matches(text);
    let Some(first) = found.first() else { return text.to_string() };
    if found.len() == 1 {
        return format!("{first} ");
    }
    let common = found.iter().fold(*first, |common, w| {
        let n = common.chars().zip(w.chars()).take_while(|(a, b)| a == b).count();
        &common[..common.char_indices().nth(n).map_or(common.len(), |(i, _)| i)]
    });
    if found.contains(&common) {
        format!("{common} ")
    } else if common.len() > text.len() {
        common.to_string()
    } else {
        format!("{first} ")
    }
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
        assert_eq!(parse("incident.new"), Ok(Command::Run(Action::IncidentNew)));
        assert_eq!(parse(" view.rollback "), Ok(Command::Run(Action::ViewRollback)));
        assert_eq!(parse("cursor.bottom"), Ok(Command::Run(Action::Bottom)));
        assert!(parse("incident.new now").unwrap_err().contains("takes nothing after it"));
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

    #[test]
    fn completes_action_names_too() {
        assert_eq!(complete("view.ro"), "view.rollback ");
        assert_eq!(complete("view.r"), "view.runbook ");
        assert_eq!(complete("theme."), "theme.cycle ");
        assert_eq!(complete("incident.n"), "incident.new ");
        assert_eq!(complete("incide"), "incident", "as far as the matches agree");
        assert_eq!(complete("incident"), "incidents ", "then the first match");
        assert_eq!(complete("rollback."), "rollback.run ");
        assert_eq!(matches("view."), vec!["view.metrics", "view.checklist", "view.runbook", "view.rollback"]);
        assert_eq!(words().filter(|w| *w == "timeline").count(), 1, "a command and an action of one name show once");
        assert!(words().any(|w| w == "theme.cycle"));
    }
}
