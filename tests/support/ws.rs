//! A plain websocket client for the tests: the protocol as any script speaks it.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio_tungstenite::{
    connect_async,
    tungstenite::{client::IntoClientRequest, http::HeaderValue, Message},
    MaybeTlsStream, WebSocketStream,
};

pub type Ws = WebSocketStream<MaybeTlsStream<tokio::net::TcpStream>>;

/// How long a test waits for any one frame.
pub const WAIT: Duration = Duration::from_secs(20);

/// Opens `url`, sending `origin` when given; the refusal's status otherwise.
pub async fn connect(url: &str, origin: Option<&str>) -> Result<Ws, u16> {
    let mut request = url.into_client_request().unwrap();
    if let Some(origin) = origin {
        request
            .headers_mut()
            .insert("Origin", HeaderValue::from_str(origin).unwrap());
    }
    match connect_async(request).await {
        Ok((ws, _)) => Ok(ws),
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
            Err(response.status().as_u16())
        }
        Err(other) => panic!("{other}"),
    }
}

/// Sends one event, over any websocket (plain or TLS).
pub async fn send<S: AsyncRead + AsyncWrite + Unpin>(
    ws: &mut WebSocketStream<S>,
    event: &str,
    data: Value,
) {
    let frame = json!({"event": event, "data": data}).to_string();
    ws.send(Message::text(frame)).await.unwrap();
}

/// The next text frame, as JSON.
pub async fn recv<S: AsyncRead + AsyncWrite + Unpin>(ws: &mut WebSocketStream<S>) -> Value {
    loop {
        let message = tokio::time::timeout(WAIT, ws.next())
            .await
            .expect("a frame within 20 s")
            .expect("the socket is open")
            .expect("a good frame");
        if let Message::Text(text) = message {
            return serde_json::from_str(&text).unwrap();
        }
    }
}

/// Opens `url` over a TCP connection from `source` (any 127.0.0.0/8 address
/// reaches a loopback server), so that one test can be several clients.
pub async fn connect_as(url: &str, source: std::net::IpAddr) -> Result<Ws, u16> {
    let request = url.into_client_request().unwrap();
    let uri = request.uri().clone();
    let port = uri.port_u16().expect("a port in the URL");
    let host: std::net::IpAddr = uri.host().expect("a host").parse().expect("an IP host");
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.bind((source, 0).into()).unwrap();
    let tcp = socket.connect((host, port).into()).await.unwrap();
    match tokio_tungstenite::client_async(request, MaybeTlsStream::Plain(tcp)).await {
        Ok((ws, _)) => Ok(ws),
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
            Err(response.status().as_u16())
        }
        Err(other) => panic!("{other}"),
    }
}

/// How the server ended the socket: the close frame's code, or `None` when
/// the connection ended without one. Text frames before it are skipped.
pub async fn closed(ws: &mut Ws, within: Duration) -> Option<u16> {
    let deadline = tokio::time::Instant::now() + within;
    loop {
        let next = tokio::time::timeout_at(deadline, ws.next())
            .await
            .expect("the socket ends in time");
        match next {
            Some(Ok(Message::Close(frame))) => return frame.map(|f| u16::from(f.code)),
            Some(Ok(_)) => continue,
            Some(Err(_)) | None => return None,
        }
    }
}
