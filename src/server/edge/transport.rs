//! Who is on the other end of a request, and over what: the client address
//! the rate limits count against, the scheme and host the Origin check
//! compares with. Behind a proxy the operator named
//! (`DISPATCH_TRUSTED_PROXIES`), its `X-Forwarded-*` headers say; from
//! anyone else they are ignored, so a client cannot pick its own address.

use std::net::{IpAddr, SocketAddr};

use axum::{
    extract::{ConnectInfo, Request, State},
    http::{header, HeaderMap, HeaderValue},
    middleware::Next,
    response::Response,
};
use ipnet::IpNet;

/// How requests reach the server.
#[derive(Clone, Debug, Default)]
pub struct Transport {
    /// The server speaks TLS itself.
    pub tls: bool,
    /// Proxies whose forwarded headers are believed.
    pub trusted_proxies: Vec<IpNet>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Scheme {
    Http,
    Https,
}

impl Scheme {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Scheme::Http => "http",
            Scheme::Https => "https",
        }
    }
}

/// The client of one request, as far as the server can tell.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Client {
    /// The address limits count against (`None` without connection info).
    pub ip: Option<IpAddr>,
    /// The scheme the browser used, when known: TLS here, or a trusted
    /// proxy's word. Plain HTTP from an unnamed peer may still be a TLS
    /// proxy the operator did not name, so it stays unknown.
    pub scheme: Option<Scheme>,
    /// The host the browser asked for.
    pub host: Option<String>,
    /// `host` is a trusted proxy's `X-Forwarded-Host`.
    pub host_from_proxy: bool,
}

/// HSTS for answers sent over HTTPS: browsers then refuse plain HTTP to
/// this host for a year.
const HSTS: &str = "max-age=31536000";

impl Transport {
    fn trusts(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        self.trusted_proxies.iter().any(|net| net.contains(&ip))
    }

    /// The client of a request that came from `peer` with `headers`.
    pub(crate) fn client(&self, peer: Option<SocketAddr>, headers: &HeaderMap) -> Client {
        let direct_host = first_value(headers, header::HOST.as_str());
        let peer_ip = peer.map(|p| canonical(p.ip()));
        let own_scheme = self.tls.then_some(Scheme::Https);
        match peer_ip {
            Some(ip) if self.trusts(ip) => {
                let forwarded_host = nearest_value(headers, "x-forwarded-host");
                Client {
                    ip: Some(self.forwarded_client(headers).unwrap_or(ip)),
                    scheme: own_scheme.or_else(|| forwarded_scheme(headers)),
                    host_from_proxy: forwarded_host.is_some(),
                    host: forwarded_host.or(direct_host),
                }
            }
            _ => Client {
                ip: peer_ip,
                scheme: own_scheme,
                host: direct_host,
                host_from_proxy: false,
            },
        }
    }

    /// The nearest address in `X-Forwarded-For` that is not one of our
    /// proxies: each proxy appends the address it saw, so everything left of
    /// that entry was written by the client and proves nothing.
    fn forwarded_client(&self, headers: &HeaderMap) -> Option<IpAddr> {
        let chain: Vec<&str> = headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .collect();
        let mut leftmost = None;
        for entry in chain.iter().rev() {
            let ip = parse_forwarded_ip(entry)?;
            if !self.trusts(ip) {
                return Some(ip);
            }
            leftmost = Some(ip);
        }
        leftmost
    }
}

/// `X-Forwarded-Proto`, when it says http or https.
fn forwarded_scheme(headers: &HeaderMap) -> Option<Scheme> {
    match nearest_value(headers, "x-forwarded-proto")?.as_str() {
        "https" => Some(Scheme::Https),
        "http" => Some(Scheme::Http),
        _ => None,
    }
}

/// The first comma-separated value of a header, trimmed and in lower case.
fn first_value(headers: &HeaderMap, name: &str) -> Option<String> {
    let value = headers.get(name)?.to_str().ok()?;
    let first = value.split(',').next()?.trim();
    (!first.is_empty()).then(|| first.to_ascii_lowercase())
}

/// The last value of a forwarded header, over all its lines: a proxy that
/// appends writes after whatever the client sent, so the last value is the
/// one the nearest (trusted) proxy wrote; earlier ones prove nothing.
fn nearest_value(headers: &HeaderMap, name: &str) -> Option<String> {
    let value = headers.get_all(name).iter().next_back()?.to_str().ok()?;
    let last = value.rsplit(',').next()?.trim();
    (!last.is_empty()).then(|| last.to_ascii_lowercase())
}

/// An address as proxies write it: `1.2.3.4`, `1.2.3.4:5678`, `::1` or `[::1]:80`.
fn parse_forwarded_ip(entry: &str) -> Option<IpAddr> {
    entry
        .parse::<IpAddr>()
        .or_else(|_| entry.parse::<SocketAddr>().map(|s| s.ip()))
        .ok()
        .map(canonical)
}

/// IPv4 seen through an IPv6 socket (`::ffff:10.0.0.2`) is the IPv4 address.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

