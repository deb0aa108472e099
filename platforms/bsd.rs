//! The BSD backend: FreeBSD, NetBSD, OpenBSD, DragonFly.
//!
//! Syscalls:
//! - `renameat` for replace, on all of them.
//! - FreeBSD: `renameat2` with `AT_RENAME_NOREPLACE` and
//!   `AT_RENAME_EXCHANGE` (FreeBSD 16, also documented in 15.1-STABLE),
//!   found at run time with `dlsym(RTLD_DEFAULT, "renameat2")`, so the same
//!   binary runs on releases whose libc lacks it; and `copy_file_range`
//!   for file data (FreeBSD 13).
//! - NetBSD, OpenBSD, DragonFly, and FreeBSD without `renameat2`: the
//!   generic `linkat`+`unlinkat` for rename-without-replace, and
//!   `read`/`write` for file data (see `common.rs`, `data.rs`).
//!
//! Guarantees: replace is atomic. Rename-without-replace is atomic in the
//! kernel with `renameat2`; without it, or on a file system that refuses
//! the flag (`EOPNOTSUPP`, `EINVAL`), it is atomic for non-directories (a
//! hard link is made exclusively, then the source name removed) and
//! unsupported for directories. Exchange is atomic with `renameat2` on file
//! systems that take the flag; elsewhere it fails, reported as unsupported
//! by the system (no `renameat2`) or by the file system, and is never
//! emulated.
//!
//! Needs: FreeBSD 13 (`copy_file_range`), NetBSD 7, OpenBSD 5.0,
//! DragonFly 4 (the `*at` calls).

use std::io;
use std::os::fd::BorrowedFd;
use std::path::Path;

#[cfg(feature = "cli")]
pub use super::common::open_dir;
pub use super::{
    common::sync_file,
    data::copy_range_rw as copy_range,
    unsupported::{copy_xattrs, read_lease, strip_acls, sync_fs},
};

/// The name of this backend, as `--version` prints it.
pub const BACKEND: &str = "bsd";

#[cfg(feature = "cli")]
/// What this backend does atomically, one operation a line, as
/// `pmv --version` prints it.
#[cfg(target_os = "freebsd")]
pub const CAPABILITIES: &str = "\
replace: renameat, atomic
no-replace rename: renameat2(AT_RENAME_NOREPLACE), atomic, where the system has it (FreeBSD 16); else linkat+unlinkat, atomic for non-directories
exchange: renameat2(AT_RENAME_EXCHANGE), atomic, where the system has it (FreeBSD 16) and the file system supports it; else not supported";

#[cfg(feature = "cli")]
/// What this backend does atomically, one operation a line, as
/// `pmv --version` prints it.
#[cfg(not(target_os = "freebsd"))]
pub const CAPABILITIES: &str = "\
replace: renameat, atomic
no-replace rename: linkat+unlinkat, atomic for non-directories; a directory is looked up, then renamed (racy: --atomic refuses it)
exchange: not supported (never emulated)";

#[cfg(feature = "cli")]
/// Whether a native rename-without-replace call is always there. On
/// FreeBSD it is only found at run time, so this stays `false`: callers then
/// look before they rename, and `-n` still gets `renameat2` where it exists.
pub const NATIVE_NOREPLACE: bool = false;

/// No call flushes a whole file system: each copied file is flushed.
pub const HAS_SYNCFS: bool = false;

/// Rename `from` to `to` only if `to` does not exist: FreeBSD's
/// `renameat2(AT_RENAME_NOREPLACE)` where the system has it, else the
/// generic hard-link way.
///
/// # References
/// - [FreeBSD rename(2)](https://man.freebsd.org/cgi/man.cgi?query=rename&sektion=2)
pub fn rename_noreplace(
    from_dir: BorrowedFd<'_>,
    from: &Path,
    to_dir: BorrowedFd<'_>,
    to: &Path,
) -> io::Result<&'static str> {
    #[cfg(target_os = "freebsd")]
    match freebsd::renameat2(from_dir, from, to_dir, to, freebsd::AT_RENAME_NOREPLACE) {
        Ok(()) => return Ok("renameat2(AT_RENAME_NOREPLACE)"),
        Err(e) if !freebsd::is_unsupported(&e) => return Err(e),
        Err(_) => {}
    }
    super::common::link_then_unlink(from_dir, from, to_dir, to)
}

/// Swap `a` and `b` atomically: FreeBSD's `renameat2(AT_RENAME_EXCHANGE)`
/// where the system has it; unsupported everywhere else.
///
/// # References
/// - [FreeBSD rename(2)](https://man.freebsd.org/cgi/man.cgi?query=rename&sektion=2)
pub fn exchange(
    a_dir: BorrowedFd<'_>,
    a: &Path,
    b_dir: BorrowedFd<'_>,
    b: &Path,
) -> io::Result<&'static str> {
    #[cfg(target_os = "freebsd")]
    return match freebsd::renameat2(a_dir, a, b_dir, b, freebsd::AT_RENAME_EXCHANGE) {
        Ok(()) => Ok("renameat2(AT_RENAME_EXCHANGE)"),
        Err(e) if super::is_enosys(&e) => Err(super::unsupported_system()),
        Err(e) if freebsd::is_unsupported(&e) => Err(super::unsupported_fs()),
        Err(e) => Err(e),
    };
    #[cfg(not(target_os = "freebsd"))]
    {
        let _ = (a_dir, a, b_dir, b);
        Err(super::unsupported_system())
    }
}

