//! `tearline serve`: plain HTTP only on loopback unless told otherwise, HTTPS with a given
//! certificate, and SIGTERM finishing in-flight requests before exiting 0.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use serde_json::{Value, json};

use crate::harness::*;

#[test]
fn plain_http_on_a_non_loopback_address_needs_insecure_http() {
    let db = Db::new();
    db.account("alice", "admin");
    match Server::start_with(&db, &["--listen", "0.0.0.0:0"]) {
        Ok(_) => panic!("served plain HTTP on 0.0.0.0 without --insecure-http"),
        Err((status, log)) => {
            assert!(status.is_some_and(|s| !s.success()), "exits non-zero: {status:?}\n{log}");
            assert!(log.contains("refusing plain HTTP"), "says why: {log}");
        }
    }
    let server = Server::start_with(&db, &["--listen", "0.0.0.0:0", "--insecure-http"]).expect("starts with --insecure-http");
    server.kill();
    // Loopback needs no flag (IPv4 and IPv6).
    Server::start(&db).kill();
    if std::net::TcpListener::bind("[::1]:0").is_ok() {
        Server::start_with(&db, &["--listen", "[::1]:0"]).expect("IPv6 loopback").kill();
    }
}

#[test]
fn serves_https_with_the_given_certificate() {
    let db = Db::new();
    let secret = db.account("alice", "analyst");
    let coll = db.collection("Alpha", "alice", "alice");
    let cert = rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_owned(), "localhost".to_owned()]).expect("self-signed certificate");
    let cert_file = write_file(db.dir.path(), "cert.pem", &cert.cert.pem());
    let key_file = write_file(db.dir.path(), "key.pem", &cert.key_pair.serialize_pem());
    let args = ["--listen", "127.0.0.1:0", "--tls-cert", cert_file.to_str().unwrap(), "--tls-key", key_file.to_str().unwrap()];
    let server = Server::start_with(&db, &args).unwrap_or_else(|(s, log)| panic!("HTTPS server did not start ({s:?}):\n{log}"));
    assert!(server.base.starts_with("https://"), "announces https: {}", server.base);

    // A client that trusts exactly this certificate.
    let root = ureq::tls::Certificate::from_der(cert.cert.der()).to_owned();
    let tls = ureq::tls::TlsConfig::builder().root_certs(ureq::tls::RootCerts::new_with_certs(&[root])).build();
    let https: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).tls_config(tls).build().into();
    let (status, body) = get(&https, &server.url("/taxii2/"), &basic("alice", &secret)).expect("HTTPS request");
    assert_eq!(status, 200, "{body}");
    let objects = server.url(&format!("/taxii2/default/collections/{coll}/objects/"));
    let (status, body) = post(&https, &objects, &basic("alice", &secret), &json!({"objects": [indicator("tls", 1)]}).to_string()).unwrap();
    assert_eq!(status, 202, "{body}");
    // A client that trusts nothing in particular refuses the self-signed certificate, and plain
    // HTTP on the TLS port gets no TAXII answer.
    assert!(get(&agent(), &server.url("/taxii2/"), &basic("alice", &secret)).is_err(), "default roots do not trust a self-signed certificate");
    let plain = server.base.replace("https://", "http://");
    if let Ok((status, _)) = get(&agent(), &format!("{plain}/taxii2/"), &basic("alice", &secret)) {
        assert_ne!(status, 200, "plain HTTP is not served on the TLS port");
    }
    server.kill();

    // HTTPS may listen on any address without --insecure-http.
    let args = ["--listen", "0.0.0.0:0", "--tls-cert", cert_file.to_str().unwrap(), "--tls-key", key_file.to_str().unwrap()];
    Server::start_with(&db, &args).unwrap_or_else(|(s, log)| panic!("HTTPS on 0.0.0.0 ({s:?}):\n{log}")).kill();
    // A missing key file is an error that says so.
    let args = ["--listen", "127.0.0.1:0", "--tls-cert", cert_file.to_str().unwrap(), "--tls-key", "/nonexistent/key.pem"];
    match Server::start_with(&db, &args) {
        Ok(_) => panic!("served without a key"),
        Err((status, log)) => {
            assert!(status.is_some_and(|s| !s.success()), "{log}");
            assert!(log.contains("TLS"), "{log}");
        }
    }
}

