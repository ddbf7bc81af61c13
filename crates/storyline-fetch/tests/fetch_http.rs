//! The fetcher against real local HTTP servers: conditional GET, statuses, timeouts, size caps,
//! gzip, redirects, the private-address guard and `file://` URLs.

use std::io::Write;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use flate2::Compression;
use flate2::write::GzEncoder;
use storyline_fetch::{FetchConfig, FetchError, FetchOutcome, FetchedBody, Fetcher, Validators};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

const FEED_BODY: &str = "<rss version=\"2.0\"><channel><title>Test</title></channel></rss>";
const ETAG: &str = "\"feed-v1\"";
const LAST_MODIFIED: &str = "Tue, 03 Mar 2026 08:00:00 GMT";

/// Settings for tests: loopback allowed, no pacing, short limits.
fn test_config() -> FetchConfig {
    FetchConfig {
        allow_private_addresses: true,
        per_host_interval: Duration::ZERO,
        timeout: Duration::from_secs(5),
        max_body_bytes: 64 * 1024,
        ..FetchConfig::default()
    }
}

fn fetcher_with(config: FetchConfig) -> Fetcher {
    Fetcher::new(config).expect("client builds")
}

async fn serve(router: Router) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let address = listener.local_addr().expect("local address");
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    format!("http://{address}")
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut encoder = GzEncoder::new(Vec::new(), Compression::best());
    encoder.write_all(data).expect("in-memory write");
    encoder.finish().expect("in-memory finish")
}

async fn fetched(fetcher: &Fetcher, url: &str, validators: &Validators) -> FetchedBody {
    match fetcher.get(url, validators).await {
        Ok(FetchOutcome::Fetched(body)) => body,
        other => panic!("{url}: expected a body, got {other:?}"),
    }
}

async fn error_text(fetcher: &Fetcher, url: &str) -> String {
    match fetcher.get(url, &Validators::default()).await {
        Err(error) => error.to_string(),
        Ok(outcome) => panic!("{url}: expected an error, got {outcome:?}"),
    }
}

fn feed_routes() -> Router {
    Router::new()
        .route("/etag.xml", get(etag_feed))
        .route("/dated.xml", get(dated_feed))
        .route(
            "/broken.xml",
            get(|| async { StatusCode::INTERNAL_SERVER_ERROR }),
        )
        .route(
            "/big.xml",
            get(|| async { "x".repeat(64 * 1024 + 1).into_response() }),
        )
        .route("/endless.xml", get(endless_feed))
        .route("/bomb.xml", get(gzip_bomb))
        .route("/gzipped.xml", get(gzipped_feed))
        .route(
            "/hop1",
            get(|| async { redirect(StatusCode::FOUND, "hop2") }),
        )
        .route("/hop2", get(hop_to_absolute_final))
        .route("/final.xml", get(|| async { FEED_BODY }))
        .route(
            "/loop",
            get(|| async { redirect(StatusCode::FOUND, "/loop") }),
        )
        .route(
            "/to-file",
            get(|| async { redirect(StatusCode::MOVED_PERMANENTLY, "file:///etc/passwd") }),
        )
        .route("/no-location", get(|| async { StatusCode::FOUND }))
        .route(
            "/brotli.xml",
            get(|| async { ([(header::CONTENT_ENCODING, "br")], "not really brotli") }),
        )
        .route(
            "/fake-gzip.xml",
            get(|| async { ([(header::CONTENT_ENCODING, "gzip")], "plain text, not gzip") }),
        )
        .route(
            "/user-agent",
            get(|headers: HeaderMap| async move {
                headers
                    .get(header::USER_AGENT)
                    .and_then(|value| value.to_str().ok())
                    .unwrap_or("none")
                    .to_string()
            }),
        )
}

async fn etag_feed(headers: HeaderMap) -> Response {
    if headers
        .get(header::IF_NONE_MATCH)
        .is_some_and(|tag| tag == ETAG)
    {
        return StatusCode::NOT_MODIFIED.into_response();
    }
    (
        [
            (header::ETAG, ETAG),
            (header::CONTENT_TYPE, "application/rss+xml"),
        ],
        FEED_BODY,
    )
        .into_response()
}

async fn dated_feed(headers: HeaderMap) -> Response {
    if headers
        .get(header::IF_MODIFIED_SINCE)
        .is_some_and(|since| since == LAST_MODIFIED)
    {
        return StatusCode::NOT_MODIFIED.into_response();
    }
    ([(header::LAST_MODIFIED, LAST_MODIFIED)], FEED_BODY).into_response()
}

