//! File data: the `read`/`write` and `pread`/`pwrite` loops every backend
//! falls back to (and the only ones of the generic backend), and finding
//! the data regions of a sparse file.
//!
//! Syscalls: `read`, `write`, `pread`, `pwrite`, `lseek` (POSIX), and
//! `lseek` with `SEEK_DATA`/`SEEK_HOLE` where the system has them.

use std::io;
use std::os::fd::BorrowedFd;

use rustix::io::Errno;

/// The size of one read/write step when copying file data.
const CHUNK: usize = 256 * 1024;

/// Copy the rest of `from` into `to` with `read`/`write`, calling
/// `progress` with the bytes done after each step; an error from
/// `progress` stops the copy (a caught signal). With `hole_block` > 0,
/// every aligned block of that size that reads as zeros is skipped with
/// `lseek` instead of written, so it stays a hole; the caller sets the
/// final length with `ftruncate`.
pub fn copy_data_rw(
    from: BorrowedFd<'_>,
    to: BorrowedFd<'_>,
    hole_block: usize,
    progress: &mut dyn FnMut(u64) -> io::Result<()>,
) -> io::Result<&'static str> {
    thread_local! {
        // One page-aligned buffer for the whole run: an unaligned user
        // buffer makes the kernel's copy to and from it about twice as slow.
        static BUF: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
    }
    const PAGE: usize = 4096;
    BUF.with(|cell| {
        let mut raw = cell.borrow_mut();
        if raw.is_empty() {
            raw.resize(CHUNK + PAGE, 0);
        }
        let start = raw.as_ptr().align_offset(PAGE).min(PAGE);
        let buf = &mut raw[start..start + CHUNK];
        let block = if hole_block > 0 && CHUNK % hole_block == 0 {
            hole_block
        } else {
            0
        };
        loop {
            let n = match rustix::io::read(from, &mut *buf) {
                Ok(0) => {
                    return Ok(if block > 0 {
                        "read/write (holes kept)"
                    } else {
                        "read/write"
                    })
                }
                Ok(n) => n,
                Err(Errno::INTR) => continue,
                Err(e) => return Err(e.into()),
            };
            let mut at = 0;
            while at < n {
                let end = if block > 0 { (at + block).min(n) } else { n };
                let piece = &buf[at..end];
                if block > 0 && piece.len() == block && is_zero(piece) {
                    rustix::fs::seek(to, rustix::fs::SeekFrom::Current(piece.len() as i64))?;
                } else {
                    write_all(to, piece)?;
                }
                at = end;
            }
            progress(n as u64)?;
        }
    })
}

/// Copy the bytes `start..end` of `from` to the same offsets of `to` with
/// `pread`/`pwrite`, leaving both file offsets alone.
pub fn copy_range_rw(
    from: BorrowedFd<'_>,
    to: BorrowedFd<'_>,
    start: u64,
    end: u64,
    progress: &mut dyn FnMut(u64) -> io::Result<()>,
) -> io::Result<&'static str> {
    let mut buf = vec![0u8; CHUNK.min((end - start) as usize).max(1)];
    let mut at = start;
    while at < end {
        let want = buf.len().min((end - at) as usize);
        let n = match rustix::io::pread(from, &mut buf[..want], at) {
            Ok(0) => break,
            Ok(n) => n,
            Err(Errno::INTR) => continue,
            Err(e) => return Err(e.into()),
        };
        let mut done = 0;
        while done < n {
            match rustix::io::pwrite(to, &buf[done..n], at + done as u64) {
                Ok(w) => done += w,
                Err(Errno::INTR) => {}
                Err(e) => return Err(e.into()),
            }
        }
        at += n as u64;
        progress(n as u64)?;
    }
    Ok("pread/pwrite")
}

/// Whether `b` is all zeros, a machine word at a time.
fn is_zero(b: &[u8]) -> bool {
    // SAFETY: u64 has no invalid bit patterns; align_to splits safely.
    let (head, words, tail) = unsafe { b.align_to::<u64>() };
    head.iter().all(|&x| x == 0) && words.iter().all(|&w| w == 0) && tail.iter().all(|&x| x == 0)
}

/// Write all of `data` to `to`, retrying on `EINTR`.
fn write_all(to: BorrowedFd<'_>, mut data: &[u8]) -> io::Result<()> {
    while !data.is_empty() {
        match rustix::io::write(to, data) {
            Ok(w) => data = &data[w..],
            Err(Errno::INTR) => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(())
}

cfg_if::cfg_if! {
    if #[cfg(any(
        target_os = "linux",
        target_os = "android",
        target_os = "freebsd",
        target_os = "dragonfly",
        target_os = "illumos",
        target_os = "solaris",
        target_vendor = "apple"
    ))] {
        /// The next region of data at or after `from` with `SEEK_DATA` and
        /// `SEEK_HOLE` (Linux 3.1, FreeBSD 8, DragonFly, illumos, Solaris,
        /// macOS 10.12): `Some((start, end))`, or `None` when only a hole
        /// remains.
        pub fn next_data(fd: BorrowedFd<'_>, from: u64) -> io::Result<Option<(u64, u64)>> {
            use std::os::fd::AsRawFd;
            let (data, hole) = (libc::SEEK_DATA, libc::SEEK_HOLE);
            // SAFETY: lseek on a descriptor the caller keeps open.
            let start = unsafe { libc::lseek(fd.as_raw_fd(), from as libc::off_t, data) };
            if start < 0 {
                let e = io::Error::last_os_error();
                return match e.raw_os_error() {
                    Some(libc::ENXIO) => Ok(None),
                    _ => Err(e),
                };
            }
            // SAFETY: as above.
            let end = unsafe { libc::lseek(fd.as_raw_fd(), start, hole) };
            if end < 0 {
                return Err(io::Error::last_os_error());
            }
            Ok(Some((start as u64, end as u64)))
        }
    } else {
        /// No `SEEK_DATA` on this system: unsupported, and callers find
        /// holes by reading.
        pub fn next_data(_fd: BorrowedFd<'_>, _from: u64) -> io::Result<Option<(u64, u64)>> {
            Err(super::unsupported_system())
        }
    }
}
