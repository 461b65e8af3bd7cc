//! The secret parts of URLs: the password of `scheme://user:PASS@host` and
//! the values of token-like query parameters (`?token=…`, `&sig=…`), both
//! read from a value known to be a URL ([`url_parts`]) and masked by shape
//! in any text ([`mask_in_text`]).

use std::borrow::Cow;

use super::MASK;
use super::names::is_secret_query_key;

/// Which part of a URL a secret is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UrlPart {
    /// The password of the user-info.
    Password,
    /// The value of the query parameter with this key.
    Query(String),
}

/// The password and token-like query values of `value` if it is a URL
/// (`scheme://…`), as written and percent-decoded when that differs.
pub fn url_parts(value: &str) -> Vec<(UrlPart, String)> {
    let mut parts = Vec::new();
    let Some(url) = Shape::find(value, 0).filter(|s| s.scheme_start == 0) else {
        return parts;
    };
    let mut add = |part: UrlPart, raw: &str| {
        if raw.is_empty() {
            return;
        }
        let decoded = percent_decoded(raw);
        parts.push((part.clone(), raw.to_string()));
        if let Some(decoded) = decoded.filter(|d| d != raw && !d.is_empty()) {
            parts.push((part, decoded));
        }
    };
    if let Some(range) = url.password {
        add(UrlPart::Password, &value[range]);
    }
    for (key, range) in url.secret_query {
        add(UrlPart::Query(value[key].to_string()), &value[range]);
    }
    parts
}

/// `text` with the password of every `scheme://user:PASS@host` and the
/// value of every token-like query parameter of every URL in it replaced
/// by [`MASK`]: `postgres://app:***@db/x?sslmode=require&token=***`.
pub fn mask_in_text(text: &str) -> Cow<'_, str> {
    if !text.contains("://") {
        return Cow::Borrowed(text);
    }
    let mut ranges: Vec<std::ops::Range<usize>> = Vec::new();
    let mut from = 0;
    while let Some(url) = Shape::find(text, from) {
        ranges.extend(url.password.clone());
        ranges.extend(url.secret_query.iter().map(|(_, value)| value.clone()));
        from = url.end;
    }
    ranges.retain(|r| &text[r.clone()] != MASK);
    if ranges.is_empty() {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    for r in ranges {
        out.push_str(&text[last..r.start]);
        out.push_str(MASK);
        last = r.end;
    }
    out.push_str(&text[last..]);
    Cow::Owned(out)
}

/// `text` without a URL that runs to its end (cut before the URL's
/// scheme): for a line still being written, whose URL may not yet show
/// the `@` or `&` that marks its secret parts.
pub fn before_open_url(text: &str) -> &str {
    let mut from = 0;
    let mut last = None;
    while let Some(url) = Shape::find(text, from) {
        from = url.end;
        last = Some(url);
    }
    match last {
        Some(url) if url.end == text.len() => &text[..url.scheme_start],
        _ => text,
    }
}

/// Where the secret parts of one URL sit in a text (byte ranges, in order).
struct Shape {
    scheme_start: usize,
    /// Just past the URL's last character.
    end: usize,
    password: Option<std::ops::Range<usize>>,
    /// (key, value) of each token-like query parameter with a value.
    secret_query: Vec<(std::ops::Range<usize>, std::ops::Range<usize>)>,
}

