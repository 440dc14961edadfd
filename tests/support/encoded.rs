//! One GET as the server sends it: shared by the tests (`support`) and the
//! benchmark (`benches/load.rs`, through `#[path]`).

/// What came back, not decoded.
pub struct Sent {
    pub status: u16,
    /// `Content-Encoding`, if any.
    pub encoding: Option<String>,
    pub body: Vec<u8>,
}

/// `GET url` asking for `Accept-Encoding: encoding`.
pub fn get_encoded(url: &str, encoding: &str) -> Sent {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(std::time::Duration::from_secs(20)))
        .build()
        .into();
    let mut response = agent
        .get(url)
        .header("Accept-Encoding", encoding)
        .call()
        .unwrap_or_else(|e| panic!("GET {url}: {e}"));
    let encoding = response
        .headers()
        .get("content-encoding")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let body = response
        .body_mut()
        .with_config()
        .limit(50 * 1024 * 1024)
        .read_to_vec()
        .unwrap_or_else(|e| panic!("GET {url}: {e}"));
    Sent {
        status: response.status().as_u16(),
        encoding,
        body,
    }
}
