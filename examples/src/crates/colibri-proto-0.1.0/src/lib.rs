//! The health-check protocol of the colibri control plane.
//!
//! The daemon listens on `127.0.0.1:DEFAULT_PORT` and answers HTTP/1.0:
//!
//! | request          | answer                                              |
//! |------------------|-----------------------------------------------------|
//! | `GET /health`    | `200` body `ok\n`, or `503` body `REASON\n`         |
//! | `GET /status`    | `200` body of `key=value` lines (see [`Status`])    |
//! | `GET /version`   | `200` body `colibri-daemon VERSION\n`               |
//!
//! Anything else is `404` (unknown path) or `405` (not GET).  This crate has
//! the framing on both sides and a blocking client with timeouts.

use std::fmt;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::time::Duration;

/// The daemon's port when none is configured.
pub const DEFAULT_PORT: u16 = 7077;
/// The health endpoint.
pub const HEALTH_PATH: &str = "/health";
/// The status endpoint.
pub const STATUS_PATH: &str = "/status";
/// The largest response the client reads.
pub const MAX_RESPONSE: usize = 64 * 1024;

/// The default address clients use: `127.0.0.1:7077`.
pub fn default_addr() -> String {
    format!("127.0.0.1:{}", DEFAULT_PORT)
}

/// Everything that can go wrong talking to the daemon.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProtoError {
    /// The address did not resolve.
    Address(String),
    /// Connecting, sending or receiving failed (the OS's message).
    Io(String),
    /// The peer's bytes were not a well-formed HTTP/1.x response or request.
    Malformed(String),
}

impl fmt::Display for ProtoError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProtoError::Address(s) => write!(f, "bad address: {}", s),
            ProtoError::Io(s) => write!(f, "{}", s),
            ProtoError::Malformed(s) => write!(f, "malformed message: {}", s),
        }
    }
}

impl std::error::Error for ProtoError {}

/// A daemon's answer to `GET /health`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Health {
    Ok,
    Unhealthy(String),
}

impl Health {
    /// Interprets a `/health` response: 200 with body `ok` is healthy,
    /// anything else is unhealthy with a reason naming the status.
    pub fn from_response(r: &Response) -> Health {
        let body = r.body_text();
        let body = body.trim();
        if r.status == 200 && body == "ok" {
            Health::Ok
        } else if body.is_empty() {
            Health::Unhealthy(format!("HTTP {}", r.status))
        } else {
            Health::Unhealthy(format!("HTTP {}: {}", r.status, body))
        }
    }

    pub fn is_ok(&self) -> bool {
        *self == Health::Ok
    }
}

/// The `/status` document: `key=value` lines, in order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Status {
    pub fields: Vec<(String, String)>,
}

impl Status {
    pub fn new() -> Status {
        Status::default()
    }

    pub fn push(&mut self, key: &str, value: impl fmt::Display) {
        self.fields.push((key.to_string(), value.to_string()));
    }

    pub fn get(&self, key: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// Parses `key=value` lines; blank lines are skipped, a line without
    /// `=` is an error.
    pub fn parse(text: &str) -> Result<Status, ProtoError> {
        let mut s = Status::new();
        for (i, line) in text.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            match line.split_once('=') {
                Some((k, v)) => s.push(k.trim(), v.trim()),
                None => {
                    return Err(ProtoError::Malformed(format!(
                        "status line {}: no '=' in {:?}",
                        i + 1,
                        line
                    )))
                }
            }
        }
        Ok(s)
    }

    pub fn to_text(&self) -> String {
        let mut out = String::new();
        for (k, v) in &self.fields {
            out.push_str(k);
            out.push('=');
            out.push_str(v);
            out.push('\n');
        }
        out
    }
}

/// An HTTP response as the client sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    pub status: u16,
    pub body: Vec<u8>,
}

impl Response {
    pub fn body_text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// The reason phrase for the statuses the daemon sends.
pub fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        400 => "Bad Request",
        404 => "Not Found",
        405 => "Method Not Allowed",
        503 => "Service Unavailable",
        _ => "Unknown",
    }
}

/// Formats a complete HTTP/1.0 response with a text body.
pub fn format_response(status: u16, body: &str) -> Vec<u8> {
    format!(
        "HTTP/1.0 {} {}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{}",
        status,
        reason(status),
        body.len(),
        body
    )
    .into_bytes()
}

/// Formats the request the client sends.
pub fn format_request(path: &str, host: &str) -> Vec<u8> {
    format!(
        "GET {} HTTP/1.0\r\nHost: {}\r\nUser-Agent: colibri-proto/{}\r\nConnection: close\r\n\r\n",
        path,
        host,
        env!("CARGO_PKG_VERSION")
    )
    .into_bytes()
}