/// A body with no Content-Length that never ends.
async fn endless_feed() -> Response {
    let chunks = futures_util::stream::repeat_with(|| {
        Ok::<_, std::io::Error>(bytes::Bytes::from(vec![b'y'; 4096]))
    });
    Body::from_stream(chunks).into_response()
}

/// About 10 KB on the wire, 16 MiB once decoded.
async fn gzip_bomb() -> Response {
    let bomb = gzip(&vec![0u8; 16 * 1024 * 1024]);
    assert!(bomb.len() < 64 * 1024, "the bomb must be small on the wire");
    ([(header::CONTENT_ENCODING, "gzip")], bomb).into_response()
}

async fn gzipped_feed(headers: HeaderMap) -> Response {
    let asked_for_gzip = headers
        .get(header::ACCEPT_ENCODING)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.contains("gzip"));
    if !asked_for_gzip {
        return (StatusCode::BAD_REQUEST, "send Accept-Encoding: gzip").into_response();
    }
    (
        [(header::CONTENT_ENCODING, "gzip")],
        gzip(FEED_BODY.as_bytes()),
    )
        .into_response()
}

fn redirect(status: StatusCode, location: &str) -> Response {
    (status, [(header::LOCATION, location.to_string())]).into_response()
}

async fn hop_to_absolute_final(headers: HeaderMap) -> Response {
    let host = headers
        .get(header::HOST)
        .and_then(|value| value.to_str().ok())
        .unwrap_or("127.0.0.1")
        .to_string();
    redirect(
        StatusCode::MOVED_PERMANENTLY,
        &format!("http://{host}/final.xml"),
    )
}

/// A server that accepts connections and then says nothing at all.
async fn silent_server() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let address = listener.local_addr().expect("local address");
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            held.push(socket);
        }
    });
    address
}

/// A server that sends headers, then one byte of body every 100ms, forever.
async fn trickling_server() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let address = listener.local_addr().expect("local address");
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut request = [0u8; 2048];
                let _ = socket.read(&mut request).await;
                let head =
                    "HTTP/1.1 200 OK\r\nContent-Type: application/xml\r\nConnection: close\r\n\r\n";
                if socket.write_all(head.as_bytes()).await.is_err() {
                    return;
                }
                while socket.write_all(b"<").await.is_ok() {
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            });
        }
    });
    address
}

#[tokio::test]
async fn etag_round_trip_gives_not_modified() {
    let base = serve(feed_routes()).await;
    let fetcher = fetcher_with(test_config());
    let url = format!("{base}/etag.xml");

    let first = fetched(&fetcher, &url, &Validators::default()).await;
    assert_eq!(first.status, 200);
    assert_eq!(first.body, FEED_BODY.as_bytes());
    assert_eq!(first.etag.as_deref(), Some(ETAG));
    assert_eq!(first.content_type.as_deref(), Some("application/rss+xml"));
    assert_eq!(first.final_url, url);

    let validators = Validators {
        etag: first.etag.clone(),
        last_modified: first.last_modified.clone(),
    };
    let second = fetcher.get(&url, &validators).await.expect("second fetch");
    assert_eq!(second, FetchOutcome::NotModified);

    let stale = Validators {
        etag: Some("\"feed-v0\"".to_string()),
        last_modified: None,
    };
    assert_eq!(
        fetched(&fetcher, &url, &stale).await.body,
        FEED_BODY.as_bytes()
    );
}

#[tokio::test]
async fn last_modified_round_trip_gives_not_modified() {
    let base = serve(feed_routes()).await;
    let fetcher = fetcher_with(test_config());
    let url = format!("{base}/dated.xml");

    let first = fetched(&fetcher, &url, &Validators::default()).await;
    assert_eq!(first.last_modified.as_deref(), Some(LAST_MODIFIED));
    assert_eq!(first.etag, None);

    let validators = Validators {
        etag: None,
        last_modified: first.last_modified,
    };
    let second = fetcher.get(&url, &validators).await.expect("second fetch");
    assert_eq!(second, FetchOutcome::NotModified);
}

