//! The `shikaku` command: a thin layer over the library (see `shikaku --help`).

mod cli;

use std::process::ExitCode;

fn main() -> ExitCode {
    cli::main()
}
