//! A minimal keep-alive HTTP/1.1 client: one TCP connection per simulated
//! client, requests sent sequentially on it (hyper's low-level connection
//! API). If the server closes the connection (e.g. `Connection: close`), the
//! next request transparently reconnects and the reconnect is counted.

use anyhow::{Context, Result, anyhow, bail};
use base64::Engine;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::SendRequest;
use hyper::{Method, Request, Uri};
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

pub const TAXII: &str = "application/taxii+json;version=2.1";

/// Parsed `http://host:port/path` base.
#[derive(Clone, Debug)]
pub struct Target {
    pub authority: String,
    pub path: String,
}

impl Target {
    pub fn parse(url: &str) -> Result<Self> {
        let uri: Uri = url.parse().with_context(|| format!("bad URL {url}"))?;
        if uri.scheme_str() != Some("http") {
            bail!("only plain http:// URLs are supported (loopback benchmarking): {url}");
        }
        let authority = uri.authority().ok_or_else(|| anyhow!("no host in {url}"))?;
        let authority = if authority.port().is_some() {
            authority.to_string()
        } else {
            format!("{}:80", authority.host())
        };
        Ok(Target {
            authority,
            path: uri.path().to_string(),
        })
    }

    /// The API root path for a `.../collections/{id}/objects/` URL.
    pub fn api_root_path(&self) -> Option<String> {
        let idx = self.path.rfind("/collections/")?;
        Some(self.path[..=idx].to_string())
    }
}

pub fn basic_auth(user: &str, password: &str) -> String {
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"))
    )
}

pub struct Response {
    pub status: u16,
    pub headers: hyper::HeaderMap,
    pub body: Bytes,
}

pub struct Client {
    target: Target,
    auth: String,
    sender: Option<SendRequest<Full<Bytes>>>,
    pub reconnects: u64,
}

impl Client {
    pub fn new(target: Target, auth: String) -> Self {
        Client {
            target,
            auth,
            sender: None,
            reconnects: 0,
        }
    }

    async fn connect(&mut self) -> Result<()> {
        let stream = TcpStream::connect(&self.target.authority)
            .await
            .with_context(|| format!("connect {}", self.target.authority))?;
        stream.set_nodelay(true)?;
        let (sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
        tokio::spawn(async move {
            let _ = conn.await;
        });
        self.sender = Some(sender);
        Ok(())
    }

    /// Send one request; `path_and_query` is absolute (starts with '/').
    pub async fn request(
        &mut self,
        method: Method,
        path_and_query: &str,
        content_type: Option<&str>,
        body: Bytes,
    ) -> Result<Response> {
        // Up to one retry on a connection that the server closed between
        // requests (keep-alive timeout); a failure on a fresh connection is
        // reported.
        for attempt in 0..2 {
            let alive = match self.sender.as_mut() {
                Some(s) => s.ready().await.is_ok(),
                None => false,
            };
            let fresh = match alive {
                true => false,
                false => {
                    if self.sender.is_some() {
                        self.reconnects += 1;
                    }
                    self.connect().await?;
                    true
                }
            };
            let mut req = Request::builder()
                .method(method.clone())
                .uri(path_and_query)
                .header(hyper::header::HOST, &self.target.authority)
                .header(hyper::header::ACCEPT, TAXII)
                .header(hyper::header::AUTHORIZATION, &self.auth);
            if let Some(ct) = content_type {
                req = req.header(hyper::header::CONTENT_TYPE, ct);
            }
            let req = req.body(Full::new(body.clone()))?;
            let sender = self.sender.as_mut().expect("connected");
            match sender.send_request(req).await {
                Ok(resp) => {
                    let (parts, body) = resp.into_parts();
                    let body = body.collect().await?.to_bytes();
                    return Ok(Response {
                        status: parts.status.as_u16(),
                        headers: parts.headers,
                        body,
                    });
                }
                Err(e) if !fresh && attempt == 0 => {
                    // stale keep-alive connection: reconnect once
                    let _ = e;
                    self.sender = None;
                    self.reconnects += 1;
                    continue;
                }
                Err(e) => return Err(e.into()),
            }
        }
        bail!("request failed after reconnect")
    }
}

/// Percent-encode a query component (RFC 3986 unreserved set kept).
pub fn pct(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}
