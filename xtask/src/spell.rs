//! How an option from a table is spelled on a command line, for the
//! completions: its spellings, and the abbreviations `getopt_long` takes.

use pmv::args::{Complete, Opt, Takes};

/// The candidates a shell offers for a word starting with `-`: `-x`, `--long`,
/// and `--long=` for a long option whose argument must follow an `=`.
pub fn candidates(table: &[Opt]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for o in table {
        let mut add = |s: String| {
            if !out.contains(&s) {
                out.push(s);
            }
        };
        if let Some(c) = o.short {
            add(format!("-{c}"));
        }
        if let Some(l) = o.long {
            add(format!("--{l}"));
            if o.takes == Takes::Optional {
                add(format!("--{l}="));
            }
        }
    }
    out
}

/// Every way `getopt_long` accepts the long form of `o`: the full name and
/// each prefix that no other long option starts with, longest first.
pub fn long_forms(table: &[Opt], o: &Opt) -> Vec<String> {
    let Some(long) = o.long else {
        return Vec::new();
    };
    let others: Vec<&str> = table
        .iter()
        .filter_map(|x| x.long)
        .filter(|l| *l != long)
        .collect();
    (1..=long.len())
        .rev()
        .filter(|&n| long.is_char_boundary(n))
        .map(|n| &long[..n])
        .filter(|p| *p == long || !others.iter().any(|l| l.starts_with(p)))
        .map(|p| format!("--{p}"))
        .collect()
}

/// A shell pattern for the long form of `o` and every abbreviation of it:
/// `--target-directory` as `--t*` (a word that only starts like an option
/// is an error to the program anyway).
pub fn long_pattern(table: &[Opt], o: &Opt) -> Option<String> {
    let long = o.long?;
    let shortest = long_forms(table, o).pop()?;
    Some(if shortest == format!("--{long}") {
        shortest
    } else {
        format!("{shortest}*")
    })
}

/// The options whose argument a shell completes, once each (the first row
/// of an id), with what it completes.
pub fn with_argument(table: &[Opt]) -> Vec<(&Opt, Complete)> {
    let mut seen: Vec<&str> = Vec::new();
    let mut out = Vec::new();
    for o in table {
        if o.takes == Takes::Nothing || seen.contains(&o.id) {
            continue;
        }
        seen.push(o.id);
        out.push((o, o.complete));
    }
    out
}

/// The words of a [`Complete::Words`], else none.
pub fn words(c: Complete) -> Vec<&'static str> {
    match c {
        Complete::Words(f) => f(),
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn abbreviations_are_those_getopt_takes() {
        let t = pmv::mv::cli::OPTIONS;
        let o = t.iter().find(|o| o.id == "no-target-directory").unwrap();
        let forms = long_forms(t, o);
        assert_eq!(
            forms.first().map(String::as_str),
            Some("--no-target-directory")
        );
        assert_eq!(forms.last().map(String::as_str), Some("--no-t"));
        let o = t.iter().find(|o| o.id == "suffix").unwrap();
        let forms = long_forms(t, o);
        assert!(forms.contains(&"--su".to_string()), "{forms:?}");
        assert!(
            !forms.contains(&"--s".to_string()),
            "--s is ambiguous: {forms:?}"
        );
    }

    #[test]
    fn patterns_cover_every_abbreviation() {
        let t = pmv::mv::cli::OPTIONS;
        let pattern = |id: &str| long_pattern(t, t.iter().find(|o| o.id == id).unwrap());
        assert_eq!(pattern("target-directory").as_deref(), Some("--t*"));
        assert_eq!(pattern("suffix").as_deref(), Some("--su*"));
        assert_eq!(pattern("no-dereference"), None);
        let table = [
            Opt::flag("a", None, Some("no-copy"), ""),
            Opt::flag("b", None, Some("no-copy-x"), ""),
        ];
        assert_eq!(
            long_pattern(&table, &table[0]).as_deref(),
            Some("--no-copy")
        );
        assert_eq!(
            long_pattern(&table, &table[1]).as_deref(),
            Some("--no-copy-*")
        );
    }

    #[test]
    fn candidates_offer_every_spelling() {
        let c = candidates(pmv::ln::OPTIONS);
        for s in [
            "-F",
            "-h",
            "-d",
            "--directory",
            "--backup",
            "--backup=",
            "--help",
        ] {
            assert!(c.contains(&s.to_string()), "{s} missing from {c:?}");
        }
    }
}