impl Shape {
    /// The first URL with a scheme (`letters://`) at or after `from`.
    fn find(text: &str, mut from: usize) -> Option<Shape> {
        loop {
            let sep = from + text.get(from..)?.find("://")?;
            let scheme_start = text[..sep]
                .char_indices()
                .rev()
                .take_while(|(_, c)| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
                .last()
                .map_or(sep, |(i, _)| i);
            let start = sep + 3;
            let end = text[start..]
                .find(|c: char| c.is_whitespace() || matches!(c, '"' | '\'' | '<' | '>' | '`'))
                .map_or(text.len(), |i| start + i);
            if scheme_start == sep || !text[scheme_start..].starts_with(|c: char| c.is_ascii_alphabetic()) {
                from = start;
                continue;
            }
            return Some(Shape::read(text, scheme_start, start, end));
        }
    }

    fn read(text: &str, scheme_start: usize, start: usize, end: usize) -> Shape {
        let url = &text[start..end];
        let authority_end = url.find(['/', '?', '#']).unwrap_or(url.len());
        let authority = &url[..authority_end];
        let password = authority.rfind('@').and_then(|at| {
            let colon = authority[..at].find(':')?;
            (colon + 1 < at).then(|| start + colon + 1..start + at)
        });
        let mut secret_query = Vec::new();
        if let Some(q) = url[authority_end..].find('?').map(|q| authority_end + q + 1) {
            let query_end = url[q..].find('#').map_or(url.len(), |h| q + h);
            let mut pair_start = q;
            for pair in url[q..query_end].split('&') {
                if let Some(eq) = pair.find('=') {
                    let (key, value) = (pair_start..pair_start + eq, pair_start + eq + 1..pair_start + pair.len());
                    if !value.is_empty() && is_secret_query_key(&url[key.clone()]) {
                        secret_query.push((start + key.start..start + key.end, start + value.start..start + value.end));
                    }
                }
                pair_start += pair.len() + 1;
            }
        }
        Shape { scheme_start, end, password, secret_query }
    }
}

/// `%XX` sequences decoded, when the result is UTF-8; `None` when there is
/// nothing to decode or it does not decode.
fn percent_decoded(raw: &str) -> Option<String> {
    if !raw.contains('%') {
        return None;
    }
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match (bytes[i], bytes.get(i + 1).copied().and_then(hex), bytes.get(i + 2).copied().and_then(hex)) {
            (b'%', Some(hi), Some(lo)) => {
                out.push((hi * 16 + lo) as u8);
                i += 3;
            }
            (b, _, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_of_a_url_value() {
        let parts = url_parts("postgres://u:hunter22@h/db?sslmode=require&token=abcd1234");
        assert_eq!(parts, vec![(UrlPart::Password, "hunter22".to_string()), (UrlPart::Query("token".into()), "abcd1234".to_string())]);
        let parts = url_parts("https://x:p%40ss%2Fw0rd@h/?api_key=k%20ey");
        assert_eq!(
            parts,
            vec![
                (UrlPart::Password, "p%40ss%2Fw0rd".to_string()),
                (UrlPart::Password, "p@ss/w0rd".to_string()),
                (UrlPart::Query("api_key".into()), "k%20ey".to_string()),
                (UrlPart::Query("api_key".into()), "k ey".to_string()),
            ]
        );
        assert!(url_parts("redis://127.0.0.1:6379").is_empty());
        assert!(url_parts("postgres://app@db/x").is_empty());
        assert!(url_parts("not a url").is_empty());
        assert!(url_parts("see postgres://u:pw@h").is_empty(), "a value is a URL only from its start");
        assert_eq!(url_parts("redis://:pw12@h"), vec![(UrlPart::Password, "pw12".to_string())]);
    }

    #[test]
    fn credentials_in_text_are_masked_by_shape() {
        assert_eq!(mask_in_text("dial postgres://bob:s3cret@db:5432/x failed"), "dial postgres://bob:***@db:5432/x failed");
        assert_eq!(
            mask_in_text("GET https://api.test/v1?page=2&access_token=xyz&sig=abc#frag"),
            "GET https://api.test/v1?page=2&access_token=***&sig=***#frag"
        );
        assert_eq!(mask_in_text("\"redis://:pw@h:6379\" and http://u:p@h2/"), "\"redis://:***@h:6379\" and http://u:***@h2/");
        assert_eq!(mask_in_text("postgres://[::1]/x and 'ssh://git@host/repo'"), "postgres://[::1]/x and 'ssh://git@host/repo'");
        assert_eq!(mask_in_text("http://host:8080/a:b@c"), "http://host:8080/a:b@c", "an @ in the path is no user-info");
        assert_eq!(mask_in_text("odd ://u:p@h"), "odd ://u:p@h", "no scheme, no URL");
        assert!(matches!(mask_in_text("postgres://bob:***@db"), Cow::Borrowed(_)));
        assert!(matches!(mask_in_text("no urls here"), Cow::Borrowed(_)));
        assert_eq!(mask_in_text("é://u:p@h ünïcode+x://a:bc@d"), "é://u:p@h ünïcode+x://a:***@d");
    }

    #[test]
    fn an_open_url_at_the_end_is_cut() {
        assert_eq!(before_open_url("connecting to postgres://u:hun"), "connecting to ");
        assert_eq!(before_open_url("connecting to postgres://u:***@h/db done"), "connecting to postgres://u:***@h/db done");
        assert_eq!(before_open_url("plain text"), "plain text");
    }
}
