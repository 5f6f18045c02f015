//! Where log lines go: stderr, with the lines of a serving thread gathered
//! while it works and written in one `write` when it runs out of work.
//!
//! A request log line written on its own costs a `write` system call per
//! request (measured: a quarter of the server's CPU per 1-row request, see
//! bench/results/2026-12-04-request-path.md). tracing-appender's non-blocking
//! writer would batch them on a writer thread, at the price of waking that
//! thread through a channel: the very hand-off the request path avoids. So a
//! tokio worker keeps its lines in a thread-local buffer from its first park
//! on, and the runtime's `on_thread_park` hook ([`flush_this_thread`]) writes
//! them before the thread sleeps; a line never waits longer than the work the
//! thread had in hand. Other threads (the blocking pool, start-up, reloads)
//! write each line at once.

use std::cell::RefCell;
use std::io::Write;

use tracing_subscriber::fmt::MakeWriter;

/// Past this many buffered bytes the lines are written without waiting for a park.
const FLUSH_AT: usize = 16 * 1024;

thread_local! {
    /// `None` on a thread that writes at once.
    static BUFFER: RefCell<Option<Vec<u8>>> = const { RefCell::new(None) };
}

/// Writes this thread's buffered lines, and buffers its later ones (for a
/// runtime's `on_thread_park` and `on_thread_stop` hooks, and the end of a
/// `block_on` that served requests).
pub fn flush_this_thread() {
    let _ = BUFFER.try_with(|buffer| {
        let mut buffer = buffer.borrow_mut();
        match buffer.as_mut() {
            Some(lines) => write_out(lines),
            None => *buffer = Some(Vec::with_capacity(FLUSH_AT)),
        }
    });
}

fn write_out(lines: &mut Vec<u8>) {
    if !lines.is_empty() {
        let _ = std::io::stderr().write_all(lines);
        lines.clear();
    }
}

/// The `MakeWriter` of the log subscriber.
#[derive(Debug, Clone, Copy, Default)]
pub struct LogWriter;

/// One log event's bytes (tracing-subscriber writes an event in one `write_all`).
pub struct EventWriter;

impl<'a> MakeWriter<'a> for LogWriter {
    type Writer = EventWriter;

    fn make_writer(&'a self) -> EventWriter {
        EventWriter
    }
}

impl Write for EventWriter {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        let buffered = BUFFER
            .try_with(|buffer| match buffer.borrow_mut().as_mut() {
                Some(lines) => {
                    lines.extend_from_slice(data);
                    if lines.len() >= FLUSH_AT {
                        write_out(lines);
                    }
                    true
                }
                None => false,
            })
            .unwrap_or(false);
        if !buffered {
            std::io::stderr().write_all(data)?;
        }
        Ok(data.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn buffered() -> Option<usize> {
        BUFFER.with(|b| b.borrow().as_ref().map(Vec::len))
    }

    #[test]
    fn a_thread_buffers_only_after_its_first_park_and_writes_at_each() {
        std::thread::spawn(|| {
            EventWriter.write_all(b"at once\n").unwrap();
            assert_eq!(buffered(), None, "a thread that never parked writes at once");
            flush_this_thread();
            EventWriter.write_all(b"kept\n").unwrap();
            assert_eq!(buffered(), Some(5));
            flush_this_thread();
            assert_eq!(buffered(), Some(0), "written at the park");
        })
        .join()
        .unwrap();
    }
}
