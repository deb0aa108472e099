//! Removing a tree relative to identity-checked directory descriptors,
//! never by path: a directory is opened without following symlinks and
//! must be what its listing said, and each entry is unlinked relative to
//! it. Removal goes on past what it cannot remove, as `rm -r` does, and
//! leaves what changed after it was copied.

use std::ffi::{CStr, OsStr};
use std::os::unix::ffi::OsStrExt;

use rustix::fs::{AtFlags, FileType, Mode, OFlags, Stat};
use rustix::io::Errno;

use super::copy::Seen;
use super::walk::{self, ctime, id, kind, Level, Stack};
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
    pub fn unchanged(seen: &Seen, st: &Stat) -> bool {
        let c = ctime(st);
        if c < seen.t0 {
            return true;
        }
        match seen.recent.get(&id(st)) {
            Some(&was) => was == c || (st.st_nlink > 1 && kind(st) != FileType::RegularFile),
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

    /// Remove one non-directory `name` (whose `lstat` is `st`) from `dir`.
    /// Returns whether it is gone.
    pub fn leaf(&mut self, dir: std::os::fd::BorrowedFd<'_>, name: &CStr, st: &Stat) -> bool {
        let mut hold = None;
        if let Some(seen) = self.seen.as_deref() {
            if !Self::unchanged(seen, st) {
                let line = self.changed_line();
                self.say(line);
                return false;
            }
            // Unlinking one name of a multiply-linked file moves its
            // ctime: learn the new one, so its other names still pass.
            if st.st_nlink > 1 && kind(st) == FileType::RegularFile {
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
                if let (Some(fd), Some(seen)) = (hold, self.seen.as_deref_mut()) {
                    if let Ok(s) = rustix::fs::fstat(&fd) {
                        seen.recent.insert(id(&s), ctime(&s));
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
            let Some(next) = stack.next() else {
                let level = match stack.pop() {
                    Ok(level) => level,
                    Err(_) => {
                        let line = format!(
                            "cannot remove {}: {}",
                            self.shown(),
                            "directory moved while being removed"
                        );
                        self.say(line);
                        return 1;
                    }
                };
                if stack.is_empty() {
                    return level.kept;
                }
                let parent = stack.top();
                if level.kept > 0 {
                    parent.kept += 1;
                } else {
                    match rustix::fs::unlinkat(parent.src(), &level.name, AtFlags::REMOVEDIR) {
                        Ok(()) | Err(Errno::NOENT) => {
                            if self.verbose {
                                crate::report::out(format_args!(
                                    "removed directory {}",
                                    self.shown()
                                ));
                            }
                        }
                        // Entries removed while the directory was read can
                        // be missed by the reading: read it once more.
                        Err(Errno::NOTEMPTY | Errno::EXIST) if !level.rescanned => {
                            if let Some(mut again) = reopen(parent.src(), &level) {
                                again.rescanned = true;
                                again.lens = level.lens;
                                if stack.push(again).is_ok() {
                                    continue;
                                }
                            }
                            stack.top().kept += 1;
                        }
                        Err(e) => {
                            parent.kept += 1;
                            let line =
                                format!("cannot remove {}: {}", self.shown(), strerror(&e.into()));
                            self.say(line);
                        }
                    }
                }
                self.path.truncate(level.lens.0);
                continue;
            };
            let name = match next {
                Ok(name) => name,
                Err(e) => {
                    let line = format!("cannot remove {}: {}", self.shown(), strerror(&e));
                    self.say(line);
                    // Stop reading this directory; it stays.
                    let level = stack.top();
                    level.kept += 1;
                    while let Some(Ok(_)) = stack.next() {}
                    continue;
                }
            };
            let len = self.path.len();
            if !self.path.ends_with(b"/") {
                self.path.push(b'/');
            }
            self.path.extend_from_slice(name.to_bytes());
            let dir = stack.top().src();
            let st = match rustix::fs::statat(dir, &name, AtFlags::SYMLINK_NOFOLLOW) {
                Ok(st) => st,
                Err(Errno::NOENT) => {
                    self.path.truncate(len);
                    continue;
                }
                Err(e) => {
                    let line = format!("cannot remove {}: {}", self.shown(), strerror(&e.into()));
                    self.say(line);
                    stack.top().kept += 1;
                    self.path.truncate(len);
                    continue;
                }
            };
            if kind(&st) == FileType::Directory {
                let opened = walk::open_dir(dir, &name)
                    .ok()
                    .and_then(|fd| rustix::fs::fstat(&fd).ok().map(|s| (fd, s)))
                    .filter(|(_, s)| id(s) == id(&st));
                match opened.map(|(fd, s)| Level::new(fd, s, None, name.clone())) {
                    Some(Ok(mut child)) => {
                        child.lens = (len, 0);
                        if stack.push(child).is_ok() {
                            continue;
                        }
                        stack.top().kept += 1;
                    }
                    _ => {
                        let line = self.changed_line();
                        self.say(line);
                        stack.top().kept += 1;
                    }
                }
                self.path.truncate(len);
            } else {
                if !self.leaf(dir, &name, &st) {
                    stack.top().kept += 1;
                }
                self.path.truncate(len);
            }
        }
    }
}

/// Open `level`'s directory again in `parent`; it must be the same one.
fn reopen(parent: std::os::fd::BorrowedFd<'_>, level: &Level) -> Option<Level> {
    let fd = walk::open_dir(parent, &level.name).ok()?;
    let st = rustix::fs::fstat(&fd).ok()?;
    if id(&st) != level.src_id {
        return None;
    }
    Level::new(fd, st, None, level.name.clone()).ok()
}
