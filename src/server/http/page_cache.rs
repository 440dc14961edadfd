//! Pages rendered once, served many times.
//!
//! `/settings` and `/` render the same HTML for every request: what differs
//! (the status, the projects) comes afterwards from the API, with the key.
//! Only the CSP nonce must be new in each answer. So the first request
//! renders the page as usual; its HTML is kept cut at the nonce, and every
//! later answer joins the pieces with a fresh one and sets the policy that
//! names it. Rendering the app was most of a page request's cost.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
};

use axum::{
    body::{Body, Bytes},
    extract::{Request, State},
    http::{header, HeaderMap, HeaderValue, Method, StatusCode},
    middleware::Next,
    response::{IntoResponse, Response},
};

use super::headers::page_policy;

/// The pages whose HTML depends on nothing but their path.
const CACHED_PATHS: &[&str] = &["/", "/settings"];

/// Larger than any page here (a few KiB); a page over it is not kept.
const MAX_PAGE: usize = 256 * 1024;

/// One rendered page, cut where its nonce was.
struct Page {
    headers: HeaderMap,
    pieces: Vec<Bytes>,
}

impl Page {
    /// Keeps `html` cut at `nonce`; `None` when the nonce is not in it.
    fn cut(headers: &HeaderMap, html: &[u8], nonce: &str) -> Option<Page> {
        let pieces = split(html, nonce.as_bytes());
        if pieces.len() < 2 {
            return None;
        }
        let mut headers = headers.clone();
        for name in [
            header::CONTENT_SECURITY_POLICY,
            header::CONTENT_LENGTH,
            header::DATE,
            header::TRANSFER_ENCODING,
        ] {
            headers.remove(name);
        }
        Some(Page {
            headers,
            pieces: pieces.into_iter().map(Bytes::copy_from_slice).collect(),
        })
    }

    /// The page with `nonce` in it, and the policy that allows it.
    fn with_nonce(&self, nonce: &str) -> Response {
        let size = self.pieces.iter().map(Bytes::len).sum::<usize>()
            + nonce.len() * (self.pieces.len() - 1);
        let mut html = Vec::with_capacity(size);
        for (i, piece) in self.pieces.iter().enumerate() {
            if i > 0 {
                html.extend_from_slice(nonce.as_bytes());
            }
            html.extend_from_slice(piece);
        }
        let mut response = (StatusCode::OK, Body::from(html)).into_response();
        *response.headers_mut() = self.headers.clone();
        if let Ok(policy) = HeaderValue::from_str(&page_policy(nonce)) {
            response
                .headers_mut()
                .insert(header::CONTENT_SECURITY_POLICY, policy);
        }
        response
    }
}

/// `haystack` cut at every `needle`.
fn split<'a>(haystack: &'a [u8], needle: &[u8]) -> Vec<&'a [u8]> {
    let mut pieces = Vec::new();
    let mut rest = haystack;
    while let Some(at) = rest.windows(needle.len()).position(|w| w == needle) {
        pieces.push(&rest[..at]);
        rest = &rest[at + needle.len()..];
    }
    pieces.push(rest);
    pieces
}

/// The nonce a page policy names (`'nonce-…'`).
fn nonce_of(policy: &str) -> Option<&str> {
    let start = policy.find("'nonce-")? + "'nonce-".len();
    let len = policy[start..].find('\'')?;
    Some(&policy[start..start + len]).filter(|n| !n.is_empty())
}

/// The rendered pages, by path.
#[derive(Clone, Default)]
pub(crate) struct PageCache {
    pages: Arc<Mutex<HashMap<&'static str, Arc<Page>>>>,
}

impl PageCache {
    fn get(&self, path: &str) -> Option<Arc<Page>> {
        self.lock().get(path).cloned()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<&'static str, Arc<Page>>> {
        // Entries are inserted whole: a poisoned map is still a good one.
        self.pages.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Middleware in front of the pages: answers a kept page with a fresh
/// nonce, or renders it and keeps it.
pub(crate) async fn serve(
    State(cache): State<PageCache>,
    request: Request,
    next: Next,
) -> Response {
    let path = CACHED_PATHS
        .iter()
        .find(|p| **p == request.uri().path())
        .copied();
    let Some(path) = path.filter(|_| request.method() == Method::GET) else {
        return next.run(request).await;
    };
    if let Some(page) = cache.get(path) {
        return page.with_nonce(&leptos::nonce::Nonce::new());
    }
    let response = next.run(request).await;
    let nonce = response
        .headers()
        .get(header::CONTENT_SECURITY_POLICY)
        .and_then(|v| v.to_str().ok())
        .and_then(nonce_of)
        .map(str::to_owned);
    let Some(nonce) = nonce.filter(|_| response.status() == StatusCode::OK) else {
        return response;
    };
    let (parts, body) = response.into_parts();
    let Ok(html) = axum::body::to_bytes(body, MAX_PAGE).await else {
        // Cut short or too long: the page is rendered again next time.
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    if let Some(page) = Page::cut(&parts.headers, &html, &nonce) {
        cache.lock().insert(path, Arc::new(page));
    }
    Response::from_parts(parts, Body::from(html))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_kept_page_gets_a_new_nonce_everywhere_the_old_one_was() {
        let html = br#"<script nonce="OLD">a</script><link nonce="OLD">end"#;
        let mut headers = HeaderMap::new();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html"));
        headers.insert(header::CONTENT_LENGTH, HeaderValue::from_static("55"));
        let page = Page::cut(&headers, html, "OLD").expect("the nonce is in it");
        let response = page.with_nonce("NEW");
        assert_eq!(response.headers()[header::CONTENT_TYPE], "text/html");
        assert!(response.headers().get(header::CONTENT_LENGTH).is_none());
        let policy = response.headers()[header::CONTENT_SECURITY_POLICY]
            .to_str()
            .unwrap();
        assert_eq!(nonce_of(policy), Some("NEW"));
        let pieces: Vec<&[u8]> = page.pieces.iter().map(|b| b.as_ref()).collect();
        assert_eq!(
            pieces,
            [
                &b"<script nonce=\""[..],
                b"\">a</script><link nonce=\"",
                b"\">end"
            ]
        );
    }

    #[test]
    fn a_page_without_its_nonce_is_not_kept() {
        assert!(Page::cut(&HeaderMap::new(), b"<p>no script</p>", "abc").is_none());
        assert_eq!(nonce_of("script-src 'self' 'nonce-abc' 'x'"), Some("abc"));
        assert_eq!(nonce_of("script-src 'self'"), None);
        assert_eq!(nonce_of("'nonce-'"), None);
    }
}
