//! SIGINT and SIGTERM during a render: stop cleanly instead of dying mid-write.
//!
//! The signals are blocked in every thread (the mask is set before any other thread
//! starts, and threads inherit it) and taken by one thread waiting in `sigwait(2)`, so
//! no handler runs in the middle of other code: the waiting thread only sets a flag the
//! run checks between records and between files. A second signal ends the process at
//! once, for an operator who does not want to wait; the folder is marked interrupted
//! from the start of the run either way.

use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};
use std::sync::Arc;

/// The signal that stopped the run, once one has.
#[derive(Clone)]
pub(super) struct Stop {
    /// Set on the first signal; the batch checks it.
    pub(super) flag: Arc<AtomicBool>,
    signal: Arc<AtomicI32>,
}

impl Stop {
    /// The exit status of a process stopped by the signal (128 + its number), and its name.
    pub(super) fn received(&self) -> Option<(u8, &'static str)> {
        match self.signal.load(Ordering::SeqCst) {
            libc::SIGINT => Some((128 + libc::SIGINT as u8, "SIGINT")),
            libc::SIGTERM => Some((128 + libc::SIGTERM as u8, "SIGTERM")),
            _ => None,
        }
    }
}

/// Blocks SIGINT and SIGTERM in this and every later thread, and starts the thread that
/// waits for them. Call before any other thread is started.
pub(super) fn stop_on_signals() -> Stop {
    let stop = Stop {
        flag: Arc::new(AtomicBool::new(false)),
        signal: Arc::new(AtomicI32::new(0)),
    };
    // SAFETY: sigset_t is plain data, initialised by sigemptyset before use; the mask
    // change affects only signal delivery.
    let set = unsafe {
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        libc::sigaddset(&mut set, libc::SIGINT);
        libc::sigaddset(&mut set, libc::SIGTERM);
        libc::pthread_sigmask(libc::SIG_BLOCK, &set, std::ptr::null_mut());
        set
    };
    let waiting = stop.clone();
    std::thread::spawn(move || loop {
        let mut signal = 0;
        // SAFETY: `set` is a valid, initialised signal set; sigwait writes one int.
        if unsafe { libc::sigwait(&set, &mut signal) } != 0 {
            continue;
        }
        if waiting.signal.swap(signal, Ordering::SeqCst) != 0 {
            std::process::exit(128 + signal);
        }
        waiting.flag.store(true, Ordering::SeqCst);
        eprintln!(
            "stopping cleanly: the folder will be left resumable (a second signal stops at once)"
        );
    });
    stop
}
