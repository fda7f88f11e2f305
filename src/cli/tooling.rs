//! The commands that print what spotsim is rather than simulate: `init` (a scenario template),
//! `schema` (the scenario format's JSON Schema), `completions` and `man`.

use anyhow::Context;
use clap::CommandFactory;

use super::Failure;
use super::args::Cli;
use super::output::print_stdout;

/// `spotsim init`: the commented template, a CPU job with `--cpu`, else a single-GPU job.
pub(crate) fn init(cpu: bool) -> Result<(), Failure> {
    print_stdout(if cpu {
        spotsim::import::templates::CPU
    } else {
        spotsim::import::templates::GPU
    })
}

/// `spotsim completions SHELL`.
pub(crate) fn completions(shell: clap_complete::Shell) -> Result<(), Failure> {
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "spotsim", &mut script);
    print_stdout(&String::from_utf8_lossy(&script))
}

/// `spotsim man`: the man page, roff, from the same definitions as `--help`.
pub(crate) fn man() -> Result<(), Failure> {
    let mut page = Vec::new();
    clap_mangen::Man::new(Cli::command())
        .render(&mut page)
        .context("cannot render the man page")
        .map_err(Failure::Runtime)
        .and_then(|()| print_stdout(&String::from_utf8_lossy(&page)))
}

/// `spotsim schema`: the JSON Schema of the scenario format.
pub(crate) fn schema() -> Result<(), Failure> {
    print_stdout(&spotsim::scenario::render_schema())
}
