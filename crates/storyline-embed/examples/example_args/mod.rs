//! Argument helpers shared by the embedding examples.

/// Prints `error: message` and exits with status 1.
pub fn fail(message: String) -> ! {
    eprintln!("error: {message}");
    std::process::exit(1)
}

/// The count after `name` in `args`, or `default` when the flag is absent.
pub fn flag(args: &[String], name: &str, default: usize) -> usize {
    args.iter()
        .position(|a| a == name)
        .and_then(|at| args.get(at + 1))
        .map_or(default, |value| {
            value
                .parse()
                .unwrap_or_else(|_| fail(format!("{name} {value}: not a count")))
        })
}
