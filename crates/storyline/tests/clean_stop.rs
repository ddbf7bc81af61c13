//! Clean stops, checked: SIGTERM (what systemd and container runtimes send) during an
//! import, during a knowledge-base import, during a poll of slow feeds and to a server under
//! load. Each
//! process exits 0 within 10 seconds, `storyline check` finds the store sound, and running
//! again finishes the work: every article stored exactly once, none lost.
//!
//! The input is invented news written here (`store_support::corpus`), served by a local HTTP
//! server that answers each request after a delay, as a remote site would.

mod cli_support;
mod store_support;

use cli_support::ok;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};
use store_support::{
    Stores, Target, corpus, output, serve_dir, storyline, subscribe, write_feeds, write_jsonl,
};

/// What a stop may take, as a service manager allows between SIGTERM and SIGKILL.
const STOP_WITHIN: Duration = Duration::from_secs(10);

/// Kills the process with SIGKILL when dropped, so a failing test leaves no server or
/// poller running (harmless once the process has exited and been waited for).
struct Reaper(u32);

impl Reaper {
    /// The process exited and was waited for: its id may be another's by now.
    fn disarm(self) {
        std::mem::forget(self);
    }
}

impl Drop for Reaper {
    fn drop(&mut self) {
        let _ = std::process::Command::new("kill")
            .args(["-KILL", &self.0.to_string()])
            .stderr(Stdio::null())
            .status();
    }
}

fn terminate(child: &Child) {
    let sent = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(sent.success());
}

/// Sends SIGTERM and waits for the exit: status 0 within [`STOP_WITHIN`]. Returns stdout.
fn terminate_and_wait(child: Child) -> String {
    terminate(&child);
    wait_for_clean_exit(child)
}

