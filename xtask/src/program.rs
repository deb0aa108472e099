//! What the man pages say beyond the option tables: each program's summary,
//! usage forms, description, notes on single options, and the sections
//! every manual has. The options themselves (names, arguments, one line of
//! help, what a shell completes) come from the programs' own tables.
//!
//! Text here is roff: `\-` for a hyphen to be typed, `\fB`/`\fI`/`\fR` for
//! bold, italic and roman.

use pmv::args::Opt;

/// One program, as its manual and completions describe it.
pub struct Program {
    /// The command's name.
    pub name: &'static str,
    /// The NAME line's summary (what `whatis` prints).
    pub summary: &'static str,
    /// The option table the program parses its arguments with.
    pub table: &'static [Opt],
    /// The usage forms, as `--help` prints them after the name.
    pub synopsis: &'static [&'static str],
    /// DESCRIPTION, in roff, in parts.
    pub description: &'static [&'static str],
    /// More about single options, by option id, appended to their help.
    pub notes: &'static [(&'static str, &'static str)],
    /// The sections after OPTIONS, in order: (title, roff).
    pub sections: &'static [(&'static str, &'static str)],
}

/// Both programs.
pub fn all() -> [Program; 2] {
    [pmv(), pln()]
}

/// What each backend does, for pmv's DESCRIPTION (README's "Per-OS
/// guarantees").
const BACKENDS: &str = r#".SS "Per\-system guarantees"
Each build has one backend, chosen when it is compiled;
\fBpmv \-\-version\fR names it and says what it does atomically.
.TP
\fBlinux\fR (Linux, Android)
Replace: \fBrenameat\fR(2).
No\-replace rename (\fB\-n\fR): \fBrenameat2\fR(2) with \fBRENAME_NOREPLACE\fR;
where the file system refuses the flag (FUSE, NFS, 9p, old ZFS), \fBlinkat\fR(2)
then \fBunlinkat\fR(2).
Exchange: \fBrenameat2\fR(2) with \fBRENAME_EXCHANGE\fR; fails where the file system
refuses it.
Data across file systems: \fBcopy_file_range\fR(2), else \fBread\fR/\fBwrite\fR.
.TP
\fBapple\fR (macOS 10.12 or later, iOS)
Replace: \fBrenameat\fR(2).
No\-replace rename: \fBrenameatx_np\fR(2) with \fBRENAME_EXCL\fR, after an \fBlstat\fR(2) of
the destination (macOS 11.2 ignores the flag when both names are the same);
\fBlinkat\fR then \fBunlinkat\fR where the file system refuses it.
Exchange: \fBrenameatx_np\fR(2) with \fBRENAME_SWAP\fR (APFS, HFS+); fails elsewhere.
Data: \fBfcopyfile\fR(3).
.TP
\fBbsd\fR (FreeBSD, NetBSD, OpenBSD, DragonFly)
Replace: \fBrenameat\fR(2).
No\-replace rename and exchange: FreeBSD's \fBrenameat2\fR(2) with
\fBAT_RENAME_NOREPLACE\fR and \fBAT_RENAME_EXCHANGE\fR where the system has it (looked up
when \fBpmv\fR runs: FreeBSD 16, 15.1\-STABLE); elsewhere \fBlinkat\fR then \fBunlinkat\fR for
non\-directories, and exchange fails.
Data: \fBcopy_file_range\fR(2) on FreeBSD 13 or later, else \fBread\fR/\fBwrite\fR.
.TP
\fBposix\fR (illumos, Solaris, any other system)
Replace: \fBrenameat\fR(2).
No\-replace rename: \fBlinkat\fR then \fBunlinkat\fR for non\-directories.
Exchange: fails.
Data: \fBread\fR/\fBwrite\fR.
.PP
\fBlinkat\fR then \fBunlinkat\fR is atomic for non\-directories: the hard link is made only
if the name is free, so an existing destination is never overwritten, and for a
moment both names exist.
A directory has no hard link: without a no\-replace call, \fB\-n\fR on a directory
looks and then renames, which \fB\-\-debug\fR calls racy and \fB\-\-atomic\fR refuses.
.PP
"Atomic" is what the kernel's \fBrename\fR(2) gives.
Two file systems give less to a reader that resolves a path through the renamed
name (\fIcurrent/file\fR while \fIcurrent\fR is flipped): FUSE file systems such as
bindfs, where such a reader can see \fBENOENT\fR, and btrfs, where it was seen about
once in 10,000 flips under page\-cache pressure."#;

