//! How well outlet names are read from hosts alone ([`storyline_model::name_from_host`]):
//! over a table of hosts and the names their outlets use, the share given a name, and how
//! many of those agree with the outlet's own name (compared loosely: case, spaces,
//! punctuation and a leading "The" ignored). The bundled outlet table is the default input:
//! none of its names were used to build the reader, so it is a fair test of it.
//!
//! usage: host_names [TABLE.tsv] [--list]  (host TAB name per line, `#` comments; `--list`
//! prints every disagreement)

use storyline_model::{name_from_host, name_key};

fn main() {
    let mut path = None;
    let mut list = false;
    for arg in std::env::args().skip(1) {
        match arg.as_str() {
            "--list" => list = true,
            _ => path = Some(arg),
        }
    }
    let bundled = include_str!("../data/outlets.tsv");
    let text = match &path {
        Some(path) => std::fs::read_to_string(path).unwrap_or_else(|e| {
            eprintln!("error: cannot read {path}: {e}");
            std::process::exit(1)
        }),
        None => bundled.to_string(),
    };
    let (mut rows, mut named, mut agreed) = (0usize, 0usize, 0usize);
    let mut disagreements = Vec::new();
    for line in text.lines() {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let mut columns = line.split('\t');
        let (Some(host), Some(name)) = (columns.next(), columns.next()) else {
            continue;
        };
        rows += 1;
        let Some(read) = name_from_host(host) else {
            continue;
        };
        named += 1;
        if name_key(&read) == name_key(name) {
            agreed += 1;
        } else {
            disagreements.push(format!("{host}\t{read}\t(outlet: {name})"));
        }
    }
    let share = |n: usize, of: usize| 100.0 * n as f64 / of.max(1) as f64;
    println!(
        "{}: {rows} hosts; named {named} ({:.1}%); of those, {agreed} agree with the outlet's own name ({:.1}%), {} differ",
        path.as_deref().unwrap_or("bundled outlet table"),
        share(named, rows),
        share(agreed, named),
        disagreements.len()
    );
    if list {
        for line in disagreements {
            println!("  {line}");
        }
    }
}
