//! Signals: holding SIGINT, SIGTERM and SIGHUP back over a short window,
//! catching them during a long copy so that it can clean up and then die
//! of the signal, and ignoring SIGPIPE.
//!
//! Calls: `pthread_sigmask`, `sigaction`, `signal`, `raise` (POSIX).

/// While alive, SIGINT, SIGTERM and SIGHUP are held back from this thread;
/// they are delivered when it is dropped. Wraps the short window in which a
/// staging name exists, so that no signal can leave it behind.
pub struct HoldSignals {
    old: libc::sigset_t,
}

/// Hold SIGINT, SIGTERM and SIGHUP until the guard is dropped.
///
/// # References
/// - [POSIX `pthread_sigmask`](https://pubs.opengroup.org/onlinepubs/9799919799/functions/pthread_sigmask.html)
pub fn hold_signals() -> HoldSignals {
    // SAFETY: sigset_t is plain data, initialised by sigemptyset before use;
    // pthread_sigmask only reads `set` and writes `old`.
    unsafe {
        let mut set: libc::sigset_t = std::mem::zeroed();
        let mut old: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        for sig in [libc::SIGINT, libc::SIGTERM, libc::SIGHUP] {
            libc::sigaddset(&mut set, sig);
        }
        libc::pthread_sigmask(libc::SIG_BLOCK, &set, &mut old);
        HoldSignals { old }
    }
}

impl Drop for HoldSignals {
    fn drop(&mut self) {
        // SAFETY: restores the mask saved by hold_signals.
        unsafe {
            libc::pthread_sigmask(libc::SIG_SETMASK, &self.old, std::ptr::null_mut());
        }
    }
}

static CAUGHT: std::sync::atomic::AtomicI32 = std::sync::atomic::AtomicI32::new(0);

#[cfg(feature = "cli")]
extern "C" fn note_signal(sig: libc::c_int) {
    CAUGHT.store(sig, std::sync::atomic::Ordering::SeqCst);
}

#[cfg(feature = "cli")]
/// From now on, SIGINT, SIGTERM and SIGHUP only set a flag
/// ([`caught_signal`]), so a long copy can stop at its next step, remove
/// what it staged, and then die of the signal with [`reraise`].
///
/// # References
/// - [POSIX `sigaction`](https://pubs.opengroup.org/onlinepubs/9799919799/functions/sigaction.html)
pub fn catch_signals() {
    for sig in [libc::SIGINT, libc::SIGTERM, libc::SIGHUP] {
        // SAFETY: the handler only stores to an atomic, which is
        // async-signal-safe; sigaction is given a fully initialised struct.
        unsafe {
            let mut old: libc::sigaction = std::mem::zeroed();
            libc::sigaction(sig, std::ptr::null(), &mut old);
            if old.sa_sigaction == libc::SIG_IGN {
                continue; // ignored by our parent (nohup): keep it so
            }
            let mut sa: libc::sigaction = std::mem::zeroed();
            sa.sa_sigaction = note_signal as extern "C" fn(libc::c_int) as libc::sighandler_t;
            libc::sigemptyset(&mut sa.sa_mask);
            libc::sigaction(sig, &sa, std::ptr::null_mut());
        }
    }
}

/// The signal caught since [`catch_signals`], if any.
pub fn caught_signal() -> Option<i32> {
    match CAUGHT.load(std::sync::atomic::Ordering::SeqCst) {
        0 => None,
        sig => Some(sig),
    }
}

#[cfg(feature = "cli")]
/// Die of `sig` as if it had not been caught, so the parent sees the
/// signal in the exit status.
pub fn reraise(sig: i32) -> ! {
    // SAFETY: resetting a disposition and raising are plain libc calls.
    unsafe {
        libc::signal(sig, libc::SIG_DFL);
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        libc::sigaddset(&mut set, sig);
        libc::pthread_sigmask(libc::SIG_UNBLOCK, &set, std::ptr::null_mut());
        libc::raise(sig);
    }
    std::process::exit(128 + sig)
}

#[cfg(feature = "cli")]
/// Ignore SIGPIPE, so that a closed standard output (`pmv -v ... | head`)
/// makes writes fail quietly instead of killing the process between two
/// moves.
pub fn ignore_sigpipe() {
    // SAFETY: setting a signal's disposition to SIG_IGN.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_IGN);
    }
}
