//! The private directory beside a destination, in which a new entry is
//! staged: made under its final name and finished, before one rename moves
//! it out over the old one ("move the same-named entry out of a temp
//! dir"). This is the one way every user of one makes it: the move across
//! file systems (beside SOURCE and beside DEST), `pln -f`/`-b`, `pmv -b`,
//! and the library's `flip_symlink`, `link_replacing` and their durable
//! variants.
//!
//! The directory is `.pmv-` and 12 random characters, made with `mkdirat`
//! (mode 0700, exclusively) and opened with `openat` (`O_NOFOLLOW`), both
//! relative to one descriptor of its parent. A name just made is not yet
//! ours: whoever may write the parent can rename it away between the two
//! calls and put another directory in its place (root's `lost+found`, a
//! directory made with sudo, a leftover `.pmv-*`). So the opened
//! descriptor must prove it is the directory just made (owner, mode, link
//! count, empty, no ACL: see `prove`) before anything is made, read or
//! removed inside; anything else fails the operand and is left untouched.
//! Clean-up then works from that descriptor alone, and the name is removed
//! only while it still is that directory.
//!
//! Why no swap passes: the attacker cannot make a directory owned by
//! another uid, so a substitute must be one the effective uid already
//! owns, with mode 0700 and nothing inside; and it must sit in the same
//! parent (moving a directory of another owner to another parent needs
//! write permission on it, for its `..`). Such a directory is one the
//! attacker could remove from that parent anyway (an empty directory in a
//! directory they may write; in a sticky one they may move neither ours
//! nor it). Using it stages into a directory only this uid can enter, and
//! removing it afterwards removes nothing they could not.
//!
//! A leftover after SIGKILL or a power cut (`.pmv-XXXXXXXXXXXX/current`)
//! shows what it was meant to become. It is made relative to a directory
//! fd, never to an absolute path: that would need search permission on
//! every ancestor and could exceed `PATH_MAX` in a deep tree.

use std::collections::hash_map::RandomState;
use std::ffi::{CStr, CString, OsStr};
use std::fmt;
use std::hash::{BuildHasher, Hasher};
use std::io;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use rustix::fs::{AtFlags, Mode, OFlags};
use rustix::io::Errno;

use crate::platform::{FileId, Info};
use crate::report::strerror;

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

/// A private staging directory, proven to be the one this run just made;
/// what is inside is removed when it is dropped, and then the directory,
/// unless [`Private::remove`] or [`Private::keep`] was called.
pub struct Private<'a> {
    /// The directory that holds it: every step is relative to this one
    /// descriptor, never to a path found again.
    parent: BorrowedFd<'a>,
    /// Its name there: one component.
    name: CString,
    fd: OwnedFd,
    /// What the opened descriptor proved it to be.
    id: FileId,
    /// How it is shown in a message: beside the entry it stages, as the
    /// user wrote that entry.
    shown: PathBuf,
    armed: bool,
}

/// A name that is not, or is no longer, the private directory this run
/// made: nothing was done inside it or to it. Its `Display` is the whole
/// reason (`'d/.pmv-X' is not the private directory just made: ...`), for
/// a caller to put after its own context.
#[derive(Debug)]
pub struct NotOurs {
    /// The directory's name as shown.
    pub shown: PathBuf,
    /// Why it is not ours.
    pub why: String,
}

impl fmt::Display for NotOurs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", crate::report::q(&self.shown), self.why)
    }
}

impl std::error::Error for NotOurs {}

#[cfg(feature = "cli")]
/// Whether `err` is a [`NotOurs`]: a private directory that failed its
/// proof. The operand fails then; no other way of doing it is tried.
pub fn is_not_ours(err: &io::Error) -> bool {
    err.get_ref().is_some_and(|e| e.is::<NotOurs>())
}

/// The shown path of `name` beside `beside` (an entry as the user wrote
/// it): `d/b` and `.pmv-X` give `d/.pmv-X`, `b` gives `.pmv-X`.
fn shown_beside(beside: &Path, name: &CStr) -> PathBuf {
    let b = crate::names::trim(beside).as_os_str().as_bytes();
    let keep = b.iter().rposition(|&c| c == b'/').map_or(0, |i| i + 1);
    let mut out = b[..keep].to_vec();
    out.extend_from_slice(name.to_bytes());
    PathBuf::from(OsStr::from_bytes(&out))
}

