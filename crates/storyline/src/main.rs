//! The `storyline` binary: parses the command line, loads the configuration, opens the
//! store and runs one subcommand. Errors from any layer end here as one line on stderr and
//! exit code 1 (2 for usage errors, from clap); a reader that went away
//! (`storyline stories | head -1`) ends a command quietly with exit code 0.

mod cli;
mod commands;
mod config;
mod digest;
mod output;
mod progress;

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    init_logging(cli.verbose, cli.quiet);
    storyline_fetch::install_crypto_provider();
    if cli.command.stops_cleanly()
        && let Err(err) = install_stop_signals()
    {
        output::errln!("warning: cannot handle SIGTERM and Ctrl-C ({err}): they stop at once");
    }
    match commands::run(cli).and_then(|()| Ok(output::flush_stdout()?)) {
        Ok(()) => ExitCode::SUCCESS,
        // The reader left (`| head -1`): stop without a word, as a program that SIGPIPE
        // ends would.
        Err(err) if output::stdout_error(&err).is_some_and(|e| e.is_closed_pipe()) => {
            ExitCode::SUCCESS
        }
        Err(err) => {
            // One line: the whole cause chain, outermost first.
            let chain: Vec<String> = err.chain().map(|e| e.to_string()).collect();
            output::errln!("error: {}", chain.join(": "));
            ExitCode::FAILURE
        }
    }
}

/// SIGTERM (what systemd and container runtimes send) and SIGINT (Ctrl-C) ask the command to
/// stop cleanly ([`storyline_pipeline::stop`]): it finishes the unit of work in hand, stores
/// it, and exits 0. A second one while it finishes ends the process at once (exit 1).
fn install_stop_signals() -> std::io::Result<()> {
    use signal_hook::consts::{SIGINT, SIGTERM};
    use signal_hook::flag;
    let stop = storyline_pipeline::stop::flag();
    for signal in [SIGTERM, SIGINT] {
        // In this order: the shutdown fires only when the flag is already set, that is, on
        // the second signal.
        flag::register_conditional_shutdown(signal, 1, std::sync::Arc::clone(&stop))?;
        flag::register(signal, std::sync::Arc::clone(&stop))?;
    }
    Ok(())
}

fn init_logging(verbose: u8, quiet: bool) {
    let default = match (quiet, verbose) {
        (true, _) => "error",
        (false, 0) => "warn",
        (false, 1) => "info",
        (false, _) => "debug",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("STORYLINE_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false)
        .try_init();
}
