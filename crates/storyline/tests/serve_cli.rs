//! `storyline serve` and the server of `storyline run`, as a user starts them: the binary on
//! a free port over the demo store, spoken to over plain HTTP/1.1 on a TCP socket, and
//! stopped with Ctrl-C (SIGINT).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command, Output, Stdio};
use std::time::{Duration, Instant};

fn storyline(data_dir: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_storyline"));
    command
        .arg("--data-dir")
        .arg(data_dir)
        .env_remove("STORYLINE_DATA_DIR")
        .env_remove("STORYLINE_CONFIG")
        .env_remove("STORYLINE_SERVE_ADDR")
        .env_remove("STORYLINE_ADMIN_TOKEN");
    command
}

fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../demo/corpus")
}

fn succeeded(output: &Output) {
    assert!(
        output.status.success(),
        "failed: {}\nstdout: {}\nstderr: {}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// A running `storyline` whose stdout is read line by line.
struct Running {
    child: Child,
    lines: std::io::Lines<BufReader<ChildStdout>>,
}

impl Running {
    fn start(mut command: Command) -> Running {
        let mut child = command
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the storyline binary starts");
        let stdout = child.stdout.take().expect("piped stdout");
        Running {
            child,
            lines: BufReader::new(stdout).lines(),
        }
    }

    /// The next stdout line that starts with `prefix` (earlier lines are skipped).
    fn line_starting(&mut self, prefix: &str) -> String {
        for line in self.lines.by_ref() {
            let line = line.expect("a line of stdout");
            if line.starts_with(prefix) {
                return line;
            }
        }
        let mut stderr = String::new();
        if let Some(mut pipe) = self.child.stderr.take() {
            let _ = pipe.read_to_string(&mut stderr);
        }
        panic!("stdout ended before a line starting with {prefix:?}; stderr: {stderr}");
    }

    /// The address of the `Serving http://HOST:PORT/ (Ctrl-C or SIGTERM to stop)` line.
    fn serving_address(&mut self) -> String {
        let line = self.line_starting("Serving ");
        let address = line
            .strip_prefix("Serving http://")
            .and_then(|rest| rest.strip_suffix("/ (Ctrl-C or SIGTERM to stop)"))
            .unwrap_or_else(|| panic!("unexpected serving line: {line}"));
        assert!(address.starts_with("127.0.0.1:"), "{line}");
        address.to_string()
    }

    /// Sends SIGINT (what Ctrl-C sends) and returns the rest of stdout and the exit status.
    fn interrupt(mut self) -> (String, std::process::ExitStatus) {
        let sent = Command::new("kill")
            .args(["-INT", &self.child.id().to_string()])
            .status()
            .expect("kill runs");
        assert!(sent.success());
        let rest: Vec<String> = self.lines.by_ref().map_while(Result::ok).collect();
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(status) = self.child.try_wait().expect("the child's status") {
                return (rest.join("\n"), status);
            }
            assert!(Instant::now() < deadline, "no exit within 20 s of Ctrl-C");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

/// One HTTP/1.1 exchange: the status code and the body.
fn http(address: &str, method: &str, path: &str, headers: &[&str], body: &str) -> (u16, String) {
    let mut stream = TcpStream::connect(address).expect("connect to the server");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .expect("a read timeout");
    let mut request = format!(
        "{method} {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for header in headers {
        request.push_str(header);
        request.push_str("\r\n");
    }
    request.push_str("\r\n");
    request.push_str(body);
    stream
        .write_all(request.as_bytes())
        .expect("send the request");
    let mut answer = String::new();
    stream.read_to_string(&mut answer).expect("read the answer");
    let status = answer
        .split(' ')
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or_else(|| panic!("not an HTTP answer: {answer}"));
    let body = answer
        .split_once("\r\n\r\n")
        .map(|(_, body)| body.to_string())
        .unwrap_or_default();
    (status, body)
}

fn demo_store() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let output = storyline(dir.path())
        .args(["demo", "--top", "0"])
        .output()
        .expect("demo runs");
    succeeded(&output);
    dir
}

#[test]
fn serve_answers_until_ctrl_c() {
    let dir = demo_store();
    let mut command = storyline(dir.path());
    command
        .args(["serve", "--addr", "127.0.0.1:0"])
        .env("STORYLINE_ADMIN_TOKEN", "cli-test-token");
    let mut server = Running::start(command);
    let address = server.serving_address();

    let (status, body) = http(&address, "GET", "/healthz", &[], "");
    assert_eq!((status, body.as_str()), (200, "{\"status\":\"ok\"}"));
    let (status, body) = http(&address, "GET", "/api/stories?limit=3", &[], "");
    assert_eq!(status, 200, "{body}");
    let page: serde_json::Value = serde_json::from_str(&body).expect("JSON");
    assert_eq!(page["total"], 10, "{page}");
    assert_eq!(page["items"].as_array().map(Vec::len), Some(3));

    // The admin token comes from the environment.
    let feed = r#"{"url": "https://news.example/rss.xml"}"#;
    let json = "Content-Type: application/json";
    let (status, _) = http(&address, "POST", "/api/feeds", &[json], feed);
    assert_eq!(status, 401);
    let auth = "Authorization: Bearer cli-test-token";
    let (status, body) = http(&address, "POST", "/api/feeds", &[json, auth], feed);
    assert_eq!(status, 201, "{body}");

    let (rest, status) = server.interrupt();
    assert!(status.success(), "{status}: {rest}");
    assert!(rest.contains("stopping"), "{rest}");
}

/// `demo --serve` is the README's first command: Ctrl-C must stop it cleanly. (A background
/// job of a non-interactive shell starts with SIGINT ignored, so without the command's own
/// handler the server would outlive the interrupt, as CI once found.)
#[test]
fn demo_serves_until_ctrl_c() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let mut command = storyline(dir.path());
    command.args(["demo", "--top", "0", "--serve", "--addr", "127.0.0.1:0"]);
    let mut server = Running::start(command);
    let address = server.serving_address();
    let (status, body) = http(&address, "GET", "/healthz", &[], "");
    assert_eq!((status, body.as_str()), (200, "{\"status\":\"ok\"}"));
    let (rest, status) = server.interrupt();
    assert!(status.success(), "{status}: {rest}");
    assert!(rest.contains("stopping"), "{rest}");
}

#[test]
fn serve_refuses_a_taken_address_in_one_line() {
    let dir = demo_store();
    let taken = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let address = taken.local_addr().expect("address").to_string();
    let output = storyline(dir.path())
        .args(["serve", "--addr", &address])
        .output()
        .expect("serve runs");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.starts_with(&format!("error: cannot listen on {address}: ")),
        "{stderr}"
    );
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
}

#[test]
fn run_serves_while_polling_and_counts_its_polls() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let opml = corpus().join("feeds.opml");
    let mut command = storyline(dir.path());
    command.args([
        "run",
        "--interval",
        "60",
        "--addr",
        "127.0.0.1:0",
        "--feeds",
    ]);
    command.arg(&opml);
    let mut run = Running::start(command);
    let address = run.serving_address();
    run.line_starting("polled 11 feeds");
    run.line_starting("43 articles clustered");

    // The poll is recorded right after its last line: wait for it.
    let deadline = Instant::now() + Duration::from_secs(10);
    let metrics = loop {
        let (status, body) = http(&address, "GET", "/metrics", &[], "");
        assert_eq!(status, 200);
        if body.contains("\nstoryline_polls_total 1\n") {
            break body;
        }
        assert!(
            Instant::now() < deadline,
            "the poll was not counted: {body}"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    for expected in [
        "\nstoryline_articles_fetched_total 43\n",
        "\nstoryline_stories 10\n",
        "\nstoryline_briefs_written_total 10\n",
        "\nstoryline_brief_write_seconds_count 10\n",
        // The corpus's broken feed and its page that is not an article, each by its kind.
        "\nstoryline_feed_errors_total{kind=\"malformed\"} 1\n",
        "\nstoryline_feed_errors_total{kind=\"not_article\"} 1\n",
    ] {
        assert!(
            metrics.contains(expected),
            "{expected:?} missing from\n{metrics}"
        );
    }
    let (status, body) = http(&address, "GET", "/api/stories?limit=1", &[], "");
    assert_eq!(status, 200, "{body}");

    let (rest, status) = run.interrupt();
    assert!(status.success(), "{status}: {rest}");
    assert!(
        rest.contains("interrupted: stopping after 1 polls"),
        "{rest}"
    );
}

/// A free port on the loopback interface (taken back by the OS when the probe closes; the
/// caller binds it right after).
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|probe| probe.local_addr())
        .expect("a free port")
        .port()
}

