//! Claim a name: move a finished upload to its final name only if nothing
//! is there yet, atomically, even across file systems. Exit status 0 when
//! claimed, 1 when the name was taken (nothing changed then), 2 on error.
//!
//! ```text
//! cargo run --example claim -- upload.tmp inbox/42
//! ```

use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [file, name] = args.as_slice() else {
        eprintln!("usage: claim FILE NAME");
        return ExitCode::from(2);
    };
    match pmv::Move::new(file, name).no_replace().run() {
        Ok(moved) => {
            println!("claimed {name} ({})", moved.steps.join(", then "));
            ExitCode::SUCCESS
        }
        Err(pmv::MoveError::Exists) => {
            println!("{name} is taken");
            ExitCode::FAILURE
        }
        Err(e) => {
            eprintln!("claim: {e}");
            ExitCode::from(2)
        }
    }
}
