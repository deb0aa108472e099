//! Removing a tree relative to identity-checked directory descriptors,
//! never by path: a directory is opened without following symlinks and
//! must be what its listing said, and each entry is unlinked relative to
//! it. Removal goes on past what it cannot remove, as `rm -r` does, and
//! leaves what changed after it was copied.

use std::ffi::{CStr, CString, OsStr};
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;

use rustix::fs::{AtFlags, FileType, Mode, OFlags};
use rustix::io::Errno;

use super::copy::Seen;
use super::walk::{self, Level, Stack};
use crate::platform::{self, Info};
use crate::report::{q, strerror};

/// The remover of one tree.
pub struct Remover<'a> {
    pub verbose: bool,
    /// What the copy saw; `None` when clearing a staging directory (remove
    /// everything, say nothing).
    pub seen: Option<&'a mut Seen>,
    /// The shown path of the entry at hand (SOURCE as written, then the
    /// names below it).
    pub path: Vec<u8>,
    /// Reports a problem (one `pmv: ...` line).
    pub report: &'a mut dyn FnMut(String),
    /// Whether a lease is still worth asking for (see [`hold`]): not once
    /// this system or file system has said it has none.
    pub leases: bool,
}

/// A file about to be removed, opened and leased (see [`hold`]).
pub enum Hold {
    /// Held: its `fstat`, taken once the lease was; writers wait until
    /// the descriptor is closed.
    Leased(OwnedFd, Info),
    /// Open for writing elsewhere: a write may still come.
    Busy,
    /// No lease here; check and remove as before.
    None,
}

/// Open the regular file `name` of `dir` (not following a symlink, never
/// blocking) and take a read lease on it: from then on, whoever opens it
/// for writing first waits until pmv has removed it and let go, so a
/// check of its ctime made under the lease sees every write that could
/// land in the data pmv copied. `leases` is cleared where there are none.
pub fn hold(dir: BorrowedFd<'_>, name: &CStr, leases: &mut bool) -> Hold {
    if !*leases {
        return Hold::None;
    }
    let flags = OFlags::RDONLY | OFlags::NOFOLLOW | OFlags::NONBLOCK | OFlags::NOCTTY;
    let Ok(fd) = rustix::fs::openat(dir, name, flags | OFlags::CLOEXEC, Mode::empty()) else {
        return Hold::None;
    };
    match platform::read_lease(fd.as_fd()) {
        Ok(true) => match platform::fstat(&fd) {
            Ok(st) if st.kind == FileType::RegularFile => Hold::Leased(fd, st),
            _ => Hold::None,
        },
        Ok(false) => {
            *leases = false;
            Hold::None
        }
        Err(e) if e.raw_os_error() == Some(Errno::AGAIN.raw_os_error()) => Hold::Busy,
        // Another owner's file: this one is checked as before.
        Err(_) => Hold::None,
    }
}

