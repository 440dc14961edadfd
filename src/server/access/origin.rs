//! The websocket's `Origin` check (docs/security.md): a browser
//! page may open the socket only from the app's own origin or one the
//! operator allowed. A client that sends no `Origin` (a script, not a
//! browser) goes on to the key check; `Origin: null` never passes.

use crate::server::edge::transport::Scheme;

/// Whether a websocket upgrade with these headers may proceed. `scheme` is
/// how the page reached the server when known (TLS here, or a trusted
/// proxy's word); unknown, both http and https pass for the same host.
pub(crate) fn origin_allowed(
    origin: Option<&str>,
    host: Option<&str>,
    scheme: Option<Scheme>,
    allowed: &[String],
) -> bool {
    let Some(origin) = origin.map(str::trim) else {
        return true;
    };
    let Some(origin) = normalize(origin) else {
        return false;
    };
    if allowed
        .iter()
        .filter_map(|a| normalize(a))
        .any(|a| a == origin)
    {
        return true;
    }
    let Some(host) = host.map(|h| h.trim().to_ascii_lowercase()) else {
        return false;
    };
    // Same origin: the page was served by this host, over its scheme, or
    // over http or https when unknown (behind a TLS proxy nobody named, the
    // server itself sees plain http).
    match origin.split_once("://") {
        Some((origin_scheme @ ("http" | "https"), authority)) => {
            scheme.is_none_or(|s| s.as_str() == origin_scheme)
                && (authority == host || authority == strip_default_port(&host))
        }
        _ => false,
    }
}

/// `scheme://host[:port]` in lower case, without a trailing slash; `None`
/// for anything else (`null`, paths, other schemes).
fn normalize(origin: &str) -> Option<String> {
    let origin = origin.trim().trim_end_matches('/').to_ascii_lowercase();
    let (scheme, authority) = origin.split_once("://")?;
    if !matches!(scheme, "http" | "https")
        || authority.is_empty()
        || authority.contains(['/', '@', '?', '#', ' '])
    {
        return None;
    }
    let authority = match (scheme, authority.rsplit_once(':')) {
        ("http", Some((h, "80"))) | ("https", Some((h, "443"))) => h.to_owned(),
        _ => authority.to_owned(),
    };
    Some(format!("{scheme}://{authority}"))
}

fn strip_default_port(host: &str) -> &str {
    host.strip_suffix(":80")
        .or_else(|| host.strip_suffix(":443"))
        .unwrap_or(host)
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOST: Option<&str> = Some("127.0.0.1:3000");

    #[test]
    fn the_same_origin_passes() {
        assert!(origin_allowed(
            Some("http://127.0.0.1:3000"),
            HOST,
            None,
            &[]
        ));
        assert!(origin_allowed(
            Some("https://127.0.0.1:3000/"),
            HOST,
            None,
            &[]
        ));
        assert!(origin_allowed(
            Some("http://Example.COM"),
            Some("example.com"),
            None,
            &[]
        ));
        assert!(origin_allowed(
            Some("https://example.com"),
            Some("example.com:443"),
            None,
            &[]
        ));
    }

    #[test]
    fn foreign_and_null_origins_fail() {
        for origin in [
            "http://evil.example",
            "http://127.0.0.1:3001",
            "http://127.0.0.1:3000.evil.example",
            "null",
            "file://",
            "chrome-extension://abc",
            "",
            "http://user@127.0.0.1:3000",
        ] {
            assert!(!origin_allowed(Some(origin), HOST, None, &[]), "{origin}");
        }
        assert!(!origin_allowed(
            Some("http://127.0.0.1:3000"),
            None,
            None,
            &[]
        ));
    }

    #[test]
    fn listed_origins_pass() {
        let allowed = vec![
            "https://phone.example".to_owned(),
            "http://10.0.0.2:8080/".to_owned(),
        ];
        assert!(origin_allowed(
            Some("https://phone.example"),
            HOST,
            None,
            &allowed
        ));
        assert!(origin_allowed(
            Some("http://10.0.0.2:8080"),
            HOST,
            None,
            &allowed
        ));
        assert!(!origin_allowed(
            Some("http://phone.example"),
            HOST,
            None,
            &allowed
        ));
    }

    #[test]
    fn no_origin_is_a_script_and_goes_on_to_the_key_check() {
        assert!(origin_allowed(None, HOST, None, &[]));
        assert!(origin_allowed(None, None, Some(Scheme::Https), &[]));
    }

    #[test]
    fn a_known_scheme_must_be_the_pages_scheme() {
        let host = Some("dispatch.example");
        let https = Some(Scheme::Https);
        assert!(origin_allowed(
            Some("https://dispatch.example"),
            host,
            https,
            &[]
        ));
        assert!(!origin_allowed(
            Some("http://dispatch.example"),
            host,
            https,
            &[]
        ));
        let http = Some(Scheme::Http);
        assert!(origin_allowed(
            Some("http://dispatch.example"),
            host,
            http,
            &[]
        ));
        assert!(!origin_allowed(
            Some("https://dispatch.example"),
            host,
            http,
            &[]
        ));
    }
}
