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
/// Every page its SUBCOMMANDS section lists (`spotsim-run(1)`, …) is produced: one by naming
/// its command (`spotsim man run`, `spotsim man fit trace`), all of them into a folder with
/// `--dir`.
pub(crate) fn man(dir: Option<&std::path::Path>, words: &[String]) -> Result<(), Failure> {
    let mut command = Cli::command().disable_help_subcommand(true);
    // Built, each subcommand carries its page's name (`spotsim-run`).
    command.build();
    if let Some(dir) = dir {
        if !words.is_empty() {
            return Err(Failure::BadInput(
                "spotsim man --dir writes every page: give no command with it".into(),
            ));
        }
        if !dir.is_dir() {
            return Err(Failure::BadInput(format!(
                "--dir {}: the folder does not exist",
                dir.display()
            )));
        }
        // Man pages are written directly, not atomically: from here a Ctrl-C lets them finish.
        super::begin_work().map_err(Failure::Runtime)?;
        return clap_mangen::generate_to(command, dir)
            .with_context(|| format!("cannot write the man pages into {}", dir.display()))
            .map_err(Failure::Runtime);
    }
    let mut page_of = &command;
    for word in words {
        page_of = page_of
            .get_subcommands()
            .find(|sub| sub.get_name() == word)
            .ok_or_else(|| {
                let names: Vec<&str> = page_of
                    .get_subcommands()
                    .map(clap::Command::get_name)
                    .collect();
                Failure::BadInput(format!(
                    "spotsim man: no command `{}`; the commands are: {}",
                    words.join(" "),
                    names.join(", ")
                ))
            })?;
    }
    let mut page = Vec::new();
    clap_mangen::Man::new(page_of.clone())
        .render(&mut page)
        .context("cannot render the man page")
        .map_err(Failure::Runtime)
        .and_then(|()| print_stdout(&String::from_utf8_lossy(&page)))
}

/// `spotsim schema`: the JSON Schema of the scenario format.
pub(crate) fn schema() -> Result<(), Failure> {
    print_stdout(&spotsim::scenario::render_schema())
}
