//! ptest's own signals: Ctrl-C (SIGINT), SIGTERM and SIGHUP.
//!
//! A watcher thread ([`watch`]) forwards each signal to the dispatcher as a
//! message, so the dispatcher stays the single owner of run state; what a
//! signal then does is decided here ([`respond`]):
//!
//! * the first stops the run: no unit starts any more, the run is reported
//!   interrupted (`RunEvent::Interrupted`, exit status 130), and every running
//!   group gets SIGTERM, then SIGKILL after the grace period (see
//!   `super::deadline`);
//! * any later one kills every running group at once.
//!
//! SIGHUP (a closed terminal, a dropped ssh session) is handled like
//! SIGTERM: without a handler it would kill ptest before it writes any
//! report. The groups themselves are signalled in [`super::process`].

use super::worker::Msg;
use super::RunError;
use std::sync::mpsc::Sender;

/// The signals ptest handles while it runs.
const HANDLED: [i32; 3] = [libc::SIGINT, libc::SIGTERM, libc::SIGHUP];

/// What a signal does to the run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Response {
    /// The first signal: start nothing more, report the run interrupted,
    /// terminate every running group (SIGTERM, grace, SIGKILL).
    Interrupt,
    /// A later signal: no more patience, kill every running group now.
    Kill,
}

/// What a signal does, given the signal that interrupted the run before it
/// (if any).
pub(super) fn respond(interrupted: Option<i32>) -> Response {
    match interrupted {
        None => Response::Interrupt,
        Some(_) => Response::Kill,
    }
}

/// Starts the watcher thread: it forwards SIGINT, SIGTERM and SIGHUP to the
/// dispatcher as [`Msg::Signal`] until the dispatcher is gone or the
/// returned handle is closed.
pub(super) fn watch(tx: Sender<Msg>) -> Result<signal_hook::iterator::Handle, RunError> {
    let mut signals = signal_hook::iterator::Signals::new(HANDLED).map_err(RunError::Signals)?;
    let handle = signals.handle();
    std::thread::Builder::new()
        .name("ptest-signals".into())
        .spawn(move || {
            for signal in signals.forever() {
                if tx.send(Msg::Signal(signal)).is_err() {
                    break;
                }
            }
        })
        .map_err(RunError::Worker)?;
    Ok(handle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_signal_interrupts_and_a_later_one_kills() {
        assert_eq!(respond(None), Response::Interrupt);
        assert_eq!(respond(Some(libc::SIGINT)), Response::Kill);
        assert_eq!(respond(Some(libc::SIGHUP)), Response::Kill);
    }
}