#[test]
fn sigterm_finishes_in_flight_requests_then_exits_0() {
    let db = Db::new();
    let secret = db.account("alice", "analyst");
    let coll = db.collection("Alpha", "alice", "alice");
    let server = Server::start(&db);
    let addr = server.base.trim_start_matches("http://").to_owned();
    let objects: Vec<Value> = (0..50).map(|n| indicator(&format!("term{n}"), 1)).collect();
    let body = json!({ "objects": objects }).to_string();
    // An in-flight request: headers and half of the body sent before SIGTERM, the rest after.
    let mut conn = TcpStream::connect(&addr).expect("connect");
    conn.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    let head = format!(
        "POST /taxii2/default/collections/{coll}/objects/ HTTP/1.1\r\nHost: {addr}\r\nAuthorization: {}\r\nAccept: {TAXII}\r\nContent-Type: {TAXII}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        basic("alice", &secret),
        body.len()
    );
    let (a, b) = body.as_bytes().split_at(body.len() / 2);
    conn.write_all(head.as_bytes()).unwrap();
    conn.write_all(a).unwrap();
    conn.flush().unwrap();
    std::thread::sleep(Duration::from_millis(300));
    server.terminate();
    std::thread::sleep(Duration::from_millis(500));
    // New connections are no longer accepted while the old one finishes.
    assert!(
        TcpStream::connect(&addr).and_then(|mut c| c.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n").and_then(|_| {
            c.set_read_timeout(Some(Duration::from_secs(2)))?;
            let mut buf = [0u8; 64];
            let n = c.read(&mut buf)?;
            if n == 0 { Err(std::io::Error::other("closed")) } else { Ok(()) }
        })).is_err(),
        "a new request after SIGTERM is not served"
    );
    conn.write_all(b).unwrap();
    let mut response = String::new();
    conn.read_to_string(&mut response).expect("the in-flight request is answered");
    assert!(response.starts_with("HTTP/1.1 202"), "in-flight POST finished: {response}");
    let status = server.wait(Duration::from_secs(20));
    assert!(status.success(), "exit status after SIGTERM: {status:?}");

    // What it acknowledged is there after a restart.
    let server = Server::start(&db);
    let got = all_objects(&agent(), &server, &coll, &basic("alice", &secret));
    assert_eq!(got.iter().map(text).collect::<Vec<_>>(), objects.iter().map(text).collect::<Vec<_>>());
    server.kill();
}

#[test]
fn sigterm_on_an_idle_server_exits_0_promptly() {
    let db = Db::new();
    db.account("alice", "admin");
    let server = Server::start(&db);
    let (status, _) = get(&agent(), &server.url("/healthz"), "").unwrap();
    assert_eq!(status, 200);
    // An idle keep-alive connection (one request answered, the connection left open) does not
    // hold the server up for the whole grace period.
    let addr = server.base.trim_start_matches("http://").to_owned();
    let mut idle = TcpStream::connect(&addr).unwrap();
    idle.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
    idle.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let mut buf = [0u8; 512];
    let n = idle.read(&mut buf).unwrap();
    assert!(String::from_utf8_lossy(&buf[..n]).starts_with("HTTP/1.1 200"));
    let start = std::time::Instant::now();
    server.terminate();
    let status = server.wait(Duration::from_secs(20));
    assert!(status.success(), "{status:?}");
    assert!(start.elapsed() < Duration::from_secs(5), "exit took {:?} with an idle keep-alive connection open", start.elapsed());
    drop(idle);
}