/// The real SMTP server of `tests/smtp_sink.py` (aiosmtpd), killed when dropped.
struct SmtpSink {
    child: Child,
    port: u16,
    out: tempfile::TempDir,
}

impl SmtpSink {
    /// Refuses the first `refuse` messages, then accepts.
    fn start(refuse: usize) -> SmtpSink {
        let out = tempfile::tempdir().expect("a temporary directory");
        let port = free_port();
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/smtp_sink.py");
        let mut command = Command::new("python3");
        command
            .arg(&script)
            .args(["--port", &port.to_string(), "--refuse", &refuse.to_string()])
            .arg("--out")
            .arg(out.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        // scripts/test.sh installs aiosmtpd beside the model packages.
        if let Some(path) = std::env::var_os("STORYLINE_TEST_PYTHONPATH") {
            command.env("PYTHONPATH", path);
        }
        let mut child = command.spawn().expect("python3 runs");
        let mut ready = String::new();
        let stdout = child.stdout.take().expect("piped stdout");
        let _ = BufReader::new(stdout).read_line(&mut ready);
        if ready.trim() != "ready" {
            let mut stderr = String::new();
            if let Some(mut pipe) = child.stderr.take() {
                let _ = pipe.read_to_string(&mut stderr);
            }
            let _ = child.kill();
            panic!("the SMTP sink did not start: {stderr}");
        }
        SmtpSink { child, port, out }
    }

    fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// The `n`-th accepted message's summary, waiting up to `within`.
    fn message(&self, n: usize, within: Duration) -> serde_json::Value {
        let path = self.out.path().join(format!("message-{n}.json"));
        let deadline = Instant::now() + within;
        while !path.exists() {
            assert!(
                Instant::now() < deadline,
                "no message {n} within {within:?}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        let text = std::fs::read_to_string(&path).expect("the message summary");
        serde_json::from_str(&text).expect("JSON")
    }

    fn refusals(&self) -> usize {
        (1..)
            .take_while(|n| self.out.path().join(format!("refused-{n}")).exists())
            .count()
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The digest as `storyline digest` prints it: the front page's order, each story's opening
/// with its citations resolved under it, its outlet count and its link.
#[test]
fn digest_prints_the_front_page_order_with_citations_and_links() {
    let dir = demo_store();
    let output = storyline(dir.path())
        .args([
            "digest", "--since", "3650d", "--limit", "3", "--format", "text",
        ])
        .env("STORYLINE_PUBLIC_URL", "https://news.example.org/")
        .output()
        .expect("digest runs");
    succeeded(&output);
    let text = String::from_utf8_lossy(&output.stdout).to_string();
    assert!(text.starts_with("Storyline digest, "), "{text}");
    assert!(
        text.contains("The top 3 of 10 stories updated from"),
        "{text}"
    );
    let links: Vec<&str> = text
        .lines()
        .filter_map(|line| line.trim().strip_prefix("Read the brief: "))
        .collect();
    assert_eq!(links.len(), 3, "{text}");
    assert!(
        links
            .iter()
            .all(|link| link.starts_with("https://news.example.org/stories/s")),
        "{links:?}"
    );
    // Every marker in an excerpt has its source listed under the story.
    for story in text
        .split("\n\n")
        .filter(|block| block.contains("Read the brief: "))
    {
        let mut lines = story.lines().skip(1);
        let excerpt = lines.next().expect("an excerpt line");
        let listed: String = story
            .lines()
            .filter(|l| l.trim().starts_with('['))
            .collect();
        for marker in excerpt
            .split('[')
            .skip(1)
            .filter_map(|m| m.split(']').next())
        {
            assert!(
                listed.contains(&format!("[{marker}] ")),
                "[{marker}] unlisted in\n{story}"
            );
        }
        assert!(story.contains(" outlets, "), "{story}");
    }

    // The same order as the front page's ranking (the API's listing).
    let mut server = storyline(dir.path());
    server.args(["serve", "--addr", "127.0.0.1:0"]);
    let mut server = Running::start(server);
    let address = server.serving_address();
    let (status, body) = http(&address, "GET", "/api/stories?limit=3", &[], "");
    assert_eq!(status, 200, "{body}");
    let listing: serde_json::Value = serde_json::from_str(&body).expect("JSON");
    let ranked: Vec<String> = listing["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|item| {
            format!(
                "https://news.example.org/stories/{}",
                item["id"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(links, ranked);
    let (_, status) = server.interrupt();
    assert!(status.success());

    let output = storyline(dir.path())
        .args(["digest", "--since", "yesterday"])
        .output()
        .expect("digest runs");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.starts_with("error: --since \"yesterday\": "),
        "{stderr}"
    );
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
}

/// `storyline run` emails the digest at `digest.at` through a real SMTP server: multipart
/// text + HTML, links that open the story pages on the running server; a server that
/// refuses it leaves polling going and gets it again after the next poll.
#[test]
fn run_emails_the_daily_digest_and_retries_a_refused_one() {
    let sink = SmtpSink::start(1);
    let dir = tempfile::tempdir().expect("a temporary directory");
    let port = free_port();
    let public_url = format!("http://127.0.0.1:{port}");
    // A few seconds from now, so the first poll is under way when it comes.
    let at = (chrono::Utc::now() + chrono::Duration::seconds(3)).format("%H:%M:%S");
    let config = dir.path().join("storyline.toml");
    std::fs::write(
        &config,
        format!(
            "[serve]\npublic_url = \"{public_url}\"\n\n[digest]\nat = \"{at}\"\n\
             to = [\"Reader <reader@example.org>\"]\nfrom = \"Storyline <digest@example.org>\"\n\
             smtp_url = \"{}\"\nsince = \"3650d\"\nlimit = 5\n",
            sink.url()
        ),
    )
    .expect("write the configuration");
    let mut command = storyline(&dir.path().join("data"));
    command
        .arg("--config")
        .arg(&config)
        .args([
            "run",
            "--interval",
            "1",
            "--addr",
            &format!("127.0.0.1:{port}"),
            "--feeds",
        ])
        .arg(corpus().join("feeds.opml"));
    let mut run = Running::start(command);
    let address = run.serving_address();
    assert_eq!(format!("http://{address}"), public_url);
    let message = sink.message(1, Duration::from_secs(120));
    assert_eq!(sink.refusals(), 1, "the first send was refused");
    let sent = run.line_starting("digest of ");
    assert!(
        sent.contains("sent to reader@example.org (5 stories)"),
        "{sent}"
    );

    assert_eq!(
        message["rcpt_tos"],
        serde_json::json!(["reader@example.org"])
    );
    assert_eq!(message["mail_from"], "digest@example.org");
    assert_eq!(message["content_type"], "multipart/alternative");
    let subject = message["subject"].as_str().expect("a subject");
    assert!(subject.starts_with("Storyline digest, "), "{subject}");
    let parts = message["parts"].as_array().expect("parts");
    let part = |kind: &str| {
        parts
            .iter()
            .find(|p| p["type"] == kind)
            .and_then(|p| p["text"].as_str())
            .unwrap_or_else(|| panic!("no {kind} part in {message}"))
            .to_string()
    };
    let (text, html) = (part("text/plain"), part("text/html"));
    assert!(text.contains("The top 5 of 10 stories"), "{text}");
    let story_links: std::collections::BTreeSet<String> = html
        .split("href=\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .filter(|link| link.starts_with(&format!("{public_url}/stories/")))
        .map(str::to_string)
        .collect();
    assert_eq!(story_links.len(), 5, "{html}");
    // The links open the story pages on the server that `run` keeps up.
    for link in &story_links {
        let path = link
            .strip_prefix(&public_url)
            .expect("a link on the public URL");
        let (status, page) = http(&address, "GET", path, &[], "");
        assert_eq!(status, 200, "{link}");
        assert!(
            page.contains("What&#39;s happened") || page.contains("What's happened"),
            "{link}"
        );
        assert!(
            text.contains(link.as_str()),
            "{link} missing from the text part"
        );
    }

    // Polling went on after the refusal and after the send.
    run.line_starting("polled 11 feeds");
    let (rest, status) = run.interrupt();
    assert!(status.success(), "{status}: {rest}");
}
