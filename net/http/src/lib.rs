//! HTTP/1.1 serving on a system component's TCP connections
//! (`sel4-net-smoltcp`'s [`TcpStream`]).
//!
//! ```ignore
//! spawn(async move {
//!     let served = serve(conn, |req: &Request| match req.path {
//!         "/" => Response::new(200, "text/plain", b"hello\n".to_vec()),
//!         _ => Response::not_found(),
//!     })
//!     .await;
//! });
//! ```
//!
//! [`serve`] answers a connection's requests in order until the client
//! closes it or asks to (`Connection: close`, or HTTP/1.0 without
//! `keep-alive`): requests are parsed by `httparse`, pipelined requests
//! are answered one after the other, a body given by `Content-Length` is
//! read and handed over. A request that does not parse gets `400 Bad
//! Request`, one whose head is longer than [`MAX_HEAD`] bytes `431`, a
//! body longer than [`MAX_BODY`] `413`, a chunked body `501`; the
//! connection is then closed. The answer always has `Content-Length`.
#![no_std]

extern crate alloc;

use alloc::format;
use alloc::vec::Vec;

use sel4_net_smoltcp::stack::NetError;
use sel4_net_smoltcp::tcp::TcpStream;

/// The longest request head (request line and headers) read, in bytes.
pub const MAX_HEAD: usize = 8 * 1024;
/// The longest request body read, in bytes.
pub const MAX_BODY: usize = 64 * 1024;
/// The most headers a request may have.
pub const MAX_HEADERS: usize = 32;

/// A request, as the handler sees it.
#[derive(Debug)]
pub struct Request<'a> {
    /// `GET`, `HEAD`, `POST`, ...
    pub method: &'a str,
    /// The request target, e.g. `/index.html?x=1`.
    pub path: &'a str,
    /// 0 for HTTP/1.0, 1 for HTTP/1.1.
    pub version: u8,
    /// The headers, names as sent.
    pub headers: &'a [httparse::Header<'a>],
    /// The body (`Content-Length` bytes; empty without one).
    pub body: &'a [u8],
}

impl Request<'_> {
    /// The first header of that name (case-insensitive), if it is text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|h| h.name.eq_ignore_ascii_case(name))
            .and_then(|h| core::str::from_utf8(h.value).ok())
    }
}

/// An answer.
#[derive(Debug, Clone)]
pub struct Response {
    /// The status code.
    pub status: u16,
    /// The `Content-Type`.
    pub content_type: &'static str,
    /// The body.
    pub body: Vec<u8>,
}

impl Response {
    /// A response of `status` with `body` of `content_type`.
    pub fn new(status: u16, content_type: &'static str, body: Vec<u8>) -> Response {
        Response {
            status,
            content_type,
            body,
        }
    }

    /// `404 Not Found`.
    pub fn not_found() -> Response {
        Response::error(404)
    }

    /// A status with its reason as a plain-text body.
    pub fn error(status: u16) -> Response {
        Response::new(
            status,
            "text/plain; charset=utf-8",
            format!("{status} {}\n", reason(status)).into_bytes(),
        )
    }
}

/// The reason phrase of a status code.
pub fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        204 => "No Content",
        301 => "Moved Permanently",
        304 => "Not Modified",
        400 => "Bad Request",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        413 => "Content Too Large",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        503 => "Service Unavailable",
        _ => "",
    }
}

/// How a connection ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Served {
    /// Requests answered (error answers included).
    pub requests: u64,
    /// Of them, those answered with 400, 413, 431 or 501 (the connection
    /// was then closed).
    pub rejected: u64,
}

/// What the head of the buffered bytes is.
enum Head {
    /// A whole request: its head's length, its body's, and what to answer.
    Complete { head: usize, body: usize },
    /// More bytes are needed.
    Partial,
    /// A request that gets this status, then the connection closes.
    Reject(u16),
}

