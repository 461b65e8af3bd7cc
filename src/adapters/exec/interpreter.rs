//! Which program runs a step: the command words a runbook step names
//! (`["bash"]`, `["python3", "-u"]`, `["/usr/bin/env", "node"]`), its
//! program resolved to an absolute path through the console's own `PATH`
//! before the step's environment is applied (a plan's `PATH` must not
//! change which interpreter runs), and whether it is a shell whose exported
//! variables and directory can carry to the next step.

use std::path::{Path, PathBuf};

/// The shell that runs scripts that name no interpreter (absolute: a plan's
/// `PATH` must not change which shell runs).
pub const SHELL: &str = "/bin/sh";

/// The shells whose session (exported variables, directory) is kept between steps.
const SESSION_SHELLS: [&str; 5] = ["sh", "bash", "zsh", "dash", "ksh"];

/// A resolved interpreter: the program and the words after it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Interpreter {
    pub program: PathBuf,
    pub args: Vec<String>,
}

impl Interpreter {
    /// `/bin/sh`, the interpreter of a step that names none.
    pub fn sh() -> Interpreter {
        Interpreter { program: PathBuf::from(SHELL), args: Vec::new() }
    }

    /// Resolves `words` (empty: `/bin/sh`); an error names the program that is not installed.
    pub fn resolve(words: &[String]) -> Result<Interpreter, String> {
        let Some((first, rest)) = words.split_first() else { return Ok(Interpreter::sh()) };
        if first == "sh" {
            return Ok(Interpreter { program: PathBuf::from(SHELL), args: rest.to_vec() });
        }
        let program = find(first, std::env::var_os("PATH").as_deref().map(Path::new))
            .ok_or_else(|| format!("interpreter `{first}` is not installed here (not found on PATH)"))?;
        Ok(Interpreter { program, args: rest.to_vec() })
    }

    /// Whether the step runs in a shell that can hand its session on.
    pub fn is_shell(&self) -> bool {
        self.program.file_name().and_then(|n| n.to_str()).is_some_and(|n| SESSION_SHELLS.contains(&n))
    }
}

/// `name` itself when it holds a `/`, else the first executable `name` on `path`.
fn find(name: &str, path: Option<&Path>) -> Option<PathBuf> {
    if name.contains('/') {
        let p = PathBuf::from(name);
        return executable(&p).then_some(p);
    }
    let path = path?;
    std::env::split_paths(path.as_os_str()).map(|dir| dir.join(name)).find(|p| executable(p))
}

fn executable(p: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn programs_resolve_through_path_and_shells_are_known() {
        let sh = Interpreter::resolve(&[]).expect("sh");
        assert_eq!(sh.program, PathBuf::from("/bin/sh"));
        assert!(sh.is_shell());
        let bash = Interpreter::resolve(&["bash".into()]).expect("bash is installed");
        assert!(bash.program.is_absolute() && bash.is_shell());
        let py = Interpreter::resolve(&["python3".into(), "-u".into()]).expect("python3 is installed");
        assert!(!py.is_shell());
        assert_eq!(py.args, ["-u"]);
        let e = Interpreter::resolve(&["no-such-interpreter-xyz".into()]).expect_err("not installed");
        assert!(e.contains("`no-such-interpreter-xyz` is not installed"), "{e}");
    }
}
