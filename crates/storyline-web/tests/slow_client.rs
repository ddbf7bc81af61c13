//! The server against slow and greedy clients, over raw TCP on 127.0.0.1:0: a client that
//! stalls in its request head or trickles it a byte a second is cut off after the header-read
//! timeout, an idle keep-alive connection is closed the same way, while a normal client
//! keeps its connection for several requests; an oversized body gets 413 `too_large`
//! without the server waiting for the rest of it, and a body of a real subscription passes;
//! a body trickled without the admin token is refused before it is read, and one trickled
//! with it gets 408 `request_timeout` once the body-read deadline passes.
//!
//! Every wait has a generous outer bound and the tests assert only what happened (closed or
//! not, which status), never how long it took, so a busy machine cannot make them fail.

use serde_json::{Value, json};
use std::time::Duration;
use storyline_store::{SqliteStore, Store};
use storyline_web::api::BODY_READ_TIMEOUT;
use storyline_web::metrics::Metrics;
use storyline_web::{AppState, HEADER_READ_TIMEOUT};
use tempfile::TempDir;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::task::JoinHandle;

const ADMIN_TOKEN: &str = "slow-client-admin-token-41c9";

/// How long a test waits for the server to close a connection it should close: the timeout
/// plus a margin no scheduler delay comes near.
fn close_bound() -> Duration {
    HEADER_READ_TIMEOUT * 2 + Duration::from_secs(30)
}

/// How long any single answer may take to arrive.
const ANSWER_BOUND: Duration = Duration::from_secs(30);

struct TestServer {
    address: std::net::SocketAddr,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<JoinHandle<std::io::Result<()>>>,
    _dir: TempDir,
}

/// The real server over an empty store, with administration on.
async fn start() -> TestServer {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let stores = (0..2)
        .map(|_| Box::new(SqliteStore::open(dir.path()).expect("open the store")) as Box<dyn Store>)
        .collect();
    let state = AppState::new(
        stores,
        "test store",
        Some(ADMIN_TOKEN.to_string()),
        Metrics::new(),
    )
    .expect("open the server state");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind a port");
    let address = listener.local_addr().expect("the bound address");
    let (shutdown, stop) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(storyline_web::serve(listener, state, async move {
        let _ = stop.await;
    }));
    TestServer {
        address,
        shutdown: Some(shutdown),
        task: Some(task),
        _dir: dir,
    }
}

impl TestServer {
    async fn connect(&self) -> TcpStream {
        TcpStream::connect(self.address)
            .await
            .expect("connect to the server")
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.address)
    }

    /// Stops the server; it must return promptly, since no client is left mid-request.
    async fn stop(mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(task) = self.task.take() {
            tokio::time::timeout(close_bound(), task)
                .await
                .expect("the server stops on shutdown")
                .expect("the server task")
                .expect("the server ran without I/O error");
        }
    }
}

/// Reads until the server closes the connection (end of stream or reset) and returns what
/// it sent first; `None` if it was still open after [`close_bound`].
async fn read_until_closed(mut reader: impl AsyncRead + Unpin) -> Option<Vec<u8>> {
    let mut received = Vec::new();
    let closed = tokio::time::timeout(close_bound(), async {
        let mut buffer = [0u8; 4096];
        loop {
            match reader.read(&mut buffer).await {
                Ok(0) | Err(_) => break,
                Ok(n) => received.extend_from_slice(&buffer[..n]),
            }
        }
    })
    .await;
    closed.ok().map(|()| received)
}

/// One HTTP/1.1 response read off a connection.
#[derive(Debug)]
struct Answer {
    status: u16,
    head: String,
    body: Vec<u8>,
}

impl Answer {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "body is not JSON ({e}): {}",
                String::from_utf8_lossy(&self.body)
            )
        })
    }
}

/// Reads one response with a `Content-Length` off `stream`; `pending` carries bytes read
/// past the previous response (there are none unless requests were pipelined).
async fn read_answer(stream: &mut TcpStream, pending: &mut Vec<u8>) -> Answer {
    let read = async {
        let mut buffer = [0u8; 4096];
        let head_end = loop {
            if let Some(at) = pending.windows(4).position(|w| w == b"\r\n\r\n") {
                break at + 4;
            }
            let n = stream.read(&mut buffer).await.expect("read a response");
            assert!(n > 0, "the server closed the connection mid-response");
            pending.extend_from_slice(&buffer[..n]);
        };
        let head = String::from_utf8(pending[..head_end].to_vec()).expect("a UTF-8 head");
        let status = head
            .split(' ')
            .nth(1)
            .and_then(|code| code.parse::<u16>().ok())
            .unwrap_or_else(|| panic!("no status in {head:?}"));
        let length = head
            .lines()
            .find_map(|line| {
                let (name, value) = line.split_once(':')?;
                name.eq_ignore_ascii_case("content-length")
                    .then(|| value.trim().parse::<usize>().ok())?
            })
            .unwrap_or_else(|| panic!("no Content-Length in {head:?}"));
        while pending.len() < head_end + length {
            let n = stream.read(&mut buffer).await.expect("read a body");
            assert!(n > 0, "the server closed the connection mid-body");
            pending.extend_from_slice(&buffer[..n]);
        }
        let body = pending[head_end..head_end + length].to_vec();
        pending.drain(..head_end + length);
        Answer { status, head, body }
    };
    tokio::time::timeout(ANSWER_BOUND, read)
        .await
        .expect("an answer in time")
}