fn examine(buf: &[u8]) -> Head {
    let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut req = httparse::Request::new(&mut headers);
    match req.parse(buf) {
        Ok(httparse::Status::Complete(head)) => {
            let mut body = 0;
            for h in req.headers.iter() {
                if h.name.eq_ignore_ascii_case("transfer-encoding") {
                    return Head::Reject(501);
                }
                if h.name.eq_ignore_ascii_case("content-length") {
                    let Some(n) = core::str::from_utf8(h.value)
                        .ok()
                        .and_then(|v| v.trim().parse::<usize>().ok())
                    else {
                        return Head::Reject(400);
                    };
                    body = n;
                }
            }
            if body > MAX_BODY {
                return Head::Reject(413);
            }
            Head::Complete { head, body }
        }
        Ok(httparse::Status::Partial) if buf.len() >= MAX_HEAD => Head::Reject(431),
        Ok(httparse::Status::Partial) => Head::Partial,
        Err(httparse::Error::TooManyHeaders) => Head::Reject(431),
        Err(_) => Head::Reject(400),
    }
}

/// Whether the connection stays open after answering a request of
/// `version` with these `connection` header tokens.
fn keep_alive(version: u8, connection: Option<&str>) -> bool {
    let has = |t: &str| {
        connection.is_some_and(|c| c.split(',').any(|x| x.trim().eq_ignore_ascii_case(t)))
    };
    if version >= 1 {
        !has("close")
    } else {
        has("keep-alive")
    }
}

async fn answer(
    conn: &mut TcpStream,
    r: &Response,
    head_only: bool,
    keep: bool,
) -> Result<(), NetError> {
    let head = format!(
        "HTTP/1.1 {} {}\r\nServer: sel4-substrate\r\nContent-Type: {}\r\nContent-Length: {}\r\nConnection: {}\r\n\r\n",
        r.status,
        reason(r.status),
        r.content_type,
        r.body.len(),
        if keep { "keep-alive" } else { "close" }
    );
    if head_only || r.body.len() > 1024 {
        conn.write_all(head.as_bytes()).await?;
        if !head_only {
            conn.write_all(&r.body).await?;
        }
    } else {
        // One write, so that a small answer leaves in one segment.
        let mut all = head.into_bytes();
        all.extend_from_slice(&r.body);
        conn.write_all(&all).await?;
    }
    Ok(())
}

/// Answers the connection's requests with `handler` until it ends (see
/// the crate documentation); the connection is closed on return. An
/// error: the connection broke (reset, timed out, or the device failed).
pub async fn serve(
    mut conn: TcpStream,
    mut handler: impl FnMut(&Request) -> Response,
) -> Result<Served, NetError> {
    let mut served = Served {
        requests: 0,
        rejected: 0,
    };
    let mut buf: Vec<u8> = Vec::with_capacity(2048);
    let mut chunk = [0u8; 2048];
    loop {
        let (head, body) = match examine(&buf) {
            Head::Complete { head, body } => (head, body),
            Head::Reject(status) => {
                served.requests += 1;
                served.rejected += 1;
                answer(&mut conn, &Response::error(status), false, false).await?;
                conn.close();
                return Ok(served);
            }
            Head::Partial => {
                let n = conn.read(&mut chunk).await?;
                if n == 0 {
                    // The client closed: between requests, or in the middle
                    // of one (nothing to answer).
                    conn.close();
                    return Ok(served);
                }
                buf.extend_from_slice(&chunk[..n]);
                continue;
            }
        };
        while buf.len() < head + body {
            let n = conn.read(&mut chunk).await?;
            if n == 0 {
                conn.close();
                return Ok(served);
            }
            buf.extend_from_slice(&chunk[..n]);
        }
        let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
        let mut parsed = httparse::Request::new(&mut headers);
        // It parsed above; the bytes are the same.
        let _ = parsed.parse(&buf[..head]);
        let req = Request {
            method: parsed.method.unwrap_or(""),
            path: parsed.path.unwrap_or(""),
            version: parsed.version.unwrap_or(1),
            headers: parsed.headers,
            body: &buf[head..head + body],
        };
        let keep = keep_alive(req.version, req.header("connection"));
        let head_only = req.method == "HEAD";
        let response = handler(&req);
        served.requests += 1;
        answer(&mut conn, &response, head_only, keep).await?;
        buf.drain(..head + body);
        if !keep {
            conn.close();
            return Ok(served);
        }
    }
}
