//! Swap a directory into place: the new tree takes the live name and the
//! old one takes the new tree's name, in one step, where the kernel and
//! the file system can exchange two names (Linux, macOS, FreeBSD 15.1+).
//! Elsewhere it says so and changes nothing; it never emulates the swap
//! with several renames.
//!
//! ```text
//! cargo run --example swap_dir -- site.new site
//! ```

use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [new, live] = args.as_slice() else {
        eprintln!("usage: swap_dir NEW LIVE");
        return ExitCode::from(2);
    };
    match pmv::Move::new(new, live).exchange().run() {
        Ok(_) => {
            println!("{live} is the new tree; the old one is {new}");
            ExitCode::SUCCESS
        }
        Err(pmv::MoveError::Unsupported(e)) => {
            eprintln!("swap_dir: no atomic exchange here ({e}); nothing changed");
            ExitCode::FAILURE
        }
        Err(e) => {
            eprintln!("swap_dir: {e}");
            ExitCode::FAILURE
        }
    }
}