fn get_request(path: &str) -> String {
    format!("GET {path} HTTP/1.1\r\nHost: localhost\r\n\r\n")
}

/// The server still answers a fresh client: a stalled one did not wedge it.
async fn assert_healthy(server: &TestServer) {
    let mut stream = server.connect().await;
    stream
        .write_all(get_request("/healthz").as_bytes())
        .await
        .expect("send a request");
    let answer = read_answer(&mut stream, &mut Vec::new()).await;
    assert_eq!(answer.status, 200, "{answer:?}");
    assert_eq!(answer.json(), json!({ "status": "ok" }));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stalled_request_line_is_cut_off() {
    let server = start().await;
    let mut stream = server.connect().await;
    // Beside it, a client that connects and never sends a byte.
    let silent = server.connect().await;
    stream
        .write_all(b"GET /healthz HTT")
        .await
        .expect("send part of a request line");
    let (stalled, silent) = tokio::join!(read_until_closed(&mut stream), read_until_closed(silent));
    let sent = stalled.expect("the server closes a connection whose request line stalls");
    assert!(
        !String::from_utf8_lossy(&sent).contains(" 200 "),
        "a half request got an answer: {}",
        String::from_utf8_lossy(&sent)
    );
    assert!(
        silent.is_some(),
        "the server closes a connection that never sends a byte"
    );
    assert_healthy(&server).await;
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn headers_trickled_a_byte_a_second_are_cut_off() {
    let server = start().await;
    let (reader, mut writer) = server.connect().await.into_split();
    writer
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nX-Slow: ")
        .await
        .expect("send the start of a request");
    // Each byte is progress, but the head as a whole never arrives in time: the timeout
    // counts from the start of the head, not from the last byte.
    let trickle = tokio::spawn(async move {
        let mut sent = 0usize;
        loop {
            tokio::time::sleep(Duration::from_secs(1)).await;
            if writer.write_all(b"a").await.is_err() {
                return sent;
            }
            sent += 1;
        }
    });
    let closed = read_until_closed(reader).await;
    trickle.abort();
    let sent = closed.expect("the server closes a connection whose headers trickle in");
    assert!(
        !String::from_utf8_lossy(&sent).contains(" 200 "),
        "a trickled request got an answer: {}",
        String::from_utf8_lossy(&sent)
    );
    assert_healthy(&server).await;
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_normal_client_keeps_its_connection_until_it_idles() {
    let server = start().await;
    let mut stream = server.connect().await;
    let mut pending = Vec::new();
    for path in ["/healthz", "/api/feeds", "/healthz"] {
        stream
            .write_all(get_request(path).as_bytes())
            .await
            .unwrap_or_else(|e| panic!("send GET {path} on the kept-alive connection: {e}"));
        let answer = read_answer(&mut stream, &mut pending).await;
        assert_eq!(answer.status, 200, "GET {path}: {answer:?}");
        assert!(
            !answer
                .head
                .to_ascii_lowercase()
                .contains("connection: close"),
            "GET {path} closed the connection: {}",
            answer.head
        );
    }
    assert_eq!(
        read_answer_json(&mut stream, &mut pending, "/api/feeds").await,
        json!({ "feeds": [] })
    );

    // Two requests written at once are both answered, in order.
    let pipelined = format!("{}{}", get_request("/healthz"), get_request("/api/feeds"));
    stream
        .write_all(pipelined.as_bytes())
        .await
        .expect("send two pipelined requests");
    assert_eq!(
        read_answer(&mut stream, &mut pending).await.json(),
        json!({ "status": "ok" })
    );
    assert_eq!(
        read_answer(&mut stream, &mut pending).await.json(),
        json!({ "feeds": [] })
    );

    // Left idle, the connection is closed like a stalled one: idle clients hold nothing.
    let after = read_until_closed(&mut stream)
        .await
        .expect("the server closes an idle keep-alive connection");
    assert!(after.is_empty(), "{}", String::from_utf8_lossy(&after));
    server.stop().await;
}

async fn read_answer_json(stream: &mut TcpStream, pending: &mut Vec<u8>, path: &str) -> Value {
    stream
        .write_all(get_request(path).as_bytes())
        .await
        .unwrap_or_else(|e| panic!("send GET {path}: {e}"));
    let answer = read_answer(stream, pending).await;
    assert_eq!(answer.status, 200, "GET {path}: {answer:?}");
    answer.json()
}

fn assert_too_large(status: u16, body: &Value) {
    assert_eq!(status, 413, "{body}");
    assert_eq!(body["error"]["code"], "too_large", "{body}");
    let message = body["error"]["message"].as_str().unwrap_or_default();
    assert!(!message.is_empty() && !message.contains('\n'), "{body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn post_bodies_are_limited() {
    let server = start().await;
    // reqwest is built without a crypto provider; plain HTTP still needs one installed.
    storyline_fetch::install_crypto_provider();
    let client = reqwest::Client::builder()
        .no_proxy()
        .timeout(ANSWER_BOUND)
        .build()
        .expect("an HTTP client");
    let post = |body: String| {
        client
            .post(server.url("/api/feeds"))
            .bearer_auth(ADMIN_TOKEN)
            .header("content-type", "application/json")
            .body(body)
            .send()
    };

    // The largest subscription the route accepts (a 2,000-byte URL, a 300-character title
    // of three-byte characters) fits well within the limit.
    let url = format!("https://news.example/{}", "p".repeat(1_970));
    let title = "報".repeat(300);
    let response = post(json!({ "url": url, "title": title }).to_string())
        .await
        .expect("a response");
    let status = response.status().as_u16();
    let body: Value = response.json().await.expect("a JSON body");
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["url"], url.as_str());

    let huge = format!(
        "{{\"url\": \"https://news.example/{}\"}}",
        "a".repeat(64 * 1024)
    );
    let response = post(huge).await.expect("a response to an oversized body");
    let status = response.status().as_u16();
    let body: Value = response.json().await.expect("a JSON error body");
    assert_too_large(status, &body);

    // A client that announces a gigabyte gets its 413 once the limit is passed, without the
    // server waiting for the rest.
    let mut stream = server.connect().await;
    let head = format!(
        "POST /api/feeds HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer {ADMIN_TOKEN}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        1u64 << 30
    );
    stream
        .write_all(head.as_bytes())
        .await
        .expect("send the head");
    stream
        .write_all(&vec![b' '; 64 * 1024])
        .await
        .expect("send the start of the body");
    let answer = read_answer(&mut stream, &mut Vec::new()).await;
    assert_too_large(answer.status, &answer.json());

    // The limit did not cost the feed list its subscription.
    let feeds: Value = client
        .get(server.url("/api/feeds"))
        .send()
        .await
        .expect("a response")
        .json()
        .await
        .expect("a JSON body");
    assert_eq!(feeds["feeds"].as_array().map(Vec::len), Some(1), "{feeds}");
    server.stop().await;
}

/// Sends a POST head announcing a 2 KiB body, then the body a byte a second, until the
/// server answers; returns the answer.
async fn trickle_a_body(server: &TestServer, token: Option<&str>) -> Answer {
    let mut stream = server.connect().await;
    let authorization = token
        .map(|token| format!("Authorization: Bearer {token}\r\n"))
        .unwrap_or_default();
    let head = format!(
        "POST /api/feeds HTTP/1.1\r\nHost: localhost\r\n{authorization}\
         Content-Type: application/json\r\nContent-Length: 2048\r\n\r\n{{"
    );
    stream
        .write_all(head.as_bytes())
        .await
        .expect("send the head");
    let (mut reader, mut writer) = stream.into_split();
    let trickle = tokio::spawn(async move {
        for _ in 0..2047 {
            tokio::time::sleep(Duration::from_secs(1)).await;
            if writer.write_all(b" ").await.is_err() {
                break;
            }
        }
    });
    let mut received = Vec::new();
    let answered = tokio::time::timeout(BODY_READ_TIMEOUT + close_bound(), async {
        let mut buffer = [0u8; 4096];
        loop {
            let n = reader.read(&mut buffer).await.unwrap_or(0);
            received.extend_from_slice(&buffer[..n]);
            if n == 0 || received.windows(4).any(|w| w == b"\r\n\r\n") {
                break;
            }
        }
        // The rest of the (short) JSON body follows its head at once.
        tokio::time::sleep(Duration::from_millis(200)).await;
        let mut rest = [0u8; 4096];
        if let Ok(Ok(n)) =
            tokio::time::timeout(Duration::from_millis(500), reader.read(&mut rest)).await
        {
            received.extend_from_slice(&rest[..n]);
        }
    })
    .await;
    trickle.abort();
    assert!(answered.is_ok(), "no answer to a trickled body");
    let text = String::from_utf8_lossy(&received).to_string();
    let (head, body) = text.split_once("\r\n\r\n").expect("a response head");
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|code| code.parse().ok())
        .expect("a status");
    Answer {
        status,
        head: head.to_string(),
        body: body.as_bytes().to_vec(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_trickled_body_is_refused_before_it_is_read_or_cut_off_at_its_deadline() {
    let server = start().await;
    // Without the token the answer comes at once: the body is never waited for.
    let outsider = trickle_a_body(&server, None).await;
    assert_eq!(outsider.status, 401, "{outsider:?}");
    // With it, the body must arrive within the deadline.
    let slow_admin = trickle_a_body(&server, Some(ADMIN_TOKEN)).await;
    assert_eq!(slow_admin.status, 408, "{slow_admin:?}");
    assert_eq!(slow_admin.json()["error"]["code"], "request_timeout");
    assert_healthy(&server).await;
    server.stop().await;
}