/// Middleware: puts the request's [`Client`] in its extensions for the
/// handlers, and adds HSTS to answers that went out over HTTPS.
pub(crate) async fn identify_client(
    State(transport): State<std::sync::Arc<Transport>>,
    mut request: Request,
    next: Next,
) -> Response {
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0);
    let client = transport.client(peer, request.headers());
    let https = client.scheme == Some(Scheme::Https);
    request.extensions_mut().insert(client);
    let mut response = next.run(request).await;
    if https {
        response.headers_mut().insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static(HSTS),
        );
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(
                axum::http::HeaderName::from_bytes(name.as_bytes()).unwrap(),
                HeaderValue::from_str(value).unwrap(),
            );
        }
        map
    }

    fn behind(proxies: &[&str]) -> Transport {
        Transport {
            tls: false,
            trusted_proxies: proxies.iter().map(|p| p.parse().unwrap()).collect(),
        }
    }

    fn peer(ip: &str) -> Option<SocketAddr> {
        Some(SocketAddr::new(ip.parse().unwrap(), 40000))
    }

    fn ip(text: &str) -> Option<IpAddr> {
        Some(text.parse().unwrap())
    }

    const FORWARDED: &[(&str, &str)] = &[
        ("host", "127.0.0.1:3000"),
        ("x-forwarded-for", "203.0.113.9"),
        ("x-forwarded-proto", "https"),
        ("x-forwarded-host", "dispatch.example"),
    ];

    #[test]
    fn a_direct_client_is_its_peer_whatever_it_claims() {
        let client = Transport::default().client(peer("198.51.100.7"), &headers(FORWARDED));
        assert_eq!(
            client,
            Client {
                ip: ip("198.51.100.7"),
                scheme: None,
                host: Some("127.0.0.1:3000".into()),
                host_from_proxy: false,
            }
        );
        // Named proxies do not make other peers' headers true.
        let client = behind(&["10.0.0.2/32"]).client(peer("10.0.0.3"), &headers(FORWARDED));
        assert_eq!(client.ip, ip("10.0.0.3"));
        assert_eq!(client.scheme, None);
    }

    #[test]
    fn a_trusted_proxy_says_who_the_client_is_and_how_it_came() {
        let client = behind(&["10.0.0.0/8"]).client(peer("10.0.0.2"), &headers(FORWARDED));
        assert_eq!(
            client,
            Client {
                ip: ip("203.0.113.9"),
                scheme: Some(Scheme::Https),
                host: Some("dispatch.example".into()),
                host_from_proxy: true,
            }
        );
    }

    #[test]
    fn forwarded_proto_and_host_are_what_the_nearest_proxy_wrote() {
        // The client sent its own values first; our proxy appended the true ones.
        let appended = headers(&[
            ("x-forwarded-proto", "https, http"),
            ("x-forwarded-host", "evil.example, dispatch.example"),
        ]);
        let client = behind(&["10.0.0.0/8"]).client(peer("10.0.0.2"), &appended);
        assert_eq!(client.scheme, Some(Scheme::Http));
        assert_eq!(client.host.as_deref(), Some("dispatch.example"));
        let two_lines = headers(&[
            ("x-forwarded-host", "evil.example"),
            ("x-forwarded-host", "dispatch.example"),
        ]);
        let client = behind(&["10.0.0.0/8"]).client(peer("10.0.0.2"), &two_lines);
        assert_eq!(client.host.as_deref(), Some("dispatch.example"));
    }

    #[test]
    fn only_the_entries_our_proxies_wrote_count() {
        let transport = behind(&["10.0.0.0/8"]);
        // The client wrote 1.1.1.1 itself; our proxy appended what it saw.
        let spoofed = headers(&[("x-forwarded-for", "1.1.1.1, 203.0.113.9")]);
        assert_eq!(
            transport.client(peer("10.0.0.2"), &spoofed).ip,
            ip("203.0.113.9")
        );
        // Two proxies of ours in a row: skip both.
        let chained = headers(&[
            ("x-forwarded-for", "203.0.113.9, 10.0.0.5"),
            ("x-forwarded-for", "10.0.0.6"),
        ]);
        assert_eq!(
            transport.client(peer("10.0.0.2"), &chained).ip,
            ip("203.0.113.9")
        );
        // Ports and brackets as some proxies write them.
        let ported = headers(&[("x-forwarded-for", "[2001:db8::1]:443")]);
        assert_eq!(
            transport.client(peer("10.0.0.2"), &ported).ip,
            ip("2001:db8::1")
        );
    }

    #[test]
    fn garbage_or_nothing_forwarded_falls_back_to_the_proxy() {
        let transport = behind(&["10.0.0.2/32"]);
        for pairs in [
            &[][..],
            &[("x-forwarded-for", "unknown")][..],
            &[("x-forwarded-for", "203.0.113.9, nonsense")][..],
            &[("x-forwarded-proto", "gopher")][..],
        ] {
            let client = transport.client(peer("10.0.0.2"), &headers(pairs));
            assert_eq!(client.ip, ip("10.0.0.2"), "{pairs:?}");
            assert_eq!(client.scheme, None, "{pairs:?}");
        }
    }

    #[test]
    fn tls_here_is_https_and_mapped_ipv4_is_ipv4() {
        let transport = Transport {
            tls: true,
            trusted_proxies: vec!["10.0.0.2/32".parse().unwrap()],
        };
        let client = transport.client(peer("::ffff:10.0.0.2"), &headers(FORWARDED));
        assert_eq!(client.scheme, Some(Scheme::Https));
        assert_eq!(client.ip, ip("203.0.113.9"));
        let direct = transport.client(peer("192.0.2.1"), &HeaderMap::new());
        assert_eq!(direct.scheme, Some(Scheme::Https));
        assert_eq!(direct.host, None);
    }
}
