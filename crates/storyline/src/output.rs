//! Writing to stdout and stderr without panicking. `println!` panics when the reader has
//! gone away (`storyline stories | head -1`: Rust ignores SIGPIPE, so the write fails with
//! EPIPE). [`outln!`] and [`out!`] return the failure as a [`StdoutError`] for the command to
//! pass up, and `main` ends quietly, with exit code 0, when it is a closed pipe.
//! [`errln!`] and [`errout!`] drop a failure: warnings with nowhere to go
//! (`storyline fetch 2>&1 | head -1`) must not stop the work, and the next write to stdout
//! ends it anyway.

use std::fmt;
use std::io::{self, Write};

/// A failed write to stdout. Kept apart from other I/O errors so that a broken pipe
/// elsewhere (a socket, a FIFO named by `--output`) is still reported as an error.
#[derive(Debug)]
pub struct StdoutError(pub io::Error);

impl StdoutError {
    /// Whether the reader went away, which ends a command quietly.
    pub fn is_closed_pipe(&self) -> bool {
        self.0.kind() == io::ErrorKind::BrokenPipe
    }
}

impl fmt::Display for StdoutError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("cannot write to stdout")
    }
}

impl std::error::Error for StdoutError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.0)
    }
}

/// Where a command writes its result lines: the file at `path` (created), or stdout. A
/// failed write is reported through [`LineOutput::failed`]: a closed stdout ends the command
/// quietly ([`StdoutError`]), a file that fails is an error naming it.
pub struct LineOutput {
    pub writer: io::BufWriter<Box<dyn Write>>,
    path: Option<std::path::PathBuf>,
}

impl LineOutput {
    pub fn open(path: Option<&std::path::Path>) -> anyhow::Result<Self> {
        let out: Box<dyn Write> = match path {
            Some(path) => Box::new(std::fs::File::create(path).map_err(|err| {
                anyhow::Error::new(err).context(format!("cannot create {}", path.display()))
            })?),
            None => Box::new(io::stdout().lock()),
        };
        Ok(LineOutput {
            writer: io::BufWriter::new(out),
            path: path.map(std::path::Path::to_path_buf),
        })
    }

    /// The command's error for a failed write.
    pub fn failed(&self, err: io::Error) -> anyhow::Error {
        match &self.path {
            Some(path) => {
                anyhow::Error::new(err).context(format!("cannot write {}", path.display()))
            }
            None => StdoutError(err).into(),
        }
    }

    /// Writes one line.
    pub fn line(&mut self, line: impl fmt::Display) -> anyhow::Result<()> {
        let written = writeln!(self.writer, "{line}");
        written.map_err(|err| self.failed(err))
    }

    /// Flushes what is buffered.
    pub fn finish(mut self) -> anyhow::Result<()> {
        let flushed = self.writer.flush();
        flushed.map_err(|err| self.failed(err))
    }
}

/// The failed write to stdout in an error's chain, if any.
pub fn stdout_error(err: &anyhow::Error) -> Option<&StdoutError> {
    err.chain()
        .find_map(|cause| cause.downcast_ref::<StdoutError>())
}

/// Writes to stdout, a line when `newline`; both parts under one lock, so lines written by
/// several threads do not interleave.
pub fn write_stdout(args: fmt::Arguments<'_>, newline: bool) -> Result<(), StdoutError> {
    let mut out = io::stdout().lock();
    out.write_fmt(args)
        .and_then(|()| {
            if newline {
                out.write_all(b"\n")
            } else {
                Ok(())
            }
        })
        .map_err(StdoutError)
}

/// Writes out what stdout still buffers (a last line without a newline): at exit, std
/// flushes it too but drops any failure.
pub fn flush_stdout() -> Result<(), StdoutError> {
    io::stdout().lock().flush().map_err(StdoutError)
}

/// Writes to stderr, dropping a failure.
pub fn write_stderr(args: fmt::Arguments<'_>, newline: bool) {
    let mut err = io::stderr().lock();
    let _ = err.write_fmt(args).and_then(|()| {
        if newline {
            err.write_all(b"\n")
        } else {
            Ok(())
        }
    });
}

/// `println!` that returns `Result<(), StdoutError>` instead of panicking.
macro_rules! outln {
    () => {
        $crate::output::write_stdout(format_args!(""), true)
    };
    ($($arg:tt)*) => {
        $crate::output::write_stdout(format_args!($($arg)*), true)
    };
}

/// `print!` that returns `Result<(), StdoutError>` instead of panicking.
macro_rules! out {
    ($($arg:tt)*) => {
        $crate::output::write_stdout(format_args!($($arg)*), false)
    };
}

/// `eprintln!` that never panics.
macro_rules! errln {
    () => {
        $crate::output::write_stderr(format_args!(""), true)
    };
    ($($arg:tt)*) => {
        $crate::output::write_stderr(format_args!($($arg)*), true)
    };
}

/// `eprint!` that never panics.
macro_rules! errout {
    ($($arg:tt)*) => {
        $crate::output::write_stderr(format_args!($($arg)*), false)
    };
}

pub(crate) use {errln, errout, out, outln};