/// Waits, for at most [`STOP_WITHIN`], for a child sent SIGTERM to exit 0. Returns stdout.
fn wait_for_clean_exit(mut child: Child) -> String {
    let asked = Instant::now();
    loop {
        if let Some(status) = child.try_wait().expect("the child's state") {
            let mut stdout = String::new();
            let mut stderr = String::new();
            child
                .stdout
                .take()
                .map(|mut s| s.read_to_string(&mut stdout));
            child
                .stderr
                .take()
                .map(|mut s| s.read_to_string(&mut stderr));
            assert!(
                status.success(),
                "{status} after SIGTERM:\n{stdout}\n{stderr}"
            );
            return stdout;
        }
        assert!(
            asked.elapsed() < STOP_WITHIN,
            "still running {STOP_WITHIN:?} after SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// `command` fetching from the local server: private addresses allowed, no pause between
/// requests to one host, two at a time.
fn fetching(mut command: std::process::Command) -> std::process::Command {
    command
        .env("STORYLINE_FETCH_ALLOW_PRIVATE_ADDRESSES", "true")
        .env("STORYLINE_FETCH_PER_HOST_INTERVAL_MS", "0")
        .env("STORYLINE_FETCH_CONCURRENCY", "2");
    command
}

fn articles(target: &Target) -> u64 {
    target.open().counts().expect("counts").articles
}

#[test]
fn sigterm_during_an_import_stores_what_was_read_and_exits_0() {
    let dir = tempfile::tempdir().unwrap();
    let mut stores = Stores::sqlite(dir.path());
    let target = stores.fresh("import");
    // Ten invented archives of some 900 reports each, so that the import is still reading
    // when the stop comes.
    let items: Vec<_> = (0..10u64)
        .flat_map(|part| {
            corpus(300, 11 + part).into_iter().map(move |mut item| {
                item.url = item
                    .url
                    .replace("news.example/", &format!("news.example/{part}/"));
                item
            })
        })
        .collect();
    let input = dir.path().join("input.jsonl");
    write_jsonl(&items, &input);
    let child = storyline(&target, &["import", input.to_str().unwrap()])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the import starts");
    let reaper = Reaper(child.id());
    // Stopped once it has stored some but not all.
    let started = Instant::now();
    while articles(&target) == 0 && started.elapsed() < Duration::from_secs(60) {
        std::thread::sleep(Duration::from_millis(20));
    }
    let said = terminate_and_wait(child);
    reaper.disarm();
    assert!(said.contains("interrupted after"), "{said}");
    ok(&output(storyline(&target, &["check"])));
    let stored = articles(&target);
    assert!(stored > 0 && stored < items.len() as u64, "{stored} stored");
    // Importing again finishes: every article once, each in a story.
    let again = ok(&output(storyline(
        &target,
        &["import", input.to_str().unwrap()],
    )));
    ok(&output(storyline(&target, &["check"])));
    assert_eq!(articles(&target), items.len() as u64, "{again}");
    let store = target.open();
    for item in items.iter().step_by(97) {
        let id = storyline_model::ArticleId::from_url(&item.url);
        assert!(
            store.story_of_article(&id).expect("membership").is_some(),
            "{id}"
        );
    }
}

#[test]
fn sigterm_during_a_poll_of_slow_feeds_stores_what_was_read_and_exits_0() {
    let dir = tempfile::tempdir().unwrap();
    let mut stores = Stores::sqlite(dir.path());
    let target = stores.fresh("run");
    let items = corpus(60, 23);
    let site = dir.path().join("site");
    std::fs::create_dir_all(&site).unwrap();
    // Each answer takes 100 ms, two at a time: the poll's 190-odd requests take far longer
    // than the wait below.
    let base = serve_dir(site.clone(), Duration::from_millis(100));
    let feeds = write_feeds(&items, &site, Some(&base));
    subscribe(&target, &feeds);
    let child = fetching(storyline(
        &target,
        &["run", "--no-serve", "--interval", "3600"],
    ))
    .stdout(Stdio::piped())
    .stderr(Stdio::piped())
    .spawn()
    .expect("run starts");
    let reaper = Reaper(child.id());
    std::thread::sleep(Duration::from_secs(2));
    let said = terminate_and_wait(child);
    reaper.disarm();
    assert!(said.contains("interrupted"), "{said}");
    ok(&output(storyline(&target, &["check"])));
    let stored = articles(&target);
    assert!(
        stored < items.len() as u64,
        "the poll finished before the stop: {stored}"
    );
    // The next poll reads what this one left: every article once.
    let fetched = ok(&output(fetching(storyline(&target, &["fetch"]))));
    ok(&output(storyline(&target, &["check"])));
    assert_eq!(articles(&target), items.len() as u64, "{fetched}");
}

#[test]
fn sigterm_to_a_server_answers_the_request_in_flight_and_exits_0() {
    let dir = tempfile::tempdir().unwrap();
    let mut stores = Stores::sqlite(dir.path());
    let target = stores.fresh("serve");
    let input = dir.path().join("input.jsonl");
    write_jsonl(&corpus(20, 3), &input);
    ok(&output(storyline(
        &target,
        &["import", input.to_str().unwrap()],
    )));
    let mut child = storyline(&target, &["serve", "--addr", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("serve starts");
    let reaper = Reaper(child.id());
    // "Serving http://127.0.0.1:PORT (...)" is its first line.
    let mut stdout = child.stdout.take().unwrap();
    let mut first = Vec::new();
    let mut byte = [0u8];
    while stdout.read(&mut byte).unwrap() == 1 && byte[0] != b'\n' {
        first.push(byte[0]);
    }
    let first = String::from_utf8(first).unwrap();
    let address = first
        .split_whitespace()
        .nth(1)
        .and_then(|url| url.strip_prefix("http://"))
        .map(|host| host.trim_end_matches('/'))
        .unwrap_or_else(|| panic!("{first}"))
        .to_string();
    // Under load: eight clients asking one after another until the server is gone. Every
    // request the server took is answered whole; after the last answer it exits 0.
    let signalled = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let clients: Vec<_> = (0..8)
        .map(|_| {
            let (address, signalled) = (address.clone(), std::sync::Arc::clone(&signalled));
            std::thread::spawn(move || {
                let (mut answered, mut answered_after_signal) = (0, 0);
                loop {
                    let after_signal = signalled.load(std::sync::atomic::Ordering::SeqCst);
                    match request(&address) {
                        Some(answer) => {
                            assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
                            answered += 1;
                            answered_after_signal += usize::from(after_signal);
                        }
                        None => return (answered, answered_after_signal),
                    }
                }
            })
        })
        .collect();
    std::thread::sleep(Duration::from_millis(500));
    // Set just before the signal: the requests counted after it were sent while the stop
    // was coming.
    signalled.store(true, std::sync::atomic::Ordering::SeqCst);
    terminate(&child);
    child.stdout = Some(stdout);
    let said = wait_for_clean_exit(child);
    reaper.disarm();
    assert!(said.contains("stopping"), "{said}");
    let (answered, after_signal) = clients
        .into_iter()
        .map(|client| client.join().expect("a client thread"))
        .fold((0, 0), |(a, b), (c, d)| (a + c, b + d));
    assert!(
        answered > 0 && after_signal > 0,
        "{answered} answered, {after_signal} sent as SIGTERM came"
    );
}

/// One `GET /api/stories` on a fresh connection: the whole answer, its body as long as its
/// `Content-Length` says; `None` when the server took no request (refused, or closed the
/// connection before answering a byte).
fn request(address: &str) -> Option<String> {
    let mut stream = TcpStream::connect(address).ok()?;
    let head = format!(
        "GET /api/stories?limit=3 HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n"
    );
    stream.write_all(head.as_bytes()).ok()?;
    let mut answer = Vec::new();
    let read = stream.read_to_end(&mut answer);
    if answer.is_empty() {
        return None;
    }
    read.expect("an answer begun is finished");
    let answer = String::from_utf8(answer).expect("UTF-8");
    let (head, body) = answer.split_once("\r\n\r\n").expect("a head and a body");
    let length: usize = head
        .lines()
        .find_map(|line| {
            line.to_ascii_lowercase()
                .strip_prefix("content-length: ")
                .map(str::to_string)
        })
        .and_then(|value| value.trim().parse().ok())
        .expect("a Content-Length");
    assert_eq!(body.len(), length, "a cut answer: {answer}");
    Some(answer)
}

#[test]
fn sigterm_during_a_knowledge_base_import_stores_what_was_read_and_exits_0() {
    let dir = tempfile::tempdir().unwrap();
    let mut stores = Stores::sqlite(dir.path());
    let target = stores.fresh("kb");
    // Invented people and places, enough that the import is still reading when the stop
    // comes.
    let entries = 100_000;
    let dump = dir.path().join("people.jsonl");
    let lines: Vec<String> = (0..entries)
        .map(|n| {
            serde_json::json!({
                "id": format!("inv-{n}"),
                "name": format!("Harbourmaster Number {n}"),
                "description": format!("Invented harbourmaster of port {n}"),
                "kind": "person",
                "language": "en",
            })
            .to_string()
        })
        .collect();
    std::fs::write(&dump, lines.join("\n")).unwrap();
    let child = storyline(&target, &["kb", "import", dump.to_str().unwrap()])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the import starts");
    let reaper = Reaper(child.id());
    let kb_count = || target.open().kb_count().expect("the count");
    let started = Instant::now();
    while kb_count() == 0 && started.elapsed() < Duration::from_secs(60) {
        std::thread::sleep(Duration::from_millis(20));
    }
    let said = terminate_and_wait(child);
    reaper.disarm();
    assert!(said.contains("interrupted after"), "{said}");
    ok(&output(storyline(&target, &["check"])));
    let stored = kb_count();
    assert!(stored > 0 && stored < entries, "{stored} stored");
    // Importing again finishes it.
    ok(&output(storyline(
        &target,
        &["kb", "import", dump.to_str().unwrap()],
    )));
    assert_eq!(kb_count(), entries);
}
