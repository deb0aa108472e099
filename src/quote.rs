//! File names quoted as GNU coreutils quotes them in diagnostics
//! (gnulib `quotearg`, `shell_escape_always_quoting_style`).
//!
//! A name is put in single quotes; bytes that a shell or terminal would
//! mangle go in `$'...'` segments as C escapes; a name whose only special
//! character is `'` is put in double quotes instead. Bytes that are not
//! printable in the current locale (everything above 0x7f in the C locale,
//! invalid UTF-8 in a UTF-8 locale) are written as octal escapes.

use std::ffi::OsStr;
use std::fmt::Write;
use std::os::unix::ffi::OsStrExt;
use std::sync::OnceLock;

/// Whether the locale's character set is UTF-8 (`LC_ALL`, then
/// `LC_CTYPE`, then `LANG`, as `setlocale` reads them).
pub(crate) fn utf8_locale() -> bool {
    static UTF8: OnceLock<bool> = OnceLock::new();
    *UTF8.get_or_init(|| {
        let value = ["LC_ALL", "LC_CTYPE", "LANG"]
            .iter()
            .filter_map(std::env::var_os)
            .find(|v| !v.is_empty())
            .unwrap_or_default();
        let v = value.to_string_lossy().to_ascii_lowercase();
        v.contains("utf-8") || v.contains("utf8")
    })
}

/// One unit of a name: a printable character (one or more bytes), or a byte
/// that must be escaped.
#[derive(Clone, Copy)]
enum Unit<'a> {
    Text(&'a [u8]),
    Escape(u8),
}

fn units(bytes: &[u8], utf8: bool) -> Vec<Unit<'_>> {
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b < 0x80 {
            out.push(if b < 0x20 || b == 0x7f {
                Unit::Escape(b)
            } else {
                Unit::Text(&bytes[i..=i])
            });
            i += 1;
            continue;
        }
        if utf8 {
            let len = match b {
                0xc2..=0xdf => 2,
                0xe0..=0xef => 3,
                0xf0..=0xf4 => 4,
                _ => 0,
            };
            if len > 0 && i + len <= bytes.len() {
                if let Ok(s) = std::str::from_utf8(&bytes[i..i + len]) {
                    if !s.chars().all(char::is_control) {
                        out.push(Unit::Text(&bytes[i..i + len]));
                        i += len;
                        continue;
                    }
                }
            }
        }
        out.push(Unit::Escape(b));
        i += 1;
    }
    out
}

/// Whether a character means the same inside C and shell double quotes
/// (gnulib's `c_and_shell_quote_compat`).
fn compatible(unit: Unit<'_>, index: usize, total: usize) -> bool {
    let b = match unit {
        Unit::Escape(_) => return false,
        Unit::Text(t) if t.len() > 1 => return true,
        Unit::Text(t) => t[0],
    };
    match b {
        b'#' | b'~' => index == 0,
        b'{' | b'}' => total == 1,
        b'!' | b'"' | b'$' | b'&' | b'(' | b')' | b'*' | b';' | b'<' | b'=' | b'>' | b'['
        | b'^' | b'`' | b'|' | b'\\' | b'?' => false,
        _ => true,
    }
}

fn escape(out: &mut String, b: u8) {
    let _ = match b {
        0x07 => out.write_str("\\a"),
        0x08 => out.write_str("\\b"),
        0x0c => out.write_str("\\f"),
        b'\n' => out.write_str("\\n"),
        b'\r' => out.write_str("\\r"),
        b'\t' => out.write_str("\\t"),
        0x0b => out.write_str("\\v"),
        _ => write!(out, "\\{b:03o}"),
    };
}