/// Copy the rest of `from` into `to`: on FreeBSD with `copy_file_range`
/// (in the kernel, and across file systems), falling back to
/// `read`/`write` where it is refused; elsewhere with `read`/`write`.
///
/// # References
/// - [FreeBSD copy_file_range(2)](https://man.freebsd.org/cgi/man.cgi?query=copy_file_range&sektion=2)
pub fn copy_data(
    from: BorrowedFd<'_>,
    to: BorrowedFd<'_>,
    progress: &mut dyn FnMut(u64) -> io::Result<()>,
) -> io::Result<&'static str> {
    #[cfg(target_os = "freebsd")]
    {
        let mut call = |len| freebsd::copy_file_range(from, to, len);
        if super::kernel_copy::copy_all(&mut call, &freebsd::refused, progress)? {
            return Ok("copy_file_range");
        }
    }
    super::data::copy_data_rw(from, to, 0, progress)
}

/// FreeBSD's calls that other BSDs lack.
#[cfg(target_os = "freebsd")]
mod freebsd {
    use std::ffi::{c_char, c_int, c_uint, c_void, CString};
    use std::io;
    use std::os::fd::{AsRawFd, BorrowedFd};
    use std::os::unix::ffi::OsStrExt;
    use std::path::Path;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::OnceLock;

    use rustix::io::Errno;

    /// From FreeBSD's `sys/sys/fcntl.h`.
    pub const AT_RENAME_NOREPLACE: c_uint = 0x0001;
    /// From FreeBSD's `sys/sys/fcntl.h`.
    pub const AT_RENAME_EXCHANGE: c_uint = 0x0002;

    type Renameat2 =
        unsafe extern "C" fn(c_int, *const c_char, c_int, *const c_char, c_uint) -> c_int;

    /// `renameat2` from the running system's libc, looked up once.
    static RENAMEAT2: OnceLock<Option<Renameat2>> = OnceLock::new();
    /// Set once the kernel answered ENOSYS: no need to ask again.
    static NO_RENAMEAT2: AtomicBool = AtomicBool::new(false);

    fn lookup() -> Option<Renameat2> {
        *RENAMEAT2.get_or_init(|| {
            // SAFETY: a C string literal; RTLD_DEFAULT searches the
            // objects already loaded, and dlsym has no other effect.
            let sym: *mut c_void =
                unsafe { libc::dlsym(libc::RTLD_DEFAULT, c"renameat2".as_ptr()) };
            if sym.is_null() {
                None
            } else {
                // SAFETY: FreeBSD's libc exports `renameat2` with exactly
                // this C signature (rename(2)).
                Some(unsafe { std::mem::transmute::<*mut c_void, Renameat2>(sym) })
            }
        })
    }

    fn c_path(path: &Path) -> io::Result<CString> {
        CString::new(path.as_os_str().as_bytes())
            .map_err(|_| io::Error::from_raw_os_error(libc::EINVAL))
    }

    /// `renameat2(from_dir, from, to_dir, to, flags)`, or ENOSYS where
    /// this system has no such call.
    pub fn renameat2(
        from_dir: BorrowedFd<'_>,
        from: &Path,
        to_dir: BorrowedFd<'_>,
        to: &Path,
        flags: c_uint,
    ) -> io::Result<()> {
        let Some(call) = lookup().filter(|_| !NO_RENAMEAT2.load(Ordering::Relaxed)) else {
            return Err(super::super::unsupported_system());
        };
        let (from, to) = (c_path(from)?, c_path(to)?);
        // SAFETY: both paths are valid NUL-terminated strings for the call.
        let r = unsafe {
            call(
                from_dir.as_raw_fd(),
                from.as_ptr(),
                to_dir.as_raw_fd(),
                to.as_ptr(),
                flags,
            )
        };
        if r == 0 {
            return Ok(());
        }
        let err = io::Error::last_os_error();
        if err.raw_os_error() == Some(libc::ENOSYS) {
            NO_RENAMEAT2.store(true, Ordering::Relaxed);
        }
        Err(err)
    }

    /// The system or the file system cannot do this flag: ENOSYS (no
    /// call), EOPNOTSUPP (the file system refuses it), EINVAL (a flag this
    /// kernel does not know).
    pub fn is_unsupported(err: &io::Error) -> bool {
        matches!(
            err.raw_os_error(),
            Some(libc::ENOSYS | libc::EOPNOTSUPP | libc::EINVAL)
        )
    }

    /// One `copy_file_range` of at most `len` bytes at both file offsets.
    pub fn copy_file_range(
        from: BorrowedFd<'_>,
        to: BorrowedFd<'_>,
        len: usize,
    ) -> Result<usize, Errno> {
        // SAFETY: both descriptors are open for the call; null offsets
        // mean "use and advance the file offsets".
        let n = unsafe {
            libc::copy_file_range(
                from.as_raw_fd(),
                std::ptr::null_mut(),
                to.as_raw_fd(),
                std::ptr::null_mut(),
                len,
                0,
            )
        };
        usize::try_from(n)
            .map_err(|_| Errno::from_io_error(&io::Error::last_os_error()).unwrap_or(Errno::IO))
    }

    /// Whether `copy_data` goes on with `read`/`write` after
    /// `copy_file_range` failed with `e`: only before anything was copied.
    pub fn refused(e: Errno, copied_any: bool) -> bool {
        !copied_any
            && matches!(
                e,
                Errno::NOSYS
                    | Errno::INVAL
                    | Errno::OPNOTSUPP
                    | Errno::BADF
                    | Errno::XDEV
                    | Errno::ISDIR
            )
    }
}