#[tokio::test]
async fn error_statuses_are_named() {
    let base = serve(feed_routes()).await;
    let fetcher = fetcher_with(test_config());
    let check = |path: &str, expected_cause: &str| {
        let url = format!("{base}{path}");
        let expected = format!("{url}: {expected_cause}");
        let fetcher = &fetcher;
        async move { assert_eq!(error_text(fetcher, &url).await, expected) }
    };
    check("/missing.xml", "HTTP 404 Not Found").await;
    check("/broken.xml", "HTTP 500 Internal Server Error").await;
    check(
        "/no-location",
        "redirect without a usable Location header: no Location header",
    )
    .await;
    check("/to-file", "unsupported URL scheme file").await;
    check(
        "/brotli.xml",
        "cannot decode body: unsupported Content-Encoding br",
    )
    .await;
    check(
        "/fake-gzip.xml",
        "cannot decode body: corrupt gzip stream: invalid gzip header",
    )
    .await;
}

#[tokio::test]
async fn status_errors_say_whether_a_retry_may_help() {
    let base = serve(feed_routes()).await;
    let fetcher = fetcher_with(test_config());
    let server_error = fetcher
        .get(&format!("{base}/broken.xml"), &Validators::default())
        .await;
    assert!(matches!(&server_error, Err(error) if error.is_transient()));
    let not_found = fetcher
        .get(&format!("{base}/missing.xml"), &Validators::default())
        .await;
    assert!(matches!(
        &not_found,
        Err(FetchError::Status { status: 404, .. })
    ));
    assert!(matches!(&not_found, Err(error) if !error.is_transient()));
}

#[tokio::test]
async fn silent_server_times_out() {
    let address = silent_server().await;
    let fetcher = fetcher_with(FetchConfig {
        timeout: Duration::from_millis(300),
        ..test_config()
    });
    let url = format!("http://{address}/feed.xml");
    let started = Instant::now();
    assert_eq!(
        error_text(&fetcher, &url).await,
        format!("{url}: timed out after 300ms")
    );
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "took {:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn trickling_body_times_out() {
    let address = trickling_server().await;
    let fetcher = fetcher_with(FetchConfig {
        timeout: Duration::from_millis(500),
        ..test_config()
    });
    let url = format!("http://{address}/feed.xml");
    assert_eq!(
        error_text(&fetcher, &url).await,
        format!("{url}: timed out after 500ms")
    );
}

#[tokio::test]
async fn oversize_bodies_are_refused() {
    let base = serve(feed_routes()).await;
    let fetcher = fetcher_with(test_config());
    for path in ["/big.xml", "/endless.xml"] {
        let url = format!("{base}{path}");
        assert_eq!(
            error_text(&fetcher, &url).await,
            format!("{url}: response larger than the 64 KiB limit")
        );
    }
}

#[tokio::test]
async fn gzip_is_decoded_and_a_gzip_bomb_is_stopped() {
    let base = serve(feed_routes()).await;
    let fetcher = fetcher_with(test_config());
    let body = fetched(
        &fetcher,
        &format!("{base}/gzipped.xml"),
        &Validators::default(),
    )
    .await;
    assert_eq!(body.body, FEED_BODY.as_bytes());

    let url = format!("{base}/bomb.xml");
    assert_eq!(
        error_text(&fetcher, &url).await,
        format!("{url}: response larger than the 64 KiB limit")
    );
}

#[tokio::test]
async fn redirects_are_followed_up_to_the_limit() {
    let base = serve(feed_routes()).await;
    let fetcher = fetcher_with(test_config());
    let body = fetched(&fetcher, &format!("{base}/hop1"), &Validators::default()).await;
    assert_eq!(body.final_url, format!("{base}/final.xml"));
    assert_eq!(body.body, FEED_BODY.as_bytes());

    let url = format!("{base}/loop");
    assert_eq!(
        error_text(&fetcher, &url).await,
        format!("{url}: more than 5 redirects")
    );

    let strict = fetcher_with(FetchConfig {
        max_redirects: 1,
        ..test_config()
    });
    let url = format!("{base}/hop1");
    assert_eq!(
        error_text(&strict, &url).await,
        format!("{url}: more than 1 redirects")
    );
}