/// Parses a request line (`GET /health HTTP/1.1`) into method and path.
pub fn parse_request_line(line: &str) -> Result<(String, String), ProtoError> {
    let mut it = line.trim_end().split(' ');
    match (it.next(), it.next(), it.next(), it.next()) {
        (Some(m), Some(p), Some(v), None)
            if !m.is_empty() && p.starts_with('/') && v.starts_with("HTTP/1.") =>
        {
            Ok((m.to_string(), p.to_string()))
        }
        _ => Err(ProtoError::Malformed(format!("request line {:?}", line))),
    }
}

/// Parses a complete response (status line, headers, body).
pub fn parse_response(bytes: &[u8]) -> Result<Response, ProtoError> {
    let end = find(bytes, b"\r\n\r\n")
        .map(|i| (i, i + 4))
        .or_else(|| find(bytes, b"\n\n").map(|i| (i, i + 2)))
        .ok_or_else(|| ProtoError::Malformed("no end of headers".into()))?;
    let head = String::from_utf8_lossy(&bytes[..end.0]);
    let status_line = head.lines().next().unwrap_or("");
    let mut parts = status_line.splitn(3, ' ');
    let version = parts.next().unwrap_or("");
    if !version.starts_with("HTTP/1.") {
        return Err(ProtoError::Malformed(format!(
            "status line {:?}",
            status_line
        )));
    }
    let status = parts
        .next()
        .and_then(|s| s.parse::<u16>().ok())
        .filter(|s| (100..1000).contains(s))
        .ok_or_else(|| ProtoError::Malformed(format!("status line {:?}", status_line)))?;
    Ok(Response {
        status,
        body: bytes[end.1..].to_vec(),
    })
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

fn resolve(addr: &str) -> Result<SocketAddr, ProtoError> {
    addr.to_socket_addrs()
        .map_err(|e| ProtoError::Address(format!("{}: {}", addr, e)))?
        .next()
        .ok_or_else(|| ProtoError::Address(format!("{}: no address", addr)))
}

/// GETs `path` from the daemon at `addr` (`HOST:PORT`), with `timeout` for
/// connecting and for each read and write.
pub fn get(addr: &str, path: &str, timeout: Duration) -> Result<Response, ProtoError> {
    let sa = resolve(addr)?;
    let io = |e: std::io::Error| ProtoError::Io(format!("{}: {}", addr, e));
    let mut s = TcpStream::connect_timeout(&sa, timeout).map_err(io)?;
    s.set_read_timeout(Some(timeout)).map_err(io)?;
    s.set_write_timeout(Some(timeout)).map_err(io)?;
    s.write_all(&format_request(path, addr)).map_err(io)?;
    let mut buf = Vec::new();
    s.take(MAX_RESPONSE as u64 + 1)
        .read_to_end(&mut buf)
        .map_err(io)?;
    if buf.len() > MAX_RESPONSE {
        return Err(ProtoError::Malformed("response too large".into()));
    }
    parse_response(&buf)
}

/// Asks the daemon at `addr` for its health.
pub fn check_health(addr: &str, timeout: Duration) -> Result<Health, ProtoError> {
    get(addr, HEALTH_PATH, timeout).map(|r| Health::from_response(&r))
}

/// Fetches and parses the daemon's `/status`.
pub fn fetch_status(addr: &str, timeout: Duration) -> Result<Status, ProtoError> {
    let r = get(addr, STATUS_PATH, timeout)?;
    if r.status != 200 {
        return Err(ProtoError::Malformed(format!("/status answered HTTP {}", r.status)));
    }
    Status::parse(&r.body_text())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn response_round_trip() {
        let r = parse_response(&format_response(200, "ok\n")).unwrap();
        assert_eq!(r.status, 200);
        assert_eq!(Health::from_response(&r), Health::Ok);
        let r = parse_response(&format_response(503, "maintenance\n")).unwrap();
        assert_eq!(
            Health::from_response(&r),
            Health::Unhealthy("HTTP 503: maintenance".into())
        );
    }

    #[test]
    fn malformed() {
        assert!(parse_response(b"garbage").is_err());
        assert!(parse_response(b"SMTP 200 x\r\n\r\n").is_err());
        assert!(parse_response(b"HTTP/1.0 abc x\r\n\r\n").is_err());
        assert!(parse_request_line("GET health HTTP/1.0").is_err());
        assert_eq!(
            parse_request_line("GET /health HTTP/1.1\r\n").unwrap(),
            ("GET".to_string(), "/health".to_string())
        );
    }

    #[test]
    fn status_lines() {
        let mut s = Status::new();
        s.push("version", "0.0.1");
        s.push("pid", 42);
        let t = s.to_text();
        assert_eq!(Status::parse(&t).unwrap(), s);
        assert_eq!(Status::parse(&t).unwrap().get("pid"), Some("42"));
        assert!(Status::parse("novalue\n").is_err());
    }
}