const ENVIRONMENT: &str = r#".TP
.B SIMPLE_BACKUP_SUFFIX
The backup suffix when \fB\-S\fR is not given; \fB~\fR if unset or empty.
.TP
.B VERSION_CONTROL
The kind of backups when \fB\-\-backup\fR is given without \fICONTROL\fR, or \fB\-b\fR
or \fB\-S\fR is given: a \fICONTROL\fR word as for \fB\-\-backup\fR.
.TP
.B POSIXLY_CORRECT
If set, options end at the first operand, as with GNU's \fBgetopt\fR(3): in
\fBa b \-v\fR, \fB\-v\fR is an operand.
.TP
.BR LC_ALL ", " LC_CTYPE ", " LANG
In a UTF\-8 locale, the names in an invalid\-argument message are quoted with
\(oqcurly quotes\(cq. Other messages quote names as GNU's shell\-escape style does."#;

const EXIT_STATUS: &str = r#"0 if every operation succeeded; 1 if any failed, usage errors included.
After one operand fails, the others are still tried."#;

fn pmv() -> Program {
    Program {
        name: "pmv",
        summary: "move or rename files; every replacement of a name is atomic",
        table: pmv::mv::cli::OPTIONS,
        synopsis: &[
            "[OPTION]... [-T|-h] SOURCE DEST",
            "[OPTION]... SOURCE... DIRECTORY",
            "[OPTION]... -t DIRECTORY SOURCE...",
        ],
        description: &[PMV_DESCRIPTION, BACKENDS],
        notes: PMV_NOTES,
        sections: &[
            ("ATOMICITY AND LEFTOVERS", PMV_STAGING),
            ("EXIT STATUS", EXIT_STATUS),
            ("ENVIRONMENT", ENVIRONMENT),
            ("EXAMPLES", PMV_EXAMPLES),
            ("SEE ALSO", PMV_SEE_ALSO),
        ],
    }
}

fn pln() -> Program {
    Program {
        name: "pln",
        summary: "make links between files; replacing a name (\\-f) is atomic",
        table: pmv::ln::OPTIONS,
        synopsis: &[
            "[OPTION]... [-T] TARGET LINK_NAME",
            "[OPTION]... TARGET",
            "[OPTION]... TARGET... DIRECTORY",
            "[OPTION]... -t DIRECTORY TARGET...",
        ],
        description: &[PLN_DESCRIPTION],
        notes: PLN_NOTES,
        sections: &[
            ("ATOMICITY AND LEFTOVERS", PLN_STAGING),
            ("EXIT STATUS", EXIT_STATUS),
            ("ENVIRONMENT", ENVIRONMENT),
            ("EXAMPLES", PLN_EXAMPLES),
            ("SEE ALSO", PLN_SEE_ALSO),
        ],
    }
}

const PMV_DESCRIPTION: &str = r#"Rename \fISOURCE\fR to \fIDEST\fR, or move each \fISOURCE\fR into \fIDIRECTORY\fR,
as GNU \fBmv\fR(1) does, with its options, messages and exit status, and FreeBSD's \fB\-h\fR.
.PP
Every replacement of a name is one \fBrename\fR(2): a process that opens \fIDEST\fR
sees the old entry or the new one, never neither and never part of one.
\fB\-n\fR never overwrites a destination that appears at any moment.
A move across file systems is atomic at both ends: \fIDEST\fR appears whole in one
rename, then \fISOURCE\fR goes in one (see \fBATOMICITY AND LEFTOVERS\fR).
Where a step cannot be atomic on this system, \fB\-\-atomic\fR makes \fBpmv\fR fail
instead of taking it, and \fB\-\-debug\fR names the mechanism each move used.
\fB\-\-exchange\fR swaps two names atomically or fails; it is never emulated.
.SS "Where SOURCE goes"
.TP
\fBpmv \-T\fR \fISOURCE DEST\fR
\fIDEST\fR itself, never a directory to move into: a symbolic link \fIDEST\fR, even to a
directory, is replaced.
.TP
\fBpmv \-h\fR \fISOURCE DEST\fR
\fIDEST\fR itself if it is a symbolic link (not followed; \fIl\fB/\fR with a trailing slash
still means the directory it points to); otherwise as the plain form, so a real
directory is still moved into.
.TP
\fBpmv\fR \fISOURCE DEST\fR
\fIDEST\fB/\fIbasename(SOURCE)\fR if \fIDEST\fR is a directory (or a link to one), else \fIDEST\fR.
.TP
\fBpmv\fR \fISOURCE\fR... \fIDIRECTORY\fR
\fIDIRECTORY\fB/\fIbasename(SOURCE)\fR for each \fISOURCE\fR; the same with
\fBpmv \-t\fR \fIDIRECTORY SOURCE\fR...
.PP
A missing \fISOURCE\fR, a \fISOURCE\fR that is the destination, a directory moved into
itself, a directory over a non\-directory or the reverse, and a directory over a
non\-empty directory are refused with GNU's message, and nothing changes.
"#;

const PMV_NOTES: &[(&str, &str)] = &[
    (
        "backup",
        r#"\fICONTROL\fR is one of:
.RS
.TP
.BR none ", " off
never make backups (even if \fB\-\-backup\fR is given)
.TP
.BR numbered ", " t
make numbered backups: \fIDEST\fB.~\fIN\fB~\fR
.TP
.BR existing ", " nil
numbered if numbered backups exist already, simple otherwise (the default)
.TP
.BR simple ", " never
always make simple backups: \fIDEST\fB~\fR
.RE
.IP
A backup of a file is a hard link made before the rename, so \fIDEST\fR never goes
missing; a directory, or a \fIDEST\fR of another kind than \fISOURCE\fR, is renamed away
first, which \fB\-\-atomic\fR refuses."#,
    ),
    (
        "suffix",
        r#"The default is \fB~\fR, or \fBSIMPLE_BACKUP_SUFFIX\fR."#,
    ),
    (
        "debug",
        r#"The line names each system call and whether the move was atomic, for example:
.IP
\fBpmv: 'z.new' \-> 'z': renameat2(RENAME_NOREPLACE): atomic\fR"#,
    ),
    (
        "exchange",
        r#"Both names must exist. One \fBrenameat2\fR(2) with \fBRENAME_EXCHANGE\fR on Linux,
one \fBrenameatx_np\fR(2) with \fBRENAME_SWAP\fR on macOS, FreeBSD's \fBrenameat2\fR(2)
where the system has it. Where the kernel or the file system cannot swap
atomically, nothing changes and \fBpmv\fR says so: \fBcannot exchange 'a' and 'b':
atomic exchange is not supported on this system\fR (or \fBby this file system\fR).
Never emulated with three renames."#,
    ),
    (
        "no-dereference",
        r#"Exactly two operands. \fB\-h\fR is not help: use \fB\-\-help\fR."#,
    ),
    (
        "no-clobber",
        r#"Atomic: a destination that appears at any moment is never overwritten (a
no\-replace rename, or a hard link for a non\-directory where the system has
none). \fB\-n\fR exits 0 when it skips; use \fB\-\-update=none\-fail\fR to fail
instead."#,
    ),
    (
        "no-copy",
        r#"Without it, a move across file systems copies \fISOURCE\fR beside \fIDEST\fR and renames
the copy over it (see \fBATOMICITY AND LEFTOVERS\fR)."#,
    ),
    ("no-target-directory", r#"Exactly two operands."#),
    (
        "update",
        r#"\fIUPDATE\fR is one of:
.RS
.TP
.B all
replace every existing destination (the default without \fB\-u\fR)
.TP
.B none
replace none, silently, as \fB\-n\fR
.TP
.B none\-fail
replace none, and fail with a message and exit status 1
.TP
.B older
replace only a destination older than \fISOURCE\fR (the default of \fB\-u\fR and
\fB\-\-update\fR without \fIUPDATE\fR)
.RE"#,
    ),
    (
        "atomic",
        r#"The steps it refuses: \fB\-n\fR (or \fB\-\-update=none\fR) on a directory on a system
without a no\-replace rename, and a backup made by renaming \fIDEST\fR away (a
directory, or a \fIDEST\fR of another kind than \fISOURCE\fR). The refusal names the step
and changes nothing."#,
    ),
    (
        "progress",
        r#"Only when standard error is a terminal; nothing otherwise."#,
    ),
    (
        "sync",
        r#"Across file systems, the copied data is flushed before the rename that commits
it (one \fBsyncfs\fR(2) where the system has it, else an \fBfsync\fR(2) of each file).
After every rename, exchange or link, each directory whose entries changed is
flushed with \fBfsync\fR(2). Without \fB\-\-sync\fR, as every \fBmv\fR, \fBpmv\fR flushes
nothing."#,
    ),
];

const PMV_STAGING: &str = r#"A move within one file system is one \fBrename\fR(2). Across file systems, \fBpmv\fR first
makes a private directory \fB.pmv\-\fIXXXXXXXXXXXX\fR (mode 0700, created exclusively)
beside \fISOURCE\fR, which also proves \fISOURCE\fR can be renamed away afterwards; if it
cannot (a sticky directory, a mount point, no write permission), nothing is
changed. It then copies \fISOURCE\fR into a second private directory beside \fIDEST\fR,
under \fIDEST\fR's own name, with data, holes, mode, owner, times, symlinks, special
files, hard links, extended attributes and ACLs, opening every entry without
following symlinks and checking it is what was listed. One rename moves the
copy over \fIDEST\fR; one rename moves \fISOURCE\fR into its private directory, from which
it is removed. Readers see \fIDEST\fR change in one step and \fISOURCE\fR vanish in one
step.
.PP
An entry changed after it was copied is not removed: it stays in the private
directory beside \fISOURCE\fR, which \fBpmv\fR names. After SIGKILL, a crash or a power
cut, a \fB.pmv\-\fIXXXXXXXXXXXX\fR directory may be left beside \fIDEST\fR (holding the
partial copy under \fIDEST\fR's name) or beside \fISOURCE\fR (empty, or holding what was
not yet removed). \fIDEST\fR itself is always the old entry or the whole new one.
Once no \fBpmv\fR runs there, such a directory is safe to delete:
\fBrm \-rf\fR \fIDIR\fB/.pmv\-*\fR."#;

const PMV_EXAMPLES: &str = r#"Flip a release symlink in a deploy script, on any system:
.PP
.RS 4
.nf
ln \-s "releases/$version" current.new
pmv \-T current.new current
.fi
.RE
.PP
Swap a freshly built directory into place, then drop the old tree (where the
system cannot swap atomically this fails and changes nothing):
.PP
.RS 4
.nf
pmv \-\-exchange \-T site.new site && rm \-rf site.new
.fi
.RE
.PP
A Makefile recipe that installs a program without a moment where it is missing
or half\-written:
.PP
.RS 4
.nf
install: build/app
	cp build/app $(DESTDIR)/usr/local/bin/.app.new
	pmv \-T $(DESTDIR)/usr/local/bin/.app.new $(DESTDIR)/usr/local/bin/app
.fi
.RE
.PP
Claim a name: move only if it is free, atomically, and fail otherwise
(\fB\-T\fR so that an existing directory is not moved into; \fB\-\-update=none\-fail\fR
because \fB\-n\fR exits 0 when it skips):
.PP
.RS 4
.nf
pmv \-T \-\-update=none\-fail upload.tmp "inbox/$id" && echo claimed
.fi
.RE
.PP
Refuse any step that is not atomic, and see what was done:
.PP
.RS 4
.nf
pmv \-\-atomic \-\-debug \-T build.tmp build
.fi
.RE"#;

const PMV_SEE_ALSO: &str = r#".BR pln (1),
.BR mv (1),
.BR rename (2),
.BR renameat2 (2),
.BR link (2)
.PP
\fBpmv \-\-version\fR names the backend compiled in and what it does atomically."#;

const PLN_DESCRIPTION: &str = r#"Make a link to \fITARGET\fR named \fILINK_NAME\fR, or links to each \fITARGET\fR in
\fIDIRECTORY\fR (with one operand, in the current directory), as GNU \fBln\fR(1) does, with
its options, messages and exit status, and BSD's \fB\-h\fR. Links are hard links unless
\fB\-s\fR is given.
.PP
Replacing an existing name (\fB\-f\fR) is atomic on every system: the new link is made
under its final name in a private directory beside \fILINK_NAME\fR and renamed over
it, so \fILINK_NAME\fR is never missing, and the new link never has another name.
\fBpln \-sfn\fR \fInew current\fR flips a symbolic link without a gap, where BSD and
BusyBox \fBln \-sfn\fR remove the old link first. A real directory in the way is
never replaced.
"#;

const PLN_NOTES: &[(&str, &str)] = &[
    (
        "backup",
        r#"\fICONTROL\fR is one of \fBnone\fR or \fBoff\fR (never), \fBnumbered\fR or \fBt\fR
(\fILINK_NAME\fB.~\fIN\fB~\fR), \fBexisting\fR or \fBnil\fR (numbered if numbered
backups exist, else simple; the default), \fBsimple\fR or \fBnever\fR (\fILINK_NAME\fB~\fR)."#,
    ),
    (
        "suffix",
        r#"The default is \fB~\fR, or \fBSIMPLE_BACKUP_SUFFIX\fR."#,
    ),
    (
        "force",
        r#"The new link is renamed over the old name in one step (see \fBATOMICITY AND
LEFTOVERS\fR)."#,
    ),
    (
        "no-dereference",
        r#"With \fB\-f\fR, this is what replaces a symbolic link to a directory instead of
making the new link inside that directory."#,
    ),
    (
        "sync",
        r#"Once each link is in place (made, or renamed over the old name), the directory
that holds it is flushed with \fBfsync\fR(2), so the link survives a power cut once
\fBpln\fR has exited. Without \fB\-\-sync\fR, as every \fBln\fR, \fBpln\fR flushes nothing."#,
    ),
];

const PLN_STAGING: &str = r#"With \fB\-f\fR, the new link is made under its final name inside a private directory
\fB.pmv\-\fIXXXXXXXXXXXX\fR (mode 0700, created exclusively) beside \fILINK_NAME\fR, then one
\fBrename\fR(2) moves it over \fILINK_NAME\fR and the directory is removed: \fILINK_NAME\fR is
never missing, and the new link never has a name other than its own. SIGINT,
SIGTERM and SIGHUP wait for the rename. After SIGKILL, a
\fB.pmv\-\fIXXXXXXXXXXXX\fR directory holding the new link under its final name may be
left; once no \fBpln\fR runs there it is safe to delete."#;

const PLN_EXAMPLES: &str = r#"Flip a release symlink atomically, on any system:
.PP
.RS 4
.nf
pln \-sfn "releases/$version" current
.fi
.RE
.PP
Point a configuration file of a release at a shared one, with a relative link:
.PP
.RS 4
.nf
pln \-sfr shared/app.conf "releases/$version/app.conf"
.fi
.RE
.PP
Replace a hard link, keeping the old file as \fIapp~\fR:
.PP
.RS 4
.nf
pln \-fb build/app bin/app
.fi
.RE"#;

const PLN_SEE_ALSO: &str = r#".BR pmv (1),
.BR ln (1),
.BR symlink (2),
.BR link (2),
.BR rename (2)
.PP
\fBpln \-\-version\fR names the backend compiled in."#;