#[tokio::test]
async fn private_addresses_are_refused_by_default() {
    let base = serve(feed_routes()).await;
    let fetcher = fetcher_with(FetchConfig::default());
    let url = format!("{base}/etag.xml");
    assert_eq!(
        error_text(&fetcher, &url).await,
        format!(
            "{url}: refusing to fetch private address 127.0.0.1 \
             (set fetch.allow_private_addresses to allow)"
        )
    );

    // A name goes through the resolver, which applies the same rule.
    let port = base.rsplit(':').next().expect("base has a port");
    let by_name = fetcher
        .get(
            &format!("http://localhost:{port}/etag.xml"),
            &Validators::default(),
        )
        .await;
    match by_name {
        Err(FetchError::PrivateAddress { address, .. }) => assert!(address.is_loopback()),
        other => panic!("expected a private-address refusal, got {other:?}"),
    }
}

#[tokio::test]
async fn sends_the_configured_user_agent() {
    let base = serve(feed_routes()).await;
    let fetcher = fetcher_with(test_config());
    let body = fetched(
        &fetcher,
        &format!("{base}/user-agent"),
        &Validators::default(),
    )
    .await;
    let agent = String::from_utf8(body.body).expect("utf-8");
    assert!(agent.starts_with("Storyline/"), "{agent}");
    assert_eq!(agent, FetchConfig::default().user_agent);
}

#[tokio::test]
async fn concurrent_requests_to_one_host_are_spaced() {
    let base = serve(feed_routes()).await;
    let interval = Duration::from_millis(300);
    let fetcher = std::sync::Arc::new(fetcher_with(FetchConfig {
        per_host_interval: interval,
        ..test_config()
    }));
    let url = format!("{base}/final.xml");
    let started = Instant::now();
    // Spawning also proves that `Fetcher` and its futures can move across threads.
    let tasks: Vec<_> = (0..3)
        .map(|_| {
            let fetcher = std::sync::Arc::clone(&fetcher);
            let url = url.clone();
            tokio::spawn(async move { fetcher.get(&url, &Validators::default()).await })
        })
        .collect();
    for task in tasks {
        let outcome = task.await.expect("task ran");
        assert!(
            matches!(outcome, Ok(FetchOutcome::Fetched(_))),
            "{outcome:?}"
        );
    }
    assert!(
        started.elapsed() >= interval * 2,
        "took {:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn refused_connection_and_bad_urls_are_one_line_errors() {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let address = listener.local_addr().expect("local address");
    drop(listener);
    let fetcher = fetcher_with(test_config());
    let url = format!("http://{address}/feed.xml");
    let refused = error_text(&fetcher, &url).await;
    assert!(
        refused.starts_with(&format!("{url}: cannot connect: ")),
        "{refused}"
    );
    assert!(!refused.contains('\n'));

    let check = |url: &'static str, expected: &'static str| {
        let fetcher = &fetcher;
        async move { assert_eq!(error_text(fetcher, url).await, expected) }
    };
    check(
        "ftp://news.example/feed.xml",
        "ftp://news.example/feed.xml: unsupported URL scheme ftp",
    )
    .await;
    check(
        "not a url",
        "not a url: invalid URL: relative URL without a base",
    )
    .await;
}

#[tokio::test]
async fn file_urls_are_read_from_disk() {
    let folder = tempfile::tempdir().expect("temporary folder");
    let feed_path = folder.path().join("feed.xml");
    std::fs::write(&feed_path, FEED_BODY).expect("write fixture");
    let fetcher = fetcher_with(test_config());

    let url = url::Url::from_file_path(&feed_path)
        .expect("absolute path")
        .to_string();
    let body = fetched(&fetcher, &url, &Validators::default()).await;
    assert_eq!(body.body, FEED_BODY.as_bytes());
    assert_eq!(body.final_url, url);
    assert_eq!(body.content_type.as_deref(), Some("application/xml"));
    assert_eq!(body.etag, None);

    let missing = url::Url::from_file_path(folder.path().join("missing.xml"))
        .expect("absolute path")
        .to_string();
    assert_eq!(
        error_text(&fetcher, &missing).await,
        format!("{missing}: cannot read: No such file or directory")
    );

    let directory = url::Url::from_directory_path(folder.path())
        .expect("absolute path")
        .to_string();
    assert_eq!(
        error_text(&fetcher, &directory).await,
        format!("{directory}: cannot read: is a directory")
    );

    let big_path = folder.path().join("big.xml");
    std::fs::write(&big_path, vec![b'z'; 64 * 1024 + 1]).expect("write fixture");
    let big = url::Url::from_file_path(&big_path)
        .expect("absolute path")
        .to_string();
    assert_eq!(
        error_text(&fetcher, &big).await,
        format!("{big}: response larger than the 64 KiB limit")
    );
}
