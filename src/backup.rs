//! Backup names, as GNU's `backupfile.c` makes them (`-b`, `--backup`,
//! `-S`, `VERSION_CONTROL`, `SIMPLE_BACKUP_SUFFIX`).

use std::ffi::{OsStr, OsString};
use std::os::fd::BorrowedFd;
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::{Path, PathBuf};

/// `--backup[=CONTROL]`, as mv and ln take it.
pub const OPT_BACKUP: crate::args::Opt = crate::args::Opt::valued(
    "backup",
    None,
    Some("backup"),
    crate::args::Takes::Optional,
    "CONTROL",
    "[GNU] make a backup of each existing destination file",
)
.completing(crate::args::Complete::Words(|| control_names().collect()));

/// `-b`, as mv and ln take it.
pub const OPT_B: crate::args::Opt = crate::args::Opt::flag(
    "b",
    Some('b'),
    None,
    "[GNU] like --backup but does not accept an argument",
);

/// `-S`, `--suffix=SUFFIX`, as mv and ln take it.
pub const OPT_SUFFIX: crate::args::Opt = crate::args::Opt::valued(
    "suffix",
    Some('S'),
    Some("suffix"),
    crate::args::Takes::Required,
    "SUFFIX",
    "[GNU] override the usual backup suffix",
);

/// Which backups to make.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Control {
    /// Never make backups (`none`, `off`).
    None,
    /// `NAME~`, or `NAME` with the chosen suffix (`simple`, `never`).
    Simple,
    /// Numbered if numbered backups exist already, simple otherwise
    /// (`existing`, `nil`).
    Existing,
    /// `NAME.~N~` (`numbered`, `t`).
    Numbered,
}

const NAMES: &[(&str, Control)] = &[
    ("none", Control::None),
    ("off", Control::None),
    ("simple", Control::Simple),
    ("never", Control::Simple),
    ("existing", Control::Existing),
    ("nil", Control::Existing),
    ("numbered", Control::Numbered),
    ("t", Control::Numbered),
];

/// The valid `CONTROL` words, in the order GNU lists them.
pub fn control_names() -> impl Iterator<Item = &'static str> {
    NAMES.iter().map(|(n, _)| *n)
}

/// Match `word` against the control names as GNU's `argmatch` does: an exact
/// name, or an unambiguous prefix (prefixes of names meaning the same thing
/// are not ambiguous).
pub fn parse_control(word: &str) -> Result<Control, crate::args::BadArg> {
    crate::args::argmatch(word, NAMES)
}

/// The suffix for simple backups: `-S`, else `SIMPLE_BACKUP_SUFFIX`, else
/// `~`. As in GNU, a suffix is used only if it is one file name component
/// (gnulib's `last_component (s) == s`): `/` only at its end, so `.d/`
/// makes backup names that the kernel then refuses (`Not a directory`).
pub fn suffix(option: Option<&OsStr>) -> OsString {
    let env = std::env::var_os("SIMPLE_BACKUP_SUFFIX");
    let chosen = option.map(OsStr::to_os_string).or(env);
    let one_component = |s: &[u8]| {
        !s.is_empty() && s[0] != b'/' && !s.windows(2).any(|w| w[0] == b'/' && w[1] != b'/')
    };
    match chosen {
        Some(s) if one_component(s.as_bytes()) => s,
        _ => OsString::from("~"),
    }
}

/// The backup name for `file` under `control`; `None` for no backup.
/// `existing` lists the names in `file`'s directory (only needed for
/// `Existing` and `Numbered`).
pub fn backup_name(
    file: &Path,
    control: Control,
    suffix: &OsStr,
    existing: impl FnOnce() -> Vec<OsString>,
) -> Option<PathBuf> {
    // "c//" is backed up as "c~": the name without its trailing slashes.
    let file = &crate::names::strip_trailing_slashes(file);
    let base = file.file_name().unwrap_or(file.as_os_str()).as_bytes();
    let simple = || {
        let mut name = file.as_os_str().to_os_string();
        name.push(suffix);
        PathBuf::from(name)
    };
    let numbered = |highest: &[u8]| {
        let mut name = file.as_os_str().to_os_string().into_vec();
        name.extend_from_slice(b".~");
        name.extend_from_slice(&next_number(highest));
        name.push(b'~');
        PathBuf::from(OsString::from_vec(name))
    };
    match control {
        Control::None => None,
        Control::Simple => Some(simple()),
        Control::Numbered => Some(numbered(highest_number(base, &existing()).unwrap_or(b"0"))),
        Control::Existing => match highest_number(base, &existing()) {
            Some(n) => Some(numbered(n)),
            None => Some(simple()),
        },
    }
}

/// The highest `N` among names of the form `BASE.~N~`, as gnulib's
/// `numbered_backup` finds it: `N` is decimal digits not starting with
/// `0` (`f.~007~` is not a numbered backup), of any length, compared as a
/// number is (a longer string is larger; `f.~10~` is above `f.~9~`).
fn highest_number<'n>(base: &[u8], names: &'n [OsString]) -> Option<&'n [u8]> {
    names
        .iter()
        .filter_map(|name| {
            let rest = name.as_bytes().strip_prefix(base)?.strip_prefix(b".~")?;
            let digits = rest.strip_suffix(b"~")?;
            let number = digits.first().is_some_and(|d| (b'1'..=b'9').contains(d))
                && digits.iter().all(u8::is_ascii_digit);
            number.then_some(digits)
        })
        .max_by(|a, b| a.len().cmp(&b.len()).then_with(|| a.cmp(b)))
}

