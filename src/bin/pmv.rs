//! `pmv`: see `pmv --help`.
fn main() -> std::process::ExitCode {
    pmv::mv::main()
}
