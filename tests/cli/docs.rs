//! The README and `docs/cookbook.md` show real commands with their real output. This runs every
//! `spotsim` command they show, with the built binary, in a scratch folder that sees the shipped
//! `scenarios/`, and checks each shown output byte for byte, so the documents cannot drift.
//!
//! - A ```` ```text ```` block whose first line is `$ spotsim ...` is a command and its stdout.
//! - A line `spotsim ...` in a ```` ```sh ```` block is a command that must succeed (`> FILE`
//!   sends its stdout to a file).
//!
//! After a deliberate change of output, `UPDATE_DOCS=1 cargo test --test cli docs` rewrites the
//! text blocks with the new output: review the diff like a snapshot.

use std::path::Path;

use super::{project_dir, spotsim};

/// A shown command and the output the document gives for it.
struct Shown {
    /// The command line after `$ `.
    command: String,
    /// Lines of the document holding the output: `first..end`.
    first: usize,
    end: usize,
}

/// The `$ spotsim` text blocks and the `spotsim` lines of sh blocks of `markdown`.
fn commands_of(markdown: &str) -> (Vec<Shown>, Vec<String>) {
    let lines: Vec<&str> = markdown.lines().collect();
    let (mut shown, mut plain) = (Vec::new(), Vec::new());
    let mut i = 0;
    while i < lines.len() {
        let fence = lines[i].trim_start();
        if fence == "```text" || fence == "```sh" {
            let is_text = fence == "```text";
            let close = (i + 1..lines.len())
                .find(|&j| lines[j].trim_start() == "```")
                .unwrap_or_else(|| panic!("unclosed block at line {}", i + 1));
            if is_text {
                if let Some(command) = lines[i + 1].strip_prefix("$ spotsim ") {
                    shown.push(Shown {
                        command: format!("spotsim {command}"),
                        first: i + 2,
                        end: close,
                    });
                }
            } else {
                plain.extend(
                    lines[i + 1..close]
                        .iter()
                        .map(|line| line.trim())
                        .filter(|line| line.starts_with("spotsim "))
                        .map(str::to_string),
                );
            }
            i = close + 1;
        } else {
            i += 1;
        }
    }
    (shown, plain)
}

/// Runs `command` (words split on spaces, an optional `> FILE`) in `dir`; returns its stdout.
fn run_in(dir: &Path, command: &str) -> String {
    let words: Vec<&str> = command.split_whitespace().collect();
    let (args, target) = match words.iter().position(|&w| w == ">") {
        Some(at) => (&words[1..at], words.get(at + 1).copied()),
        None => (&words[1..], None),
    };
    let output = spotsim().current_dir(dir).args(args).output().unwrap();
    assert!(
        output.status.success(),
        "`{command}` failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8(output.stdout).unwrap();
    if let Some(file) = target {
        std::fs::write(dir.join(file), &stdout).unwrap();
    }
    stdout
}

/// A scratch folder where `scenarios/` is the project's.
fn scratch() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink(
        project_dir().join("scenarios"),
        dir.path().join("scenarios"),
    )
    .unwrap();
    dir
}

/// Runs every command of `doc` (a path in the project) and checks every shown output; with
/// `UPDATE_DOCS` set, rewrites the shown outputs instead. Returns the scratch folder.
fn check_document(doc: &str) -> tempfile::TempDir {
    let path = project_dir().join(doc);
    let markdown = std::fs::read_to_string(&path).unwrap();
    let (shown, plain) = commands_of(&markdown);
    assert!(!shown.is_empty(), "{doc} shows no command");
    let dir = scratch();
    for command in &plain {
        run_in(dir.path(), command);
    }
    let mut lines: Vec<String> = markdown.lines().map(str::to_string).collect();
    let mut mismatches = Vec::new();
    // From the last block up, so that rewriting keeps earlier line numbers valid.
    for block in shown.iter().rev() {
        let actual = run_in(dir.path(), &block.command);
        let expected = lines[block.first..block.end].join("\n") + "\n";
        if actual != expected {
            mismatches.push(format!(
                "{doc}:{}: `{}` prints\n{actual}\nbut the document shows\n{expected}",
                block.first, block.command
            ));
            lines.splice(block.first..block.end, actual.lines().map(str::to_string));
        }
    }
    if std::env::var_os("UPDATE_DOCS").is_some() {
        std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    } else {
        assert!(
            mismatches.is_empty(),
            "{}\n(UPDATE_DOCS=1 cargo test --test cli docs rewrites them)",
            mismatches.join("\n")
        );
    }
    dir
}

#[test]
fn readme_commands_print_what_the_readme_shows() {
    let dir = check_document("README.md");
    // The screenshot is the completion chart the tour's `--charts` command draws.
    let drawn = std::fs::read(dir.path().join("charts/completion.png")).unwrap();
    let shown = std::fs::read(project_dir().join("docs/images/quickstart-completion.png")).unwrap();
    assert!(
        drawn == shown,
        "docs/images/quickstart-completion.png is not what `spotsim run scenarios/quickstart.toml \
         --charts charts` draws: copy charts/completion.png over it"
    );
}

#[test]
fn cookbook_commands_print_what_the_cookbook_shows() {
    check_document("docs/cookbook.md");
}

#[test]
fn commands_are_found_in_text_and_sh_blocks() {
    let markdown = "intro\n```text\n$ spotsim run a.toml\nline 1\nline 2\n```\n\
                    ```text\nnot a command\n```\n```sh\ncargo test\nspotsim init > b.toml\n```\n";
    let (shown, plain) = commands_of(markdown);
    assert_eq!(shown.len(), 1);
    assert_eq!(shown[0].command, "spotsim run a.toml");
    assert_eq!((shown[0].first, shown[0].end), (3, 5));
    assert_eq!(plain, ["spotsim init > b.toml"]);
}
