//! What to do with one SOURCE → destination pair once both have been
//! looked at with `lstat`: pure code, no side effects.

use super::cli::{Interactive, Options, Update};

/// The parts of an `lstat` result that the decision needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Meta {
    pub dir: bool,
    pub symlink: bool,
    pub dev: u64,
    pub ino: u64,
    /// Modification time: seconds, nanoseconds.
    pub mtime: rustix::fs::Timespec,
    /// Permission bits (`st_mode & 07777`), for the unwritable prompt.
    pub mode: u32,
    /// Number of hard links.
    pub nlink: u64,
}

impl From<&crate::platform::Info> for Meta {
    fn from(info: &crate::platform::Info) -> Self {
        Meta {
            dir: info.is_dir(),
            symlink: info.is_symlink(),
            dev: info.dev,
            ino: info.ino,
            mtime: info.mtime,
            mode: info.mode & 0o7777,
            nlink: info.nlink,
        }
    }
}

impl Meta {
    /// Whether `self` and `other` are the same file.
    pub fn same_file(&self, other: &Meta) -> bool {
        self.id() == other.id()
    }

    /// The file's identity.
    pub fn id(&self) -> crate::platform::FileId {
        crate::platform::FileId {
            dev: self.dev,
            ino: self.ino,
        }
    }
}

/// Why a move is refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// `'a' and 'b' are the same file`
    SameFile,
    /// `--update=none-fail`: `not replacing 'b'`
    NotReplacing,
    /// `cannot overwrite directory 'd' with non-directory`
    DirWithNonDir,
    /// `cannot overwrite non-directory 'f' with directory 'd'`
    NonDirWithDir,
    /// `will not overwrite just-created 'b' with 'a'`
    JustCreated,
}

/// Which question to ask before replacing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Question {
    /// `overwrite 'b'? `
    Overwrite,
    /// `replace 'b', overriding mode 0444 (r--r--r--)? `
    OverrideMode,
}

/// The decision for one pair whose destination exists.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Leave both alone and report nothing (`-n`, `--update`).
    Skip,
    /// Refuse with a diagnostic; exit status 1.
    Refuse(Refusal),
    /// Ask first; then [`Verdict::Replace`] or a declined skip.
    Ask(Question),
    /// Replace the destination.
    Replace,
}

/// Facts about the pair that are not in the two `lstat`s.
#[derive(Clone, Copy, Debug, Default)]
pub struct Context {
    /// This same command created the destination.
    pub just_created: bool,
    /// The destination is writable by us (symlinks always are).
    pub writable: bool,
    /// Standard input is a terminal.
    pub stdin_tty: bool,
    /// A backup of the destination will be made.
    pub backup: bool,
    /// SOURCE and destination are the same directory entry (same parent,
    /// same name), not merely the same file; asked only when they are the
    /// same file or both symlinks.
    pub same_entry: bool,
    /// SOURCE is a symlink that leads to the destination, as GNU judges it:
    /// to its very entry where the destination has other names, else to
    /// its file.
    pub src_resolves_to_dst: bool,
}

fn no_replace(opts: &Options) -> bool {
    matches!(opts.update, Update::None | Update::NoneFail)
}

/// The checks GNU mv makes before it may ask: same file, `--update`, `-n`,
/// and whether to ask.
pub fn before_asking(src: &Meta, dst: &Meta, opts: &Options, ctx: Context) -> Verdict {
    if !no_replace(opts) && same_file(src, dst, ctx) {
        return Verdict::Refuse(Refusal::SameFile);
    }
    if opts.update == Update::Older && !src.dir && dst.mtime >= src.mtime {
        return Verdict::Skip;
    }
    match opts.update {
        Update::None => return Verdict::Skip,
        Update::NoneFail => return Verdict::Refuse(Refusal::NotReplacing),
        _ => {}
    }
    match opts.interactive {
        Interactive::AskUser if !ctx.writable => Verdict::Ask(Question::OverrideMode),
        Interactive::AskUser => Verdict::Ask(Question::Overwrite),
        Interactive::Unspecified if ctx.stdin_tty && !ctx.writable => {
            Verdict::Ask(Question::OverrideMode)
        }
        _ => Verdict::Replace,
    }
}

