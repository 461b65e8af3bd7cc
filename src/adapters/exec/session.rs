//! A runbook's shell session, as Runme keeps one: what a step exports and
//! the directory it ends in carry to the next step of the same runbook.
//! A step in a shell is wrapped so that, however it exits, its exported
//! environment (`env -0`) and its directory (`pwd -P`) are written to two
//! private files, read back when it ends; only what differs from the
//! console's own environment is kept.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use tempfile::TempDir;

/// Variables a shell sets by itself: never carried.
const SHELL_OWN: [&str; 6] = ["PWD", "OLDPWD", "SHLVL", "_", "OPSDECK_SESSION_ENV", "OPSDECK_SESSION_CWD"];

/// What carries from one step to the next.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Session {
    /// Exported variables that differ from the console's own environment.
    pub env: Vec<(String, String)>,
    /// The directory the step ended in.
    pub cwd: Option<PathBuf>,
}

/// The two files a wrapped step writes, in a private directory removed with it.
pub struct SessionFiles {
    dir: TempDir,
}

impl SessionFiles {
    pub fn new() -> std::io::Result<SessionFiles> {
        Ok(SessionFiles { dir: tempfile::Builder::new().prefix("opsdeck-session-").tempdir()? })
    }

    fn env_file(&self) -> PathBuf {
        self.dir.path().join("env")
    }

    fn cwd_file(&self) -> PathBuf {
        self.dir.path().join("cwd")
    }

    /// The variables that tell the wrapper where to write.
    pub fn env(&self) -> Vec<(String, String)> {
        vec![
            ("OPSDECK_SESSION_ENV".into(), self.env_file().to_string_lossy().into_owned()),
            ("OPSDECK_SESSION_CWD".into(), self.cwd_file().to_string_lossy().into_owned()),
        ]
    }

    /// What the step left, compared with `inherited` (the console's environment).
    pub fn read(&self, inherited: &HashMap<String, String>) -> Option<Session> {
        let env = std::fs::read(self.env_file()).ok()?;
        let cwd = std::fs::read_to_string(self.cwd_file()).ok().map(|c| PathBuf::from(c.trim_end_matches('\n'))).filter(|c| c.is_dir());
        Some(Session { env: changed(&env, inherited), cwd })
    }
}

/// The script with a trap that saves its session on exit, keeping its exit status.
pub fn wrap(script: &str) -> String {
    let save =
        "__opsdeck_rc=$?; env -0 > \"$OPSDECK_SESSION_ENV\" 2>/dev/null; pwd -P > \"$OPSDECK_SESSION_CWD\" 2>/dev/null; exit $__opsdeck_rc";
    format!("trap '{save}' EXIT\n{script}\n")
}

/// The `NAME=value` entries of an `env -0` dump that are new or changed.
fn changed(dump: &[u8], inherited: &HashMap<String, String>) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = dump
        .split(|b| *b == 0)
        .filter_map(|entry| {
            let entry = std::str::from_utf8(entry).ok()?;
            let (name, value) = entry.split_once('=')?;
            let carried = !name.is_empty() && !SHELL_OWN.contains(&name) && inherited.get(name).is_none_or(|v| v != value);
            carried.then(|| (name.to_string(), value.to_string()))
        })
        .collect();
    out.sort();
    out
}

/// The environment of the next step: the runbook's, then what the session carries.
pub fn merged(base: &[(String, String)], session: &Session) -> Vec<(String, String)> {
    let mut env: Vec<(String, String)> = base.iter().filter(|(k, _)| !session.env.iter().any(|(s, _)| s == k)).cloned().collect();
    env.extend(session.env.iter().cloned());
    env
}

/// The directory of the next step: where the last one ended, else `fallback`.
pub fn directory(session: &Session, fallback: Option<&Path>) -> Option<PathBuf> {
    session.cwd.clone().or_else(|| fallback.map(Path::to_path_buf))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_what_changed_is_carried() {
        let inherited: HashMap<String, String> = [("HOME".to_string(), "/root".to_string()), ("LANG".into(), "C".into())].into();
        let dump = b"HOME=/root\0LANG=en_US.UTF-8\0RELEASE=v2\0PWD=/tmp\0SHLVL=2\0MULTI=a\nb\0";
        let got = changed(dump, &inherited);
        assert_eq!(
            got,
            [("LANG".to_string(), "en_US.UTF-8".to_string()), ("MULTI".into(), "a\nb".into()), ("RELEASE".into(), "v2".into())]
        );
        let s = Session { env: got, cwd: None };
        let env = merged(&[("RELEASE".into(), "v1".into()), ("REGION".into(), "eu".into())], &s);
        assert!(env.contains(&("RELEASE".into(), "v2".into())) && env.contains(&("REGION".into(), "eu".into())));
        assert_eq!(env.iter().filter(|(k, _)| k == "RELEASE").count(), 1);
    }
}
