//! What a backend offers where its system has no call for the job: no
//! whole-file-system flush, and no portable API for extended attributes
//! or ACLs. Used by the generic, BSD and Apple backends; Linux has all
//! three.

use std::ffi::OsStr;
use std::io;
use std::os::fd::BorrowedFd;

use super::Node;

/// No call flushes a whole file system: the caller flushes each file
/// instead (the backend's `HAS_SYNCFS` is `false`).
pub fn sync_fs(_fd: BorrowedFd<'_>) -> io::Result<&'static str> {
    Err(super::unsupported_system())
}

/// Extended attributes: no portable API, so there is nothing to copy.
pub fn copy_xattrs(
    _from: Node<'_>,
    _to: Node<'_>,
    _warn: &mut dyn FnMut(&OsStr, io::Error),
) -> io::Result<()> {
    Ok(())
}

/// ACLs: no portable API, so there are none to remove.
pub fn strip_acls(_node: Node<'_>) -> io::Result<()> {
    Ok(())
}

/// No file leases: the caller checks a file and then removes it, and a
/// writer between the two is not seen (the window the README states).
pub fn read_lease(_fd: BorrowedFd<'_>) -> io::Result<bool> {
    Ok(false)
}
