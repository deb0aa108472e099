//! A man page in roff with the man(7) macros, as every `man` reads it
//! (man-db with groff, mandoc, the BSDs', illumos'), rendered from a
//! program's option table and its prose.

use std::fmt::Write;

use pmv::args::{Opt, Takes};

use crate::program::Program;

/// `text` as roff text: backslashes and hyphens escaped, and a line that
/// would start with a control character made plain.
pub fn escape(text: &str) -> String {
    let s = text.replace('\\', "\\e").replace('-', "\\-");
    if s.starts_with(['.', '\'']) {
        format!("\\&{s}")
    } else {
        s
    }
}

/// A usage form: options in bold, placeholders in italics, the rest as is.
fn synopsis(form: &str) -> String {
    form.split(' ')
        .map(|word| {
            let mut out = String::new();
            let mut rest = word;
            while !rest.is_empty() {
                let len = rest
                    .find(|c: char| "[]|.".contains(c))
                    .map_or(rest.len(), |i| if i == 0 { 1 } else { i });
                let (token, tail) = rest.split_at(len);
                if token.starts_with('-') {
                    out.push_str(&format!("\\fB{}\\fR", escape(token)));
                } else if token.chars().all(|c| c.is_ascii_uppercase() || c == '_') {
                    out.push_str(&format!("\\fI{token}\\fR"));
                } else {
                    out.push_str(token);
                }
                rest = tail;
            }
            out
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// The tag of an option's entry: `-t, --target-directory=DIRECTORY`.
fn tag(o: &Opt) -> String {
    let mut parts = Vec::new();
    if let Some(c) = o.short {
        let mut s = format!("\\fB\\-{c}\\fR");
        if o.long.is_none() && o.takes == Takes::Required {
            s.push_str(&format!(" \\fI{}\\fR", o.value));
        }
        parts.push(s);
    }
    if let Some(l) = o.long {
        let mut s = format!("\\fB\\-\\-{}\\fR", escape(l));
        match o.takes {
            Takes::Nothing => {}
            Takes::Required => s.push_str(&format!("=\\fI{}\\fR", o.value)),
            Takes::Optional => s.push_str(&format!("[=\\fI{}\\fR]", o.value)),
        }
        parts.push(s);
    }
    parts.join(", ")
}

/// Text lines of at most 80 bytes (mandoc's style), broken at spaces, which
/// in filled text changes nothing; lines between `.nf` and `.fi`, and the
/// tag line after `.TP`, are kept whole.
fn wrap(page: &str) -> String {
    let mut out = String::new();
    let mut filled = true;
    let mut tag = false;
    for line in page.lines() {
        let keep = !filled || tag;
        match line {
            ".nf" => filled = false,
            ".fi" => filled = true,
            _ => {}
        }
        tag = line == ".TP";
        if keep || line.starts_with(['.', '\'']) || line.len() <= 80 {
            out.push_str(line);
            out.push('\n');
            continue;
        }
        let mut current = String::new();
        for word in line.split(' ') {
            if !current.is_empty() && current.len() + 1 + word.len() > 80 {
                out.push_str(&current);
                out.push('\n');
                current.clear();
            }
            if current.is_empty() {
                if word.starts_with(['.', '\'']) {
                    current.push_str("\\&");
                }
            } else {
                current.push(' ');
            }
            current.push_str(word);
        }
        out.push_str(&current);
        out.push('\n');
    }
    out
}

/// The whole page.
pub fn render(p: &Program, version: &str, date: &str) -> String {
    wrap(&page(p, version, date))
}

fn page(p: &Program, version: &str, date: &str) -> String {
    let mut w = String::new();
    let name = p.name;
    let _ = writeln!(
        w,
        ".\\\" Generated from {name}'s option table by `cargo run -p xtask -- dist`; do not edit."
    );
    let _ = writeln!(
        w,
        ".TH {} 1 {date} \"pmv {version}\" \"User Commands\"",
        name.to_uppercase()
    );
    let _ = writeln!(w, ".SH NAME\n{name} \\- {}", p.summary);
    let _ = writeln!(w, ".SH SYNOPSIS");
    for (i, form) in p.synopsis.iter().enumerate() {
        if i > 0 {
            let _ = writeln!(w, ".br");
        }
        let _ = writeln!(w, ".B {name}\n{}", synopsis(form));
    }
    let _ = writeln!(w, ".SH DESCRIPTION");
    for part in p.description {
        let _ = writeln!(w, "{}", part.trim_end());
    }
    let _ = writeln!(w, ".SH OPTIONS");
    let _ = writeln!(
        w,
        "Options may come anywhere before \\fB\\-\\-\\fR, short ones bundled (\\fB\\-vf\\fR),\n\
         long ones abbreviated to any unambiguous prefix (\\fB\\-\\-no\\-t\\fR).\n\
         Mandatory arguments to long options are mandatory for short options too."
    );
    let mut noted: Vec<&str> = Vec::new();
    for o in p.table {
        let _ = writeln!(w, ".TP\n{}\n{}", tag(o), escape(o.help));
        if noted.contains(&o.id) {
            continue;
        }
        noted.push(o.id);
        if let Some((_, note)) = p.notes.iter().find(|(id, _)| *id == o.id) {
            let _ = writeln!(w, ".IP\n{note}");
        }
    }
    for (title, body) in p.sections {
        let _ = writeln!(w, ".SH \"{title}\"\n{body}");
    }
    w
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn synopsis_marks_options_and_placeholders() {
        assert_eq!(
            synopsis("[OPTION]... [-T|-h] SOURCE DEST"),
            "[\\fIOPTION\\fR]... [\\fB\\-T\\fR|\\fB\\-h\\fR] \\fISOURCE\\fR \\fIDEST\\fR"
        );
        assert_eq!(
            synopsis("[OPTION]... -t DIRECTORY SOURCE..."),
            "[\\fIOPTION\\fR]... \\fB\\-t\\fR \\fIDIRECTORY\\fR \\fISOURCE\\fR..."
        );
    }

    #[test]
    fn tags_show_how_arguments_are_given() {
        let t = pmv::mv::cli::OPTIONS;
        let tag_of = |id: &str| tag(t.iter().find(|o| o.id == id).unwrap());
        assert_eq!(
            tag_of("target-directory"),
            "\\fB\\-t\\fR, \\fB\\-\\-target\\-directory\\fR=\\fIDIRECTORY\\fR"
        );
        assert_eq!(
            tag_of("update"),
            "\\fB\\-u\\fR, \\fB\\-\\-update\\fR[=\\fIUPDATE\\fR]"
        );
        assert_eq!(tag_of("no-dereference"), "\\fB\\-h\\fR");
    }

    #[test]
    fn wrap_breaks_filled_text_only() {
        let long = format!("{} .x {}", "a".repeat(78), "b".repeat(20));
        let page = format!(".PP\n{long}\n.nf\n{long}\n.fi\n.TP\n{long}\n");
        assert_eq!(
            wrap(&page),
            format!(
                ".PP\n{}\n\\&.x {}\n.nf\n{long}\n.fi\n.TP\n{long}\n",
                "a".repeat(78),
                "b".repeat(20)
            )
        );
    }

    #[test]
    fn escape_keeps_text_out_of_requests() {
        assert_eq!(escape(".pmv-x"), "\\&.pmv\\-x");
        assert_eq!(escape("a\\b"), "a\\eb");
    }

    /// Every option of the table has an entry, and every note belongs to
    /// an option that exists (a renamed id would drop it silently).
    #[test]
    fn every_option_has_an_entry_and_every_note_an_option() {
        for p in crate::program::all() {
            let page = render(&p, "0", "2000-01-01");
            for o in p.table {
                assert!(
                    page.contains(&format!(".TP\n{}\n", tag(o))),
                    "{}: {o:?}",
                    p.name
                );
            }
            for (id, _) in p.notes {
                assert!(
                    p.table.iter().any(|o| o.id == *id),
                    "{}: note for {id}",
                    p.name
                );
            }
        }
    }
}
