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
