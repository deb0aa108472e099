//! Diagnostics in GNU's form: `prog: message: reason`.

use std::ffi::OsStr;
use std::fmt;
use std::io::{self, Write};
use std::sync::Mutex;

use crate::quote::quote;

/// The text `strerror` gives for `err`, without Rust's ` (os error N)`.
pub fn strerror(err: &io::Error) -> String {
    #[cfg(all(target_os = "linux", target_env = "musl"))]
    if let Some(text) = err.raw_os_error().and_then(glibc_text) {
        return text.to_string();
    }
    let text = err.to_string();
    match (err.raw_os_error(), text.rfind(" (os error ")) {
        (Some(_), Some(at)) => text[..at].to_string(),
        _ => text,
    }
}

/// glibc's wording of the errors that musl words otherwise (`EXDEV`:
/// "Invalid cross-device link", not "Cross-device link"): GNU mv on Linux
/// speaks glibc's, so a static musl pmv does too.
#[cfg(all(target_os = "linux", target_env = "musl"))]
fn glibc_text(errno: i32) -> Option<&'static str> {
    Some(match errno {
        libc::EIO => "Input/output error",
        libc::ECHILD => "No child processes",
        libc::ENOMEM => "Cannot allocate memory",
        libc::EBUSY => "Device or resource busy",
        libc::EXDEV => "Invalid cross-device link",
        libc::EMFILE => "Too many open files",
        libc::ENOTTY => "Inappropriate ioctl for device",
        libc::ESPIPE => "Illegal seek",
        libc::EDOM => "Numerical argument out of domain",
        libc::ERANGE => "Numerical result out of range",
        libc::EDEADLK => "Resource deadlock avoided",
        libc::ENAMETOOLONG => "File name too long",
        libc::ELOOP => "Too many levels of symbolic links",
        libc::ECHRNG => "Channel number out of range",
        libc::EL2NSYNC => "Level 2 not synchronized",
        libc::EL3HLT => "Level 3 halted",
        libc::EL3RST => "Level 3 reset",
        libc::ELNRNG => "Link number out of range",
        libc::EUNATCH => "Protocol driver not attached",
        libc::ENOCSI => "No CSI structure available",
        libc::EL2HLT => "Level 2 halted",
        libc::EBADE => "Invalid exchange",
        libc::EBADR => "Invalid request descriptor",
        libc::EXFULL => "Exchange full",
        libc::ENOANO => "No anode",
        libc::EBADRQC => "Invalid request code",
        libc::EBADSLT => "Invalid slot",
        libc::EBFONT => "Bad font file format",
        libc::ETIME => "Timer expired",
        libc::ENONET => "Machine is not on the network",
        libc::ENOPKG => "Package not installed",
        libc::EREMOTE => "Object is remote",
        libc::EADV => "Advertise error",
        libc::ESRMNT => "Srmount error",
        libc::ECOMM => "Communication error on send",
        libc::EDOTDOT => "RFS specific error",
        libc::EOVERFLOW => "Value too large for defined data type",
        libc::ENOTUNIQ => "Name not unique on network",
        libc::EREMCHG => "Remote address changed",
        libc::ELIBACC => "Can not access a needed shared library",
        libc::ELIBBAD => "Accessing a corrupted shared library",
        libc::ELIBSCN => ".lib section in a.out corrupted",
        libc::ELIBMAX => "Attempting to link in too many shared libraries",
        libc::ELIBEXEC => "Cannot exec a shared library directly",
        libc::EILSEQ => "Invalid or incomplete multibyte or wide character",
        libc::ERESTART => "Interrupted system call should be restarted",
        libc::ESTRPIPE => "Streams pipe error",
        libc::EUSERS => "Too many users",
        libc::ENOTSOCK => "Socket operation on non-socket",
        libc::EMSGSIZE => "Message too long",
        libc::EOPNOTSUPP => "Operation not supported",
        libc::EADDRINUSE => "Address already in use",
        libc::EADDRNOTAVAIL => "Cannot assign requested address",
        libc::ENETUNREACH => "Network is unreachable",
        libc::ENETRESET => "Network dropped connection on reset",
        libc::ECONNABORTED => "Software caused connection abort",
        libc::EISCONN => "Transport endpoint is already connected",
        libc::ENOTCONN => "Transport endpoint is not connected",
        libc::ESHUTDOWN => "Cannot send after transport endpoint shutdown",
        libc::ETOOMANYREFS => "Too many references: cannot splice",
        libc::ETIMEDOUT => "Connection timed out",
        libc::EHOSTUNREACH => "No route to host",
        libc::EINPROGRESS => "Operation now in progress",
        libc::EUCLEAN => "Structure needs cleaning",
        libc::ENOTNAM => "Not a XENIX named type file",
        libc::ENAVAIL => "No XENIX semaphores available",
        libc::EISNAM => "Is a named type file",
        libc::EDQUOT => "Disk quota exceeded",
        libc::EOWNERDEAD => "Owner died",
        libc::ERFKILL => "Operation not possible due to RF-kill",
        libc::EHWPOISON => "Memory page has hardware error",
        _ => return None,
    })
}

/// One failure, worded as GNU words it: a message, then the system's reason
/// if there is one.
#[derive(Debug)]
pub struct Error {
    message: String,
    cause: Option<io::Error>,
    kind: Kind,
}

/// The failures a caller of the library tells apart from the rest.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Kind {
    /// Any other failure.
    #[default]
    Other,
    /// SOURCE changed, or was replaced, while it was being moved.
    Changed,
    /// The step that would be needed is not atomic, and atomicity was
    /// required.
    NotAtomic,
    /// A directory would be moved into itself.
    IntoItself,
}