impl Remover<'_> {
    fn shown(&self) -> String {
        q(OsStr::from_bytes(&self.path))
    }

    fn say(&mut self, line: String) {
        if self.seen.is_some() {
            (self.report)(line);
        }
    }

    /// Whether a non-directory is still as it was copied: its ctime is
    /// older than the move, or is the one seen when it was copied.
    pub fn unchanged(seen: &Seen, st: &Info) -> bool {
        if st.ctime < seen.t0 {
            return true;
        }
        match seen.recent.get(&st.id()) {
            Some(&was) => was == st.ctime || (st.nlink > 1 && st.kind != FileType::RegularFile),
            None => false,
        }
    }

    /// Report that the entry at hand could not be removed.
    pub fn cannot_remove(&mut self, e: &std::io::Error) {
        let line = format!("cannot remove {}: {}", self.shown(), strerror(e));
        self.say(line);
    }

    /// `'SRC/x': changed after it was copied`.
    pub fn changed_line(&self) -> String {
        format!("not removing {}: changed after it was copied", self.shown())
    }

    /// `'SRC/x': open for writing elsewhere`.
    pub fn busy_line(&self) -> String {
        format!("not removing {}: open for writing elsewhere", self.shown())
    }

    /// Remove one non-directory `name` (whose `lstat` is `st`, or the
    /// `fstat` of `lease`, held until it is gone) from `dir`. Returns
    /// whether it is gone.
    pub fn leaf(
        &mut self,
        dir: BorrowedFd<'_>,
        name: &CStr,
        st: &Info,
        lease: Option<OwnedFd>,
    ) -> bool {
        let mut hold = lease;
        if let Some(seen) = self.seen.as_deref() {
            if !Self::unchanged(seen, st) {
                let line = self.changed_line();
                self.say(line);
                return false;
            }
            // Unlinking one name of a multiply-linked file moves its
            // ctime: learn the new one, so its other names still pass.
            if hold.is_none() && st.nlink > 1 && st.kind == FileType::RegularFile {
                hold = rustix::fs::openat(
                    dir,
                    name,
                    OFlags::RDONLY
                        | OFlags::NOFOLLOW
                        | OFlags::NONBLOCK
                        | OFlags::NOCTTY
                        | OFlags::CLOEXEC,
                    Mode::empty(),
                )
                .ok();
            }
        }
        match rustix::fs::unlinkat(dir, name, AtFlags::empty()) {
            Ok(()) | Err(Errno::NOENT) => {
                if let (Some(fd), Some(seen), true) = (hold, self.seen.as_deref_mut(), st.nlink > 1)
                {
                    if let Ok(s) = platform::fstat(&fd) {
                        seen.recent.insert(s.id(), s.ctime);
                    }
                }
                if self.verbose {
                    crate::report::out(format_args!("removed {}", self.shown()));
                }
                true
            }
            Err(e) => {
                let line = format!("cannot remove {}: {}", self.shown(), strerror(&e.into()));
                self.say(line);
                false
            }
        }
    }

    /// Remove everything under `top` (an open directory; `self.path` is
    /// its shown path), depth first. The top directory itself stays for
    /// the caller. Returns how many entries had to stay.
    pub fn tree(&mut self, mut top: Level) -> usize {
        let mut stack = Stack::new(false);
        top.lens = (self.path.len(), 0);
        if stack.push(top).is_err() {
            return 1;
        }
        loop {
            match stack.next() {
                None => {
                    if let Some(kept) = self.leave(&mut stack) {
                        return kept;
                    }
                }
                Some(Err(e)) => {
                    // Stop reading this directory; it stays.
                    self.cannot_remove(&e);
                    stack.top().kept += 1;
                    while let Some(Ok(_)) = stack.next() {}
                }
                Some(Ok((name, kind))) => {
                    let len = self.path.len();
                    if !self.path.ends_with(b"/") {
                        self.path.push(b'/');
                    }
                    self.path.extend_from_slice(name.to_bytes());
                    if !self.visit(&mut stack, name, kind, len) {
                        self.path.truncate(len);
                    }
                }
            }
        }
    }

    /// The current directory has been read: remove it from its parent,
    /// or count it as kept there. `Some(kept)` once the top is done.
    fn leave(&mut self, stack: &mut Stack) -> Option<usize> {
        let Ok(level) = stack.pop() else {
            let line = format!(
                "cannot remove {}: directory moved while being removed",
                self.shown()
            );
            self.say(line);
            return Some(1);
        };
        if stack.is_empty() {
            return Some(level.kept);
        }
        let parent = stack.top();
        if level.kept > 0 {
            parent.kept += 1;
            self.path.truncate(level.lens.0);
            return None;
        }
        match rustix::fs::unlinkat(parent.src(), &level.name, AtFlags::REMOVEDIR) {
            Ok(()) | Err(Errno::NOENT) => {
                if self.verbose {
                    crate::report::out(format_args!("removed directory {}", self.shown()));
                }
            }
            // Entries removed while the directory was read can be missed
            // by the reading: read it once more.
            Err(Errno::NOTEMPTY | Errno::EXIST) if !level.rescanned => {
                if let Some(mut again) = reopen(parent.src(), &level) {
                    again.rescanned = true;
                    again.lens = level.lens;
                    if stack.push(again).is_ok() {
                        return None;
                    }
                }
                stack.top().kept += 1;
            }
            Err(e) => {
                parent.kept += 1;
                self.cannot_remove(&e.into());
            }
        }
        self.path.truncate(level.lens.0);
        None
    }

    fn keep_changed(&mut self, stack: &mut Stack) -> bool {
        let line = self.changed_line();
        self.say(line);
        stack.top().kept += 1;
        false
    }

    /// Remove the entry `name` of the current directory (`self.path` names
    /// it), or descend into it. Returns whether a level was entered (its
    /// path stays until it is left).
    fn visit(&mut self, stack: &mut Stack, name: CString, kind: FileType, len: usize) -> bool {
        let dir = stack.top().src();
        // A regular file as listed is opened and leased, and checked on
        // that descriptor; anything else (or no lease) is looked at.
        if kind == FileType::RegularFile && self.seen.is_some() {
            match hold(dir, &name, &mut self.leases) {
                Hold::Leased(fd, st) => {
                    if !self.leaf(dir, &name, &st, Some(fd)) {
                        stack.top().kept += 1;
                    }
                    return false;
                }
                Hold::Busy => {
                    let line = self.busy_line();
                    self.say(line);
                    stack.top().kept += 1;
                    return false;
                }
                Hold::None => {}
            }
        }
        let st = match platform::statat(dir, &name, AtFlags::SYMLINK_NOFOLLOW) {
            Ok(st) => st,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return false,
            Err(e) => {
                self.cannot_remove(&e);
                stack.top().kept += 1;
                return false;
            }
        };
        if !st.is_dir() {
            if !self.leaf(dir, &name, &st, None) {
                stack.top().kept += 1;
            }
            return false;
        }
        if self.seen.is_none() {
            // Clearing a staging copy, ours and private: a directory that
            // already has a mode without write permission (copied from a
            // read-only source directory) must be emptied all the same.
            let _ = rustix::fs::chmodat(dir, &name, Mode::from_raw_mode(0o700), AtFlags::empty());
        }
        let opened = walk::open_dir(dir, &name)
            .map_err(std::io::Error::from)
            .and_then(|fd| {
                let s = platform::fstat(&fd)?;
                Ok((fd, s))
            });
        let swapped = |e: &std::io::Error| {
            e.raw_os_error().is_some_and(|x| {
                x == Errno::LOOP.raw_os_error() || x == Errno::NOTDIR.raw_os_error()
            })
        };
        let (fd, s) = match opened {
            Ok((fd, s)) if s.id() == st.id() => (fd, s),
            // Another directory, or a symlink, took its name since it was
            // listed.
            Ok(_) => return self.keep_changed(stack),
            Err(e) if swapped(&e) => return self.keep_changed(stack),
            Err(e) => {
                self.cannot_remove(&e);
                stack.top().kept += 1;
                return false;
            }
        };
        match Level::new(fd, s, None, name) {
            Ok(mut child) => {
                child.lens = (len, 0);
                if stack.push(child).is_ok() {
                    return true;
                }
            }
            Err(e) => self.cannot_remove(&e),
        }
        stack.top().kept += 1;
        false
    }
}

/// Open `level`'s directory again in `parent`; it must be the same one.
fn reopen(parent: BorrowedFd<'_>, level: &Level) -> Option<Level> {
    let fd = walk::open_dir(parent, &level.name).ok()?;
    let st = platform::fstat(&fd).ok()?;
    if st.id() != level.src_id {
        return None;
    }
    Level::new(fd, st, None, level.name.clone()).ok()
}
