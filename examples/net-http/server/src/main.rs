//! server: HTTP/1.1 on port 80, one task per connection.
//!
//! `/` is a page of the kernel's BootInfo figures (as the system's
//! initializer received them), `/hello.txt` a static file, `/blob` 64 KiB
//! of bytes `i % 251`; anything else is 404. The address comes from DHCP.
#![no_std]
#![no_main]

extern crate alloc;

use alloc::format;
use alloc::string::String;
use core::sync::atomic::{AtomicU64, Ordering};

use sel4_net_http::{serve, Request, Response};
use sel4_net_smoltcp::stack::{Addressing, Limits, Stack};
use sel4_net_smoltcp::tcp::Net;
use sel4_system_executor::component::{exit, info, sel4, time};
use sel4_system_executor::{spawn, Channel};

const DRIVER: Channel = Channel::new(0);
const HELLO: &[u8] = include_bytes!("../site/hello.txt");

/// `/blob`: 64 KiB of bytes `i % 251` (for throughput measurements).
static BLOB: [u8; 65536] = {
    let mut b = [0; 65536];
    let mut i = 0;
    while i < b.len() {
        b[i] = (i % 251) as u8;
        i += 1;
    }
    b
};

fn fail(what: core::fmt::Arguments) -> ! {
    sel4::debug_println!("server: FAILED: {what}");
    exit(1)
}

/// Requests answered so far, over all connections.
static REQUESTS: AtomicU64 = AtomicU64::new(0);

fn index() -> Response {
    let b = &info().boot;
    let kernel = sel4::sys::KERNEL_VERSION.unwrap_or("(version not recorded)");
    let uptime_ms = time::now_ns().unwrap_or(0) / 1_000_000;
    let mut page = String::new();
    page.push_str("<!DOCTYPE html>\n<html><head><title>seL4</title></head><body>\n");
    page.push_str("<h1>Hello from a Rust component on seL4</h1>\n");
    page.push_str(&format!("<p>kernel: seL4 {kernel}</p>\n"));
    page.push_str("<h2>BootInfo</h2>\n<table>\n");
    for (what, value) in [
        ("untyped capabilities", b.untypeds),
        ("of them RAM", b.ram_untypeds),
        ("untyped RAM (KiB)", b.ram_bytes / 1024),
        ("device untyped (GiB)", b.device_bytes >> 30),
        ("empty CNode slots", b.empty_slots),
        ("CNode size (bits)", b.cnode_size_bits),
        ("image frames", b.image_frames),
        ("cores", b.nodes),
    ] {
        page.push_str(&format!("<tr><td>{what}</td><td>{value}</td></tr>\n"));
    }
    page.push_str("</table>\n");
    page.push_str(&format!(
        "<p>up {uptime_ms} ms, {} requests answered, woken {} times; also <a href=\"/hello.txt\">/hello.txt</a></p>\n",
        REQUESTS.load(Ordering::Relaxed),
        sel4_system_executor::wakeups()
    ));
    page.push_str("</body></html>\n");
    Response::new(200, "text/html; charset=utf-8", page.into_bytes())
}

fn site(req: &Request) -> Response {
    REQUESTS.fetch_add(1, Ordering::Relaxed);
    if req.method != "GET" && req.method != "HEAD" {
        return Response::error(405);
    }
    match req.path {
        "/" | "/index.html" => index(),
        "/hello.txt" => Response::new(200, "text/plain; charset=utf-8", HELLO.to_vec()),
        "/blob" => Response::new(200, "application/octet-stream", BLOB.to_vec()),
        _ => Response::not_found(),
    }
}

async fn main() {
    let limits = Limits {
        sockets: 48,
        ..Limits::default()
    };
    let stack = Stack::new(DRIVER, Addressing::Dhcp, limits)
        .unwrap_or_else(|e| fail(format_args!("attaching to the driver: {e}")));
    let net = Net::new(stack);
    let frames = net.clone();
    spawn(async move {
        frames.run(DRIVER).await;
    });
    let address = net.address().await;
    let listener = net
        .listen(80, 16)
        .unwrap_or_else(|e| fail(format_args!("listening on port 80: {e}")));
    sel4::debug_println!("server: serving http://{}:80/", address.address());
    loop {
        match listener.accept().await {
            Ok(conn) => spawn(async move {
                if let Ok(s) = serve(conn, site).await {
                    if s.rejected > 0 {
                        sel4::debug_println!("server: rejected a malformed request");
                    }
                }
            }),
            Err(e) => fail(format_args!("accepting: {e}")),
        }
    }
}

sel4_system_executor::component!(main);
