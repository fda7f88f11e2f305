//! The `spotsim` command: parses arguments, calls the library, prints, picks the exit code
//! (0 success, 1 runtime failure, 2 usage or bad input).
//!
//! The commands themselves are in [`cli`]: this file parses the command line and hands it over.

mod cli;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    let result = cli::run(cli);
    cli::exit_code(result)
}