impl Error {
    /// A failure with no system reason.
    pub fn msg(message: impl Into<String>) -> Self {
        Error {
            message: message.into(),
            cause: None,
            kind: Kind::Other,
        }
    }

    /// A failure caused by `cause`.
    pub fn io(message: impl Into<String>, cause: io::Error) -> Self {
        Error {
            message: message.into(),
            cause: Some(cause),
            kind: Kind::Other,
        }
    }

    /// SOURCE changed, or was replaced, while it was being moved.
    pub fn changed(message: impl Into<String>) -> Self {
        Error {
            kind: Kind::Changed,
            ..Error::msg(message)
        }
    }

    /// A step that is not atomic was refused.
    pub fn not_atomic(message: impl Into<String>) -> Self {
        Error {
            kind: Kind::NotAtomic,
            ..Error::msg(message)
        }
    }

    /// A directory would be moved into itself.
    pub fn into_itself(message: impl Into<String>) -> Self {
        Error {
            kind: Kind::IntoItself,
            ..Error::msg(message)
        }
    }

    /// Which kind of failure this is.
    pub fn kind(&self) -> Kind {
        self.kind
    }

    /// The message and the system's reason, if there is one.
    pub fn into_parts(self) -> (String, Option<io::Error>) {
        (self.message, self.cause)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.cause {
            Some(cause) => write!(f, "{}: {}", self.message, strerror(cause)),
            None => f.write_str(&self.message),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.cause.as_ref().map(|e| e as _)
    }
}

/// Shorthand for [`quote`] on anything path-like.
pub fn q(name: impl AsRef<OsStr>) -> String {
    quote(name.as_ref())
}

/// Runs a write to the terminal, for a display that holds a line there
/// (the progress bar): it clears its line, lets the write happen, and
/// draws the line again below it.
pub(crate) type Around = Box<dyn Fn(&mut dyn FnMut()) + Send>;

/// The display on the terminal, if any, and whether stdout is that
/// terminal too.
static AROUND: Mutex<Option<(Around, bool)>> = Mutex::new(None);

#[cfg(feature = "cli")]
/// While `around` is set, the lines this module writes to stderr (and to
/// stdout, if `stdout_too`) go through it.
pub(crate) fn set_around(around: Option<Around>, stdout_too: bool) {
    let mut held = AROUND.lock().unwrap_or_else(|e| e.into_inner());
    *held = around.map(|a| (a, stdout_too));
}

fn write_around(stdout: bool, write: &mut dyn FnMut()) {
    let held = AROUND.lock().unwrap_or_else(|e| e.into_inner());
    match &*held {
        Some((around, stdout_too)) if !stdout || *stdout_too => around(write),
        _ => write(),
    }
}

#[cfg(feature = "cli")]
/// Writes `prog: message` to stderr.
pub fn error(prog: &str, message: impl fmt::Display) {
    write_around(false, &mut || {
        let _ = writeln!(io::stderr().lock(), "{prog}: {message}");
    });
}

#[cfg(feature = "cli")]
/// Writes a usage error the way GNU does: the message, then where to get
/// help.
pub fn usage_error(prog: &str, message: impl fmt::Display) {
    let mut err = io::stderr().lock();
    let _ = writeln!(err, "{prog}: {message}");
    let _ = writeln!(err, "Try '{prog} --help' for more information.");
}

/// Writes a line to stdout; a closed stdout (`pmv -v ... | head`) is not an
/// error, so a failed write is dropped.
pub fn out(line: impl fmt::Display) {
    write_around(true, &mut || {
        let _ = writeln!(io::stdout().lock(), "{line}");
    });
}

#[cfg(feature = "cli")]
/// Prints `prompt` on stderr and reads a yes/no answer from stdin, as GNU's
/// `yesno`: an answer starting with `y` or `Y` is yes, anything else
/// (end of input included) is no.
pub fn yes(prompt: &str) -> bool {
    use std::io::BufRead;
    let mut err = io::stderr().lock();
    let _ = err.write_all(prompt.as_bytes());
    let _ = err.flush();
    let mut line = Vec::new();
    let _ = io::stdin().lock().read_until(b'\n', &mut line);
    matches!(line.first(), Some(b'y' | b'Y'))
}

/// The `errno` behind `err`, if it came from the system.
pub fn errno(err: &io::Error) -> Option<rustix::io::Errno> {
    err.raw_os_error().map(rustix::io::Errno::from_raw_os_error)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strerror_without_the_os_error_number() {
        let e = io::Error::from_raw_os_error(2);
        assert_eq!(strerror(&e), "No such file or directory");
    }
}

#[cfg(all(test, target_os = "linux"))]
mod glibc_words {
    use super::strerror;
    use std::io;

    /// GNU mv's wording on Linux, whichever libc pmv is built with.
    #[test]
    fn errors_are_worded_as_glibc_words_them() {
        for (errno, text) in [
            (libc::ENOENT, "No such file or directory"),
            (libc::EXDEV, "Invalid cross-device link"),
            (libc::EBUSY, "Device or resource busy"),
            (libc::ENAMETOOLONG, "File name too long"),
            (libc::ELOOP, "Too many levels of symbolic links"),
            (libc::EIO, "Input/output error"),
            (libc::EDQUOT, "Disk quota exceeded"),
            (libc::EOPNOTSUPP, "Operation not supported"),
        ] {
            assert_eq!(strerror(&io::Error::from_raw_os_error(errno)), text);
        }
    }
}