/// `n + 1` on the decimal string `n`, as gnulib adds one: with a carry
/// into a new leading digit, never a wrap (`9` gives `10`, and
/// `18446744073709551615` gives `18446744073709551616`).
fn next_number(n: &[u8]) -> Vec<u8> {
    let mut out = n.to_vec();
    for d in out.iter_mut().rev() {
        if *d == b'9' {
            *d = b'0';
        } else {
            *d += 1;
            return out;
        }
    }
    out.insert(0, b'1');
    out
}

/// The names in the directory that holds `file` (relative to `dir`), for
/// numbered backups.
pub fn list_parent(dir: BorrowedFd<'_>, file: &Path) -> Vec<OsString> {
    use rustix::fs::{Mode, OFlags};
    let flags = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC;
    let Ok(fd) = rustix::fs::openat(dir, crate::names::parent(file), flags, Mode::empty()) else {
        return Vec::new();
    };
    let Ok(entries) = rustix::fs::Dir::new(fd) else {
        return Vec::new();
    };
    entries
        .filter_map(Result::ok)
        .map(|e| OsStr::from_bytes(e.file_name().to_bytes()).to_os_string())
        .collect()
}

/// The backup type from `--backup=WORD`, or from `VERSION_CONTROL` when
/// no word was given, or `existing`; a bad word is a usage error with
/// GNU's list of valid ones.
pub fn control(word: Option<String>) -> Result<Control, crate::args::UsageError> {
    let (word, context) = match word {
        Some(w) => (w, "backup type"),
        None => match std::env::var("VERSION_CONTROL") {
            Ok(v) if !v.is_empty() => (v, "$VERSION_CONTROL"),
            _ => return Ok(Control::Existing),
        },
    };
    parse_control(&word).map_err(|e| {
        crate::args::UsageError(crate::args::bad_arg_message(e, &word, context, NAMES))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(list: &[&str]) -> Vec<OsString> {
        list.iter().map(OsString::from).collect()
    }

    #[test]
    fn simple_and_numbered_names() {
        let f = Path::new("dir/f");
        let sfx = OsStr::new("~");
        assert_eq!(backup_name(f, Control::None, sfx, Vec::new), None);
        assert_eq!(
            backup_name(f, Control::Simple, OsStr::new(".bak"), Vec::new),
            Some("dir/f.bak".into())
        );
        assert_eq!(
            backup_name(f, Control::Numbered, sfx, || names(&["f"])),
            Some("dir/f.~1~".into())
        );
        assert_eq!(
            backup_name(f, Control::Numbered, sfx, || names(&[
                "f.~1~", "f.~12~", "f.~9~", "g.~99~", "f.~x~"
            ])),
            Some("dir/f.~13~".into())
        );
    }

    /// The next number is worked out on the decimal string, without a
    /// limit: a planted `f.~18446744073709551615~` (u64's maximum) gives
    /// `...616`, not a wrap to an existing `f.~0~` (not a numbered backup:
    /// GNU skips a leading `0`, so `f.~007~` does not count either).
    #[test]
    fn numbers_are_decimal_strings_without_a_limit() {
        let f = Path::new("f");
        let sfx = OsStr::new("~");
        let next = |list: &[&str]| backup_name(f, Control::Numbered, sfx, || names(list));
        assert_eq!(
            next(&["f.~0~", "f.~18446744073709551615~"]),
            Some("f.~18446744073709551616~".into())
        );
        assert_eq!(
            next(&["f.~99999999999999999999999999~"]),
            Some("f.~100000000000000000000000000~".into())
        );
        assert_eq!(next(&["f.~9~", "f.~10~"]), Some("f.~11~".into()));
        assert_eq!(next(&["f.~10~", "f.~9~"]), Some("f.~11~".into()));
        assert_eq!(next(&["f.~007~"]), Some("f.~1~".into()));
        assert_eq!(next(&["f.~007~", "f.~8~"]), Some("f.~9~".into()));
        assert_eq!(next(&["f.~0~"]), Some("f.~1~".into()));
        assert_eq!(
            backup_name(f, Control::Existing, sfx, || names(&["f.~007~"])),
            Some("f~".into())
        );
        assert_eq!(next_number(b"199"), b"200");
        assert_eq!(next_number(b"999"), b"1000");
    }

    #[test]
    fn existing_follows_what_is_there() {
        let f = Path::new("f");
        let sfx = OsStr::new("~");
        assert_eq!(
            backup_name(f, Control::Existing, sfx, || names(&["f~"])),
            Some("f~".into())
        );
        assert_eq!(
            backup_name(f, Control::Existing, sfx, || names(&["f.~2~"])),
            Some("f.~3~".into())
        );
    }

    #[test]
    fn control_words_and_prefixes() {
        assert_eq!(parse_control("numbered"), Ok(Control::Numbered));
        assert_eq!(parse_control("num"), Ok(Control::Numbered));
        assert_eq!(parse_control("t"), Ok(Control::Numbered));
        assert_eq!(parse_control("o"), Ok(Control::None));
        assert!(
            parse_control("n").is_err(),
            "none/never/nil/numbered: ambiguous"
        );
        assert!(parse_control("bogus").is_err());
    }
}
