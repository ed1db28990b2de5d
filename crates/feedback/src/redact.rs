//! One redaction for every store URL that is printed, stored (model cards) or served
//! (GetModelInfo): passwords never leave the process.

/// Setting names whose values are secrets, wherever they appear (`?password=`, `sslpassword=`,
/// `auth_token=`, key-value connection strings).
const SECRET_KEYS: [&str; 4] = ["pass", "pwd", "secret", "token"];

const HIDDEN: &str = "***";

/// `url` with the password of its user info and the value of every secret-looking setting
/// replaced by `***`; the rest (scheme, user, host, database) stays readable.
pub fn redact_url(url: &str) -> String {
    hide_secret_settings(&hide_user_password(url))
}

/// `scheme://user:password@host/…` → `scheme://user:***@host/…`.
fn hide_user_password(url: &str) -> String {
    let Some(scheme_end) = url.find("://").map(|i| i + 3) else {
        return url.to_string();
    };
    let authority_end = url[scheme_end..]
        .find(['/', '?', '#'])
        .map_or(url.len(), |i| scheme_end + i);
    let authority = &url[scheme_end..authority_end];
    match (authority.rfind('@'), authority.find(':')) {
        (Some(at), Some(colon)) if colon < at => format!(
            "{}{HIDDEN}{}",
            &url[..scheme_end + colon + 1],
            &url[scheme_end + at..]
        ),
        _ => url.to_string(),
    }
}

/// `…password=VALUE…` → `…password=***…` for every `key=value` whose key names a secret, in a
/// query string (`&`) or a key-value connection string (spaces).
fn hide_secret_settings(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(eq) = rest.find('=') {
        let key_start = rest[..eq].rfind(['?', '&', ' ', ';']).map_or(0, |i| i + 1);
        let key = rest[key_start..eq].to_ascii_lowercase();
        let value_end = rest[eq + 1..]
            .find(['&', ' ', ';', '#'])
            .map_or(rest.len(), |i| eq + 1 + i);
        out.push_str(&rest[..=eq]);
        if SECRET_KEYS.iter().any(|k| key.contains(k)) && value_end > eq + 1 {
            out.push_str(HIDDEN);
        } else {
            out.push_str(&rest[eq + 1..value_end]);
        }
        rest = &rest[value_end..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::redact_url;

    #[test]
    fn passwords_are_hidden_wherever_the_url_carries_them() {
        for (url, redacted) in [
            (
                "postgres://router:s3cret@db:5432/petitions",
                "postgres://router:***@db:5432/petitions",
            ),
            (
                "postgres://router@db/petitions?password=s3cret&sslmode=require",
                "postgres://router@db/petitions?password=***&sslmode=require",
            ),
            (
                "postgresql://u:p%40ss@db/x?sslpassword=k&application_name=pr",
                "postgresql://u:***@db/x?sslpassword=***&application_name=pr",
            ),
            (
                "host=db user=router password=s3cret dbname=petitions",
                "host=db user=router password=*** dbname=petitions",
            ),
            ("postgres://db/x?PassWord=a", "postgres://db/x?PassWord=***"),
        ] {
            assert_eq!(redact_url(url), redacted);
        }
    }

    #[test]
    fn urls_without_secrets_are_unchanged() {
        for url in [
            "sqlite:/var/lib/petition-router/feedback.db",
            "sqlite:feedback=old.db",
            "postgres://router@db:5432/petitions?sslmode=require",
            "postgres://db/x#frag@ment",
            "",
        ] {
            assert_eq!(redact_url(url), url);
        }
    }
}