/// GNU's `same_file_ok`, for moves: replacing the destination would lose
/// SOURCE itself.
fn same_file(src: &Meta, dst: &Meta, ctx: Context) -> bool {
    let same = src.same_file(dst);
    if src.symlink && dst.symlink {
        // Two names of one symlink are fine to merge only when kept as a
        // backup.
        return ctx.same_entry || (same && !ctx.backup);
    }
    if ctx.backup {
        // The destination is kept as a backup: only the very same entry is
        // a problem.
        return same && ctx.same_entry;
    }
    if dst.symlink {
        return false;
    }
    // Moving a symlink over the file it points to would leave a link
    // pointing at itself.
    same || (src.symlink && ctx.src_resolves_to_dst)
}

/// The checks after a "yes" (or when nobody asked): kinds must match
/// (unless the destination is kept as a backup), and a destination this
/// run created is not replaced.
pub fn after_asking(src: &Meta, dst: &Meta, opts: &Options, ctx: Context) -> Verdict {
    if !ctx.backup && !opts.exchange {
        if dst.dir && !src.dir {
            return Verdict::Refuse(Refusal::DirWithNonDir);
        }
        if src.dir && !dst.dir {
            return Verdict::Refuse(Refusal::NonDirWithDir);
        }
    }
    if ctx.just_created && !dst.dir && !opts.exchange {
        return Verdict::Refuse(Refusal::JustCreated);
    }
    Verdict::Replace
}

/// Both phases, for a caller that answers "yes" to every question.
#[cfg(test)]
fn decide(src: &Meta, dst: &Meta, opts: &Options, ctx: Context) -> Verdict {
    match before_asking(src, dst, opts, ctx) {
        Verdict::Replace => after_asking(src, dst, opts, ctx),
        other => other,
    }
}

