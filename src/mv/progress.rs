//! `-g`, `--progress`: a progress bar on stderr for copies across file
//! systems, only when stderr is a terminal.

use std::io;
use std::path::Path;

/// A progress bar, or nothing when not wanted or not on a terminal.
pub struct Bar(Option<indicatif::ProgressBar>);

impl Bar {
    /// A bar for copying `src`, if `wanted` and stderr is a terminal.
    pub fn new(wanted: bool, src: &Path) -> Self {
        if !wanted || !rustix::termios::isatty(rustix::stdio::stderr()) {
            return Bar(None);
        }
        let bar = indicatif::ProgressBar::new(crate::engine::total_bytes(src));
        let style = indicatif::ProgressStyle::with_template(
            "{bytes}/{total_bytes} {binary_bytes_per_sec} [{wide_bar}] {eta}",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar());
        bar.set_style(style);
        Bar(Some(bar))
    }

    /// Count `n` more bytes copied.
    pub fn advance(&mut self, n: u64) -> io::Result<()> {
        if let Some(bar) = &self.0 {
            bar.inc(n);
        }
        Ok(())
    }

    /// Remove the bar from the terminal.
    pub fn finish(&mut self) {
        if let Some(bar) = self.0.take() {
            bar.finish_and_clear();
        }
    }
}
