//! The private directory beside a destination, in which a new entry is
//! staged: made under its final name and finished, before one rename moves
//! it out over the old one ("move the same-named entry out of a temp
//! dir").
//!
//! The directory is `.pmv-` and 12 random characters, created exclusively
//! with mode 0700, opened without following symlinks and checked to be
//! this process's own before anything is put in it: no other user can
//! reach, rename or replace what is staged inside, and a leftover after
//! SIGKILL or a power cut (`.pmv-XXXXXXXXXXXX/current`) shows what it was
//! meant to become. It is made relative to a directory fd or to the
//! destination's directory as written, never to an absolute path: that
//! would need search permission on every ancestor and could exceed
//! `PATH_MAX` in a deep tree.

use std::collections::hash_map::RandomState;
use std::ffi::{CStr, CString, OsStr};
use std::hash::{BuildHasher, Hasher};
use std::io;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

use rustix::fs::{AtFlags, Mode, OFlags};
use rustix::io::Errno;

/// The prefix of every staging directory; a leftover one is recognisable
/// by it.
pub const PREFIX: &str = ".pmv-";

const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

/// Twelve random characters. `RandomState` is seeded from the system's
/// random source once per process and differs for each call.
fn random_name() -> String {
    // Each RandomState differs (random keys per thread, then counted up).
    let mut h = RandomState::new().build_hasher();
    h.write_u8(0);
    let mut bits =
        h.finish() as u128 | ((RandomState::new().build_hasher().finish() as u128) << 64);
    let mut name = String::from(PREFIX);
    for _ in 0..12 {
        name.push(ALPHABET[(bits % ALPHABET.len() as u128) as usize] as char);
        bits /= ALPHABET.len() as u128;
    }
    name
}

/// A C string for a name; a NUL byte cannot be in a file name.
pub fn cstr(name: &OsStr) -> io::Result<CString> {
    CString::new(name.as_bytes()).map_err(|_| Errno::INVAL.into())
}

/// A private staging directory; removed with its content when dropped,
/// unless [`Private::remove`] or [`Private::keep`] was called.
pub struct Private<'a> {
    within: BorrowedFd<'a>,
    /// Its path relative to `within`.
    name: CString,
    fd: OwnedFd,
    armed: bool,
}

impl<'a> Private<'a> {
    /// Create a private directory in `prefix` (a path relative to
    /// `within`; empty for `within` itself).
    ///
    /// # Errors
    /// Whatever `mkdirat` reports (`EACCES`, `EROFS`, `ENOSPC`...), or
    /// `EEXIST` if no free name was found or the new directory was
    /// replaced before it could be opened.
    pub fn create(within: BorrowedFd<'a>, prefix: &Path) -> io::Result<Self> {
        let euid = rustix::process::geteuid().as_raw();
        for _ in 0..64 {
            let mut path = prefix.as_os_str().as_bytes().to_vec();
            if !path.is_empty() && !path.ends_with(b"/") {
                path.push(b'/');
            }
            path.extend_from_slice(random_name().as_bytes());
            let name = CString::new(path).map_err(|_| io::Error::from(Errno::INVAL))?;
            match rustix::fs::mkdirat(within, &name, Mode::from_raw_mode(0o700)) {
                Ok(()) => {}
                Err(Errno::EXIST) => continue,
                Err(e) => return Err(e.into()),
            }
            let opened = rustix::fs::openat(
                within,
                &name,
                OFlags::RDONLY | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC,
                Mode::empty(),
            );
            // Someone who may write the directory could have renamed ours
            // away and put theirs in its place: only ours will do.
            let fd = match opened {
                Ok(fd) => match crate::platform::fstat(&fd) {
                    Ok(st) if st.uid == euid && !st.perm.intersects(Mode::RWXG | Mode::RWXO) => fd,
                    _ => return Err(Errno::EXIST.into()),
                },
                Err(e) => {
                    let _ = rustix::fs::unlinkat(within, &name, AtFlags::REMOVEDIR);
                    return Err(e.into());
                }
            };
            return Ok(Private {
                within,
                name,
                fd,
                armed: true,
            });
        }
        Err(Errno::EXIST.into())
    }

    /// The open directory.
    pub fn fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }

    /// Its path relative to the directory it was made in.
    pub fn name(&self) -> &CStr {
        &self.name
    }

    /// Remove inherited ACLs, so that nothing made inside inherits any.
    pub fn strip_acls(&self) -> io::Result<()> {
        crate::platform::strip_acls(crate::platform::Node::Fd(self.fd.as_fd()))
    }

    /// Remove the directory, which must now be empty.
    pub fn remove(mut self) -> io::Result<()> {
        self.armed = false;
        rustix::fs::unlinkat(self.within, &self.name, AtFlags::REMOVEDIR).map_err(Into::into)
    }

    /// Leave the directory and what it holds (reported to the user).
    pub fn keep(mut self) {
        self.armed = false;
    }
}

impl Drop for Private<'_> {
    fn drop(&mut self) {
        if self.armed {
            crate::engine::clear(self.fd.as_fd());
            let _ = rustix::fs::unlinkat(self.within, &self.name, AtFlags::REMOVEDIR);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_distinct_and_well_formed() {
        let a: Vec<String> = (0..100).map(|_| random_name()).collect();
        let mut b = a.clone();
        b.sort();
        b.dedup();
        assert_eq!(b.len(), 100);
        assert!(a
            .iter()
            .all(|n| n.len() == PREFIX.len() + 12 && n.starts_with(PREFIX)));
    }

    #[test]
    fn private_directory_is_made_relative_and_removed_with_its_content() {
        let dir = tempfile::tempdir().unwrap();
        let within = rustix::fs::open(
            dir.path(),
            OFlags::RDONLY | OFlags::DIRECTORY,
            Mode::empty(),
        )
        .unwrap();
        let p = Private::create(within.as_fd(), Path::new("")).unwrap();
        let name = p.name().to_str().unwrap().to_owned();
        assert!(name.starts_with(PREFIX) && name.len() == PREFIX.len() + 12);
        let st = rustix::fs::statat(within.as_fd(), p.name(), AtFlags::empty()).unwrap();
        assert_eq!(st.st_mode & 0o777, 0o700);
        rustix::fs::mkdirat(p.fd(), "sub", Mode::from_raw_mode(0o700)).unwrap();
        std::fs::write(dir.path().join(&name).join("sub/f"), "x").unwrap();
        drop(p);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }
}