/// Runs gnulib's single-quote state machine; returns whether an escape
/// segment was still open at the end (gnulib carries that flag into its
/// second pass, which is why `x'y<newline>` starts with `'''`).
fn single_quoted(out: &mut String, units: &[Unit<'_>], mut pending: bool) -> bool {
    out.push('\'');
    for &unit in units {
        match unit {
            Unit::Text(b"'") => {
                out.push_str("'\\''");
                pending = false;
            }
            Unit::Escape(b) => {
                if !pending {
                    out.push_str("'$'");
                    pending = true;
                }
                escape(out, b);
            }
            Unit::Text(t) => {
                if pending {
                    out.push_str("''");
                    pending = false;
                }
                out.push_str(&String::from_utf8_lossy(t));
            }
        }
    }
    out.push('\'');
    pending
}

/// Quote `name` as GNU's `quoteaf` does: `'a b'`, `"it's"`, `'a'$'\n''b'`.
pub fn quote(name: &OsStr) -> String {
    quote_in(name, utf8_locale())
}

fn quote_in(name: &OsStr, utf8: bool) -> String {
    let bytes = name.as_bytes();
    let units = units(bytes, utf8);
    let mut out = String::with_capacity(bytes.len() + 2);
    if !bytes.contains(&b'\'') {
        single_quoted(&mut out, &units, false);
        return out;
    }
    let total = units.len();
    if units
        .iter()
        .enumerate()
        .all(|(i, &u)| compatible(u, i, total))
    {
        out.push('"');
        out.push_str(&String::from_utf8_lossy(bytes));
        out.push('"');
        return out;
    }
    let carried = single_quoted(&mut String::new(), &units, false);
    single_quoted(&mut out, &units, carried);
    out
}

#[cfg(feature = "cli")]
/// Quote `name` as GNU's `quotef` does for `NAME: message` diagnostics:
/// bare when nothing in it needs quoting (`dir`), else as [`quote`].
pub fn quotef(name: &OsStr) -> String {
    let b = name.as_bytes();
    let bare = !b.is_empty()
        && b.iter().enumerate().all(|(i, &c)| match c {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' => true,
            b'%' | b'+' | b',' | b'-' | b'.' | b'/' | b'_' | b']' | b'@' => true,
            b'#' | b'~' => i > 0,
            b'{' | b'}' => b.len() > 1,
            0x80.. => utf8_locale() && std::str::from_utf8(b).is_ok(),
            _ => false,
        });
    if bare {
        String::from_utf8_lossy(b).into_owned()
    } else {
        quote(name)
    }
}

#[cfg(test)]
mod tests {
    use super::{quote, quote_in, quotef};
    use std::ffi::OsStr;
    use std::os::unix::ffi::OsStrExt;

    #[test]
    fn quote_and_quotef_as_gnu() {
        assert_eq!(quote("a b".as_ref()), "'a b'");
        assert_eq!(quote("it's".as_ref()), "\"it's\"");
        assert_eq!(quote("a\nb".as_ref()), "'a'$'\\n''b'");
        assert_eq!(quotef("dir".as_ref()), "dir");
        assert_eq!(quotef("a b".as_ref()), "'a b'");
    }

    fn c(name: &[u8]) -> String {
        quote_in(OsStr::from_bytes(name), false)
    }

    // Expected strings are what GNU `ls --quoting-style=shell-escape-always`
    // (the same gnulib code) prints in the C locale.
    #[test]
    fn matches_gnu_in_the_c_locale() {
        let cases: &[(&[u8], &str)] = &[
            (b"plain", "'plain'"),
            (b"", "''"),
            (b"a b", "'a b'"),
            (b"it's", "\"it's\""),
            (b"it's a b", "\"it's a b\""),
            (b"'", "\"'\""),
            (b"a\nb", "'a'$'\\n''b'"),
            (b"\n", "''$'\\n'"),
            (b"a\n", "'a'$'\\n'"),
            (b"\na", "''$'\\n''a'"),
            (b"a\n\nb", "'a'$'\\n\\n''b'"),
            (b"a\tb\x01c", "'a'$'\\t''b'$'\\001''c'"),
            (b"x\xffy", "'x'$'\\377''y'"),
            (b"caf\xc3\xa9", "'caf'$'\\303\\251'"),
            (b"a\"b", "'a\"b'"),
            (b"a\\b", "'a\\b'"),
            (b"-x", "'-x'"),
            (b"it's\n", "'''it'\\''s'$'\\n'"),
            (b"x'y\n", "'''x'\\''y'$'\\n'"),
            (b"'\n", "''\\'''$'\\n'"),
            (b"\n'", "''$'\\n'\\'''"),
            (b"a\n'b", "'a'$'\\n'\\''b'"),
            (b"a'!", "'a'\\''!'"),
            (b"ab'cd'!", "'ab'\\''cd'\\''!'"),
            (b"a'\xff", "'''a'\\'''$'\\377'"),
        ];
        for (name, want) in cases {
            assert_eq!(&c(name), want, "name {:?}", String::from_utf8_lossy(name));
        }
    }

    #[test]
    fn utf8_locale_keeps_printable_characters() {
        let u = |n: &[u8]| quote_in(OsStr::from_bytes(n), true);
        assert_eq!(u("café".as_bytes()), "'café'");
        assert_eq!(u("é'".as_bytes()), "\"é'\"");
        assert_eq!(u(b"x\xffy"), "'x'$'\\377''y'");
    }
}
