//! Spotting secrets written inline where an environment variable belongs.

/// True when a URL carries a password in its user-info (`scheme://user:pass@host`).
pub fn url_has_password(url: &str) -> bool {
    let Some((_, rest)) = url.split_once("://") else {
        return false;
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    match authority.rsplit_once('@') {
        Some((userinfo, _)) => userinfo.split_once(':').is_some_and(|(_, pass)| !pass.is_empty()),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_passwords_in_user_info_only() {
        assert!(url_has_password("postgres://app:hunter2@db:5432/app"));
        assert!(!url_has_password("postgres://app@db:5432/app"));
        assert!(!url_has_password("http://host:8080/a:b@c"));
        assert!(!url_has_password("redis://127.0.0.1:6379"));
        assert!(!url_has_password("not a url"));
    }
}