/// The checks that make a directory just opened this run's own, on the
/// descriptor itself (so no rename of the name can pass them afterwards):
/// owned by the effective uid; no permission for group or others (a
/// set-group-ID bit inherited from the parent aside, which gives the
/// group nothing); no subdirectory (at most 2 links: 1 where the file
/// system counts none for directories, as btrfs); no entry at all
/// (`finish` then makes it 0700 with no ACL). `Err` says which check
/// failed.
fn prove(fd: BorrowedFd<'_>) -> Result<Info, String> {
    let st =
        crate::platform::fstat(fd).map_err(|e| format!("cannot be checked: {}", strerror(&e)))?;
    let euid = rustix::process::geteuid().as_raw();
    let mode = st.perm.difference(Mode::SGID);
    if st.uid != euid {
        return Err(format!("is owned by uid {}, not {euid}", st.uid));
    }
    if !Mode::RWXU.contains(mode) {
        return Err(format!("has mode {:04o}, not 0700", mode.bits()));
    }
    if st.nlink > 2 {
        return Err(format!("has {} links, not 2", st.nlink));
    }
    match crate::platform::is_empty_dir(fd) {
        Ok(true) => {}
        Ok(false) => return Err("is not empty".into()),
        Err(e) => return Err(format!("cannot be read: {}", strerror(&e))),
    }
    Ok(st)
}

/// Make a proven directory (`st`) exactly what it must be. Owned by this
/// uid, private and empty, a mode short of 0700 is the umask's doing, and
/// an ACL on it can only be the one its parent's default ACL gave it,
/// which must go, or whatever is made inside would be reachable through
/// it.
fn finish(fd: BorrowedFd<'_>, st: &Info) -> io::Result<()> {
    if st.perm.difference(Mode::SGID) != Mode::RWXU {
        rustix::fs::fchmod(fd, Mode::RWXU | st.perm.intersection(Mode::SGID))?;
    }
    crate::platform::strip_acls(crate::platform::Node::Fd(fd))
}

impl<'a> Private<'a> {
    /// Make a private directory in `parent` (a directory opened once), to
    /// stage the entry shown as `beside`: made with `mkdirat` and opened
    /// with `openat` relative to `parent` without following symlinks, then
    /// proven to be the one just made on the opened descriptor (see
    /// `prove`). A name that fails the proof is left exactly as it is, as
    /// is everything inside it.
    ///
    /// # Errors
    /// Whatever `mkdirat` reports (`EACCES`, `EROFS`, `ENOSPC`...);
    /// `EEXIST` if no free name was found; or, when the name made is not
    /// (or no longer) a directory this run made, an error of kind `Other`
    /// whose inner error is a [`NotOurs`] naming it.
    pub fn create(parent: BorrowedFd<'a>, beside: &Path) -> io::Result<Self> {
        for _ in 0..64 {
            let name = CString::new(random_name()).map_err(|_| io::Error::from(Errno::INVAL))?;
            match rustix::fs::mkdirat(parent, &name, Mode::from_raw_mode(0o700)) {
                Ok(()) => {}
                Err(Errno::EXIST) => continue,
                Err(e) => return Err(e.into()),
            }
            let shown = shown_beside(beside, &name);
            let not_ours = |why: String| {
                io::Error::other(NotOurs {
                    shown: shown.clone(),
                    why,
                })
            };
            // Between the two calls, someone who may write `parent` can
            // rename ours away and put another directory in its place:
            // only the descriptor's own checks tell.
            let fd = rustix::fs::openat(
                parent,
                &name,
                OFlags::RDONLY | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC,
                Mode::empty(),
            )
            .map_err(|e| not_ours(format!("cannot be opened: {}", strerror(&e.into()))))?;
            let st = prove(fd.as_fd()).map_err(|why| {
                not_ours(format!("is not the private directory just made: it {why}"))
            })?;
            let private = Private {
                parent,
                name,
                fd,
                id: st.id(),
                shown,
                armed: true,
            };
            // Proven ours: if it cannot be finished, dropping it removes
            // it (by identity), and the caller hears why.
            finish(private.fd(), &st)?;
            return Ok(private);
        }
        Err(Errno::EXIST.into())
    }

