//! Who is at this console: the OS user (or `--as NAME`) at this host, and
//! the SSH client address when the console runs over SSH. [`actor`] is pure
//! (environment passed in) for tests; [`current`] reads the real one.

use super::event::Actor;

/// The actor from an environment lookup, the kernel's hostname (if known)
/// and an optional `--as` override.
///
/// - name: `as_name`, else `USER`, else `LOGNAME`, else `OPSDECK_ACCOUNT`
///   (what [`current`] reads from the user database), else `unknown`;
/// - host: `kernel_hostname`, else `HOSTNAME`, else `unknown-host`;
/// - from: the first field of `SSH_CONNECTION` (else of `SSH_CLIENT`).
///
/// Blank values count as unset.
pub fn actor(env: impl Fn(&str) -> Option<String>, kernel_hostname: Option<&str>, as_name: Option<&str>) -> Actor {
    let get = |key: &str| env(key).and_then(|v| nonblank(&v));
    let name = as_name
        .and_then(nonblank)
        .or_else(|| get("USER"))
        .or_else(|| get("LOGNAME"))
        .or_else(|| get("OPSDECK_ACCOUNT"))
        .unwrap_or_else(|| "unknown".to_string());
    let host = kernel_hostname.and_then(nonblank).or_else(|| get("HOSTNAME")).unwrap_or_else(|| "unknown-host".to_string());
    let from = get("SSH_CONNECTION").or_else(|| get("SSH_CLIENT")).and_then(|v| v.split_whitespace().next().map(str::to_string));
    Actor { name, host, from }
}

/// The actor of this process: its environment and `/proc/sys/kernel/hostname`.
pub fn current(as_name: Option<&str>) -> Actor {
    let hostname = std::fs::read_to_string("/proc/sys/kernel/hostname").ok();
    let account = account_name();
    actor(|k| if k == "OPSDECK_ACCOUNT" { account.clone() } else { std::env::var(k).ok() }, hostname.as_deref(), as_name)
}

/// The login name of this process's user from the user database, for
/// shells (cron, containers, `su`) that set neither `USER` nor `LOGNAME`.
fn account_name() -> Option<String> {
    let mut buf = vec![0 as libc::c_char; 4096];
    let mut pwd = std::mem::MaybeUninit::<libc::passwd>::uninit();
    let mut result: *mut libc::passwd = std::ptr::null_mut();
    // SAFETY: getpwuid_r writes into `pwd` and `buf`, both owned here and
    // sized as passed; `result` is non-null only when `pwd` was filled in,
    // and `pw_name` then points into `buf`, which outlives its use below.
    unsafe {
        let rc = libc::getpwuid_r(libc::getuid(), pwd.as_mut_ptr(), buf.as_mut_ptr(), buf.len(), &mut result);
        if rc != 0 || result.is_null() || (*result).pw_name.is_null() {
            return None;
        }
        Some(std::ffi::CStr::from_ptr((*result).pw_name).to_string_lossy().into_owned())
    }
}

fn nonblank(s: &str) -> Option<String> {
    let t = s.trim();
    (!t.is_empty()).then(|| t.to_string())
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        move |k| map.get(k).cloned()
    }

    #[test]
    fn ssh_sessions_name_the_client() {
        let a = actor(env(&[("USER", "alice"), ("SSH_CONNECTION", "10.0.0.5 52314 10.0.0.1 22")]), Some("bastion-1\n"), None);
        assert_eq!(a.to_string(), "alice@bastion-1 from 10.0.0.5");
    }

    #[test]
    fn fallbacks_apply_in_order() {
        let a = actor(env(&[("USER", " "), ("LOGNAME", "bob"), ("HOSTNAME", "laptop")]), None, None);
        assert_eq!(a.to_string(), "bob@laptop");
        let a = actor(env(&[]), Some(""), None);
        assert_eq!(a.to_string(), "unknown@unknown-host");
        let a = actor(env(&[("SSH_CLIENT", "192.0.2.7 4000 22")]), None, None);
        assert_eq!(a.from.as_deref(), Some("192.0.2.7"));
    }

    #[test]
    fn as_overrides_the_os_user_only() {
        let a = actor(env(&[("USER", "root"), ("SSH_CONNECTION", "10.0.0.9 1 2 3")]), Some("bastion-2"), Some("carol"));
        assert_eq!(a.to_string(), "carol@bastion-2 from 10.0.0.9");
        let a = actor(env(&[("USER", "root")]), Some("h"), Some("  "));
        assert_eq!(a.name, "root");
    }

    #[test]
    fn the_current_actor_has_a_name_and_host() {
        let a = current(None);
        assert!(!a.name.is_empty() && !a.host.is_empty());
    }
}
