//! `-g`, `--progress`: while a move copies across file systems, one line on
//! stderr that names what is moved (the file, or how many of a tree's
//! files are done), how far the copy is, its speed and its ETA; then a
//! line that stays: `moved 'big.iso': 1.00 GiB in 1.4 s`. Nothing at all
//! when stderr is not a terminal.

use std::path::Path;
use std::time::{Duration, Instant};

use indicatif::{HumanBytes, ProgressBar, ProgressStyle};

use crate::engine::{self, Progress};
use crate::report::{self, q};

/// The longest name shown, in characters; a longer one keeps its end.
const NAME_WIDTH: usize = 40;

/// A progress line, or nothing when not wanted or not on a terminal.
pub struct Bar(Option<Live>);

struct Live {
    bar: ProgressBar,
    name: String,
    /// Files done and in all, for a tree.
    files: Option<(u64, u64)>,
    size: engine::Size,
    start: Instant,
}

impl Bar {
    /// A progress line for moving `src`, if `wanted` and stderr is a
    /// terminal.
    pub fn new(wanted: bool, src: &Path) -> Self {
        if !wanted || !rustix::termios::isatty(rustix::stdio::stderr()) {
            return Bar(None);
        }
        let start = Instant::now();
        let size = engine::size(src);
        let tree = rustix::fs::lstat(src).is_ok_and(|st| {
            rustix::fs::FileType::from_raw_mode(st.st_mode as _) == rustix::fs::FileType::Directory
        });
        let bar = ProgressBar::new(size.bytes);
        let style = ProgressStyle::with_template(
            "{msg} {bytes}/{total_bytes} {binary_bytes_per_sec} [{wide_bar}] ETA {eta}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("#>-");
        bar.set_style(style);
        let mut live = Live {
            bar,
            name: shorten(&q(src)),
            files: tree.then_some((0, size.entries)),
            size,
            start,
        };
        live.label();
        live.bar.tick();
        // Other lines written meanwhile (-v, warnings) go above it.
        let shown = live.bar.clone();
        let stdout_tty = rustix::termios::isatty(rustix::stdio::stdout());
        report::set_around(
            Some(Box::new(move |write| shown.suspend(write))),
            stdout_tty,
        );
        Bar(Some(live))
    }

    /// Count what the copy reports.
    pub fn update(&mut self, step: Progress) {
        let Some(live) = &mut self.0 else { return };
        match step {
            Progress::Bytes(n) => {
                // A file that grew while it was copied.
                let pos = live.bar.position() + n;
                if pos > live.bar.length().unwrap_or(0) {
                    live.bar.set_length(pos);
                }
                live.bar.inc(n);
            }
            Progress::Entry => {
                if let Some((done, all)) = &mut live.files {
                    *done += 1;
                    *all = (*all).max(*done);
                    live.label();
                }
            }
        }
    }

    /// Take the line off the terminal; if the move was made, leave the
    /// summary line in its place.
    pub fn finish(&mut self, moved: bool) {
        let Some(live) = self.0.take() else { return };
        report::set_around(None, false);
        live.bar.finish_and_clear();
        if moved {
            let files = match live.files {
                Some((_, all)) => format!("{all} file{}, ", if all == 1 { "" } else { "s" }),
                None => String::new(),
            };
            let bytes = live.bar.position().max(live.size.bytes);
            eprintln!(
                "moved {}: {files}{} in {}",
                live.name,
                HumanBytes(bytes),
                seconds(live.start.elapsed())
            );
        }
    }
}

impl Drop for Bar {
    fn drop(&mut self) {
        self.finish(false);
    }
}

impl Live {
    fn label(&mut self) {
        let msg = match self.files {
            Some((done, all)) => format!("{}: {done} of {all} files", self.name),
            None => self.name.clone(),
        };
        self.bar.set_message(msg);
    }
}

/// `name`, or its last [`NAME_WIDTH`] characters after `...`.
fn shorten(name: &str) -> String {
    let n = name.chars().count();
    if n <= NAME_WIDTH {
        return name.to_string();
    }
    let tail: String = name.chars().skip(n - (NAME_WIDTH - 3)).collect();
    format!("...{tail}")
}

/// `1.4 s`, `12 s`, `3 min 5 s`.
fn seconds(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s < 10.0 {
        format!("{s:.1} s")
    } else if s < 60.0 {
        format!("{s:.0} s")
    } else {
        let whole = d.as_secs();
        format!("{} min {} s", whole / 60, whole % 60)
    }
}

#[cfg(test)]
mod tests {
    use super::{seconds, shorten, NAME_WIDTH};
    use std::time::Duration;

    #[test]
    fn durations_read_as_people_write_them() {
        assert_eq!(seconds(Duration::from_millis(1449)), "1.4 s");
        assert_eq!(seconds(Duration::from_millis(12_400)), "12 s");
        assert_eq!(seconds(Duration::from_secs(185)), "3 min 5 s");
    }

    #[test]
    fn long_names_keep_their_end() {
        assert_eq!(shorten("'a'"), "'a'");
        let long = format!("'{}/name.iso'", "d".repeat(60));
        let short = shorten(&long);
        assert_eq!(short.chars().count(), NAME_WIDTH);
        assert!(
            short.starts_with("...") && short.ends_with("/name.iso'"),
            "{short}"
        );
    }
}