/// `ls -l`-style permission string of `mode` without the type letter, as
/// GNU's `strmode` writes it (`r--r--r--`).
pub fn mode_string(mode: u32) -> String {
    let mut s = String::with_capacity(9);
    for (shift, special, lower, upper) in [
        (6, 0o4000, 's', 'S'),
        (3, 0o2000, 's', 'S'),
        (0, 0o1000, 't', 'T'),
    ] {
        let bits = (mode >> shift) & 7;
        s.push(if bits & 4 != 0 { 'r' } else { '-' });
        s.push(if bits & 2 != 0 { 'w' } else { '-' });
        let x = bits & 1 != 0;
        s.push(match (mode & special != 0, x) {
            (true, true) => lower,
            (true, false) => upper,
            (false, true) => 'x',
            (false, false) => '-',
        });
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mv::cli::Target;

    fn opts() -> Options {
        Options {
            interactive: Interactive::Unspecified,
            update: Update::All,
            backup: None,
            target: Target::Default,
            verbose: false,
            strip_trailing_slashes: false,
            exchange: false,
            no_copy: false,
            debug: false,
            atomic: false,
            sync: false,
            progress: false,
        }
    }

    fn file(ino: u64, mtime: i64) -> Meta {
        Meta {
            dir: false,
            symlink: false,
            dev: 1,
            ino,
            mtime: rustix::fs::Timespec {
                tv_sec: mtime,
                tv_nsec: 0,
            },
            mode: 0o644,
            nlink: 1,
        }
    }

    fn dir(ino: u64) -> Meta {
        Meta {
            dir: true,
            ..file(ino, 0)
        }
    }

    fn link(ino: u64) -> Meta {
        Meta {
            symlink: true,
            ..file(ino, 0)
        }
    }

    const W: Context = Context {
        just_created: false,
        writable: true,
        stdin_tty: false,
        backup: false,
        same_entry: false,
        src_resolves_to_dst: false,
    };

    #[test]
    fn plain_replace() {
        assert_eq!(
            decide(&file(1, 0), &file(2, 0), &opts(), W),
            Verdict::Replace
        );
        assert_eq!(decide(&dir(1), &dir(2), &opts(), W), Verdict::Replace);
    }

    #[test]
    fn refusals() {
        let o = opts();
        assert_eq!(
            decide(&file(1, 0), &file(1, 0), &o, W),
            Verdict::Refuse(Refusal::SameFile)
        );
        assert_eq!(
            decide(&file(1, 0), &dir(2), &o, W),
            Verdict::Refuse(Refusal::DirWithNonDir)
        );
        assert_eq!(
            decide(&dir(1), &file(2, 0), &o, W),
            Verdict::Refuse(Refusal::NonDirWithDir)
        );
        let jc = Context {
            just_created: true,
            ..W
        };
        assert_eq!(
            decide(&file(1, 0), &file(2, 0), &o, jc),
            Verdict::Refuse(Refusal::JustCreated)
        );
    }

    #[test]
    fn same_file_rules() {
        let o = opts();
        let resolves = Context {
            src_resolves_to_dst: true,
            ..W
        };
        assert_eq!(
            decide(&link(1), &file(2, 0), &o, resolves),
            Verdict::Refuse(Refusal::SameFile)
        );
        // The link leads to another name of the same file: moving it over
        // that other name loses nothing.
        assert_eq!(decide(&link(1), &file(2, 0), &o, W), Verdict::Replace);
        assert_eq!(
            decide(&link(1), &link(2), &o, resolves),
            Verdict::Replace,
            "dest is a symlink"
        );
        assert_eq!(
            decide(&link(1), &link(1), &o, W),
            Verdict::Refuse(Refusal::SameFile)
        );
        let b = Context { backup: true, ..W };
        assert_eq!(
            decide(&file(1, 0), &file(1, 0), &o, b),
            Verdict::Replace,
            "hard links with a backup"
        );
        let same = Context {
            backup: true,
            same_entry: true,
            ..W
        };
        assert_eq!(
            decide(&file(1, 0), &file(1, 0), &o, same),
            Verdict::Refuse(Refusal::SameFile)
        );
    }

    #[test]
    fn backup_allows_kind_change() {
        let b = Context { backup: true, ..W };
        assert_eq!(decide(&file(1, 0), &dir(2), &opts(), b), Verdict::Replace);
    }

    #[test]
    fn no_clobber_and_update() {
        let mut o = opts();
        o.update = Update::None;
        assert_eq!(
            decide(&file(1, 0), &file(1, 0), &o, W),
            Verdict::Skip,
            "-n wins over same-file"
        );
        assert_eq!(
            decide(&file(1, 0), &dir(2), &o, W),
            Verdict::Skip,
            "-n wins over kind mismatch"
        );
        o.update = Update::NoneFail;
        assert_eq!(
            decide(&file(1, 0), &file(2, 0), &o, W),
            Verdict::Refuse(Refusal::NotReplacing)
        );
        let mut o = opts();
        o.update = Update::Older;
        assert_eq!(
            decide(&file(1, 5), &file(2, 5), &o, W),
            Verdict::Skip,
            "same age: skip"
        );
        assert_eq!(decide(&file(1, 5), &file(2, 9), &o, W), Verdict::Skip);
        assert_eq!(decide(&file(1, 9), &file(2, 5), &o, W), Verdict::Replace);
        assert_eq!(
            decide(&dir(1), &dir(2), &o, W),
            Verdict::Replace,
            "-u does not skip directories"
        );
    }

    #[test]
    fn prompts() {
        let mut o = opts();
        o.interactive = Interactive::AskUser;
        assert_eq!(
            decide(&file(1, 0), &file(2, 0), &o, W),
            Verdict::Ask(Question::Overwrite)
        );
        let ro = Context {
            writable: false,
            ..W
        };
        assert_eq!(
            decide(&file(1, 0), &file(2, 0), &o, ro),
            Verdict::Ask(Question::OverrideMode)
        );
        let tty_ro = Context {
            writable: false,
            stdin_tty: true,
            ..W
        };
        assert_eq!(
            decide(&file(1, 0), &file(2, 0), &opts(), ro),
            Verdict::Replace,
            "no tty: no prompt"
        );
        assert_eq!(
            decide(&file(1, 0), &file(2, 0), &opts(), tty_ro),
            Verdict::Ask(Question::OverrideMode)
        );
        o.interactive = Interactive::AlwaysYes;
        assert_eq!(
            decide(&file(1, 0), &file(2, 0), &o, tty_ro),
            Verdict::Replace,
            "-f: never ask"
        );
        // The question comes before the kind check: a "yes" can still be
        // refused afterwards.
        let mut o = opts();
        o.interactive = Interactive::AskUser;
        assert_eq!(
            before_asking(&file(1, 0), &dir(2), &o, W),
            Verdict::Ask(Question::Overwrite)
        );
        assert_eq!(
            after_asking(&file(1, 0), &dir(2), &o, W),
            Verdict::Refuse(Refusal::DirWithNonDir)
        );
    }

    #[test]
    fn modes() {
        assert_eq!(mode_string(0o444), "r--r--r--");
        assert_eq!(mode_string(0o4755), "rwsr-xr-x");
        assert_eq!(mode_string(0o1700), "rwx-----T");
    }
}
