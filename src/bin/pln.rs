//! `pln`: see `pln --help`.
fn main() -> std::process::ExitCode {
    pmv::ln::main()
}