    /// The open directory.
    pub fn fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }

    /// Its name in the directory it was made in.
    pub fn name(&self) -> &CStr {
        &self.name
    }

    /// Its name as shown: beside the entry it stages.
    pub fn shown(&self) -> &Path {
        &self.shown
    }

    /// Remove the directory, which must now be empty, by its name in its
    /// parent, and only while that name still is this directory.
    ///
    /// # Errors
    /// A [`NotOurs`] when the name is gone or is another entry now: the
    /// name is left as it is. A directory that cannot be removed otherwise
    /// (not empty, a read-only file system) is not worth failing for.
    pub fn remove(mut self) -> Result<(), NotOurs> {
        self.armed = false;
        self.remove_name()
    }

    fn remove_name(&self) -> Result<(), NotOurs> {
        let now = crate::platform::statat(self.parent, &self.name, AtFlags::SYMLINK_NOFOLLOW);
        if !now.is_ok_and(|st| st.id() == self.id) {
            return Err(NotOurs {
                shown: self.shown.clone(),
                why: "is no longer the private directory made; not removing it".into(),
            });
        }
        // Renamed away in between, the directory is only one this user
        // could write the parent of, and could have removed: an empty one.
        let _ = rustix::fs::unlinkat(self.parent, &self.name, AtFlags::REMOVEDIR);
        Ok(())
    }

    /// Leave the directory and what it holds (reported to the user).
    pub fn keep(mut self) {
        self.armed = false;
    }
}

impl Drop for Private<'_> {
    fn drop(&mut self) {
        if self.armed {
            // From the held descriptor of the proven directory, which was
            // empty and only this uid may write: what is inside is what
            // this run made.
            crate::engine::clear(self.fd.as_fd());
            let _ = self.remove_name();
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
        let p = Private::create(within.as_fd(), Path::new("d/x")).unwrap();
        assert_eq!(p.shown(), Path::new("d").join(p.name().to_str().unwrap()));
        let name = p.name().to_str().unwrap().to_owned();
        assert!(name.starts_with(PREFIX) && name.len() == PREFIX.len() + 12);
        let st = rustix::fs::statat(within.as_fd(), p.name(), AtFlags::empty()).unwrap();
        assert_eq!(st.st_mode & 0o777, 0o700);
        rustix::fs::mkdirat(p.fd(), "sub", Mode::from_raw_mode(0o700)).unwrap();
        std::fs::write(dir.path().join(&name).join("sub/f"), "x").unwrap();
        drop(p);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }

    fn open(path: &Path) -> OwnedFd {
        rustix::fs::open(path, OFlags::RDONLY | OFlags::DIRECTORY, Mode::empty()).unwrap()
    }

    /// A directory that is not empty, not 0700 or holds a subdirectory
    /// fails the proof; the proof itself changes nothing in it.
    #[test]
    fn only_an_empty_0700_directory_of_this_uid_is_proven() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path().join("d");
        std::fs::create_dir(&d).unwrap();
        let chmod = |m| rustix::fs::chmod(&d, Mode::from_raw_mode(m)).unwrap();
        chmod(0o700);
        assert!(prove(open(&d).as_fd()).is_ok());
        chmod(0o750);
        assert_eq!(
            prove(open(&d).as_fd()).unwrap_err(),
            "has mode 0750, not 0700"
        );
        // What a umask took from 0700 is given back.
        chmod(0o500);
        let fd = open(&d);
        finish(fd.as_fd(), &prove(fd.as_fd()).unwrap()).unwrap();
        let m = rustix::fs::stat(&d).unwrap().st_mode & 0o7777;
        assert_eq!(m, 0o700);
        chmod(0o700);
        std::fs::write(d.join("f"), "x").unwrap();
        assert_eq!(prove(open(&d).as_fd()).unwrap_err(), "is not empty");
        std::fs::remove_file(d.join("f")).unwrap();
        std::fs::create_dir(d.join("sub")).unwrap();
        assert!(prove(open(&d).as_fd()).is_err());
        assert!(d.join("sub").is_dir());
    }

    #[test]
    fn shown_beside_the_entry_as_written() {
        let n = c".pmv-x";
        assert_eq!(shown_beside(Path::new("b"), n), Path::new(".pmv-x"));
        assert_eq!(shown_beside(Path::new("d/b/"), n), Path::new("d/.pmv-x"));
        assert_eq!(shown_beside(Path::new("/b"), n), Path::new("/.pmv-x"));
    }
}
