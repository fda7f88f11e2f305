//! `spotsim init`, `spotsim completions` and `spotsim man`: templates that validate, and shell
//! completions and a man page generated from the clap definition, so every command and flag
//! appears without a second list to keep in step.

use crate::{spotsim, stdout_of};

const COMMANDS: [&str; 13] = [
    "init",
    "run",
    "fleet",
    "report",
    "compare",
    "trace",
    "sweep",
    "recommend",
    "validate",
    "fit",
    "completions",
    "schema",
    "import",
];

#[test]
fn bash_completion_loads_and_completes_commands_and_flags() {
    let script = stdout_of(spotsim().args(["completions", "bash"]));
    for command in COMMANDS {
        assert!(script.contains(command), "{command} missing");
    }
    assert!(script.contains("--target-completion") && script.contains("--chart-format"));
    // The script loads in a real bash and registers a completion for spotsim.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("spotsim.bash");
    std::fs::write(&path, &script).unwrap();
    let output = std::process::Command::new("bash")
        .arg("-c")
        .arg(format!(
            "source '{}' && complete -p spotsim",
            path.display()
        ))
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    assert!(String::from_utf8_lossy(&output.stdout).contains("spotsim"));
}

#[test]
fn zsh_and_fish_completions_name_every_command() {
    for shell in ["zsh", "fish"] {
        let script = stdout_of(spotsim().args(["completions", shell]));
        for command in COMMANDS {
            assert!(script.contains(command), "{shell}: {command} missing");
        }
    }
    spotsim()
        .args(["completions", "tcsh"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("possible values"));
}

#[test]
fn man_page_is_roff_with_every_command() {
    let page = stdout_of(spotsim().arg("man"));
    assert!(page.contains(".TH spotsim 1"), "{page}");
    for command in COMMANDS {
        assert!(page.contains(command), "{command} missing");
    }
}

#[test]
fn init_writes_templates_that_validate_and_run() {
    let dir = tempfile::tempdir().unwrap();
    for (flags, instance) in [
        (&[][..], "ml.g5.2xlarge"),
        (&["--cpu"][..], "ml.c5.2xlarge"),
    ] {
        let text = stdout_of(spotsim().arg("init").args(flags));
        assert!(text.contains(instance), "{flags:?}");
        let path = crate::write_file(dir.path(), "my-job.toml", &text);
        spotsim()
            .arg("validate")
            .arg(&path)
            .assert()
            .success()
            .stderr("");
        spotsim()
            .arg("run")
            .arg(&path)
            .args(["--runs", "500"])
            .assert()
            .success();
    }
    spotsim()
        .args(["init", "--gpu", "--cpu"])
        .assert()
        .code(2)
        .stdout("");
}

/// Issue 15, item 11: every page the man page lists (`spotsim-run(1)`, …) is produced, by
/// `spotsim man --dir DIR` and by naming its command.
#[test]
fn every_man_page_listed_is_written() {
    let top = stdout_of(spotsim().arg("man"));
    let dir = tempfile::tempdir().unwrap();
    spotsim()
        .args(["man", "--dir", dir.path().to_str().unwrap()])
        .assert()
        .success();
    let mut listed = 0;
    for (at, _) in top.match_indices("spotsim\\-") {
        // roff escapes the dashes: `spotsim\-fit\-trace(1)`.
        let rest = &top[at..];
        let Some(end) = rest.find("(1)") else {
            continue;
        };
        let name = rest[..end].replace("\\-", "-");
        if name.contains(char::is_whitespace) {
            continue;
        }
        listed += 1;
        assert!(
            dir.path().join(format!("{name}.1")).is_file(),
            "{name}(1) is listed but not written"
        );
        let words: Vec<&str> = name.trim_start_matches("spotsim-").split('-').collect();
        // `import create-training-job`: a command name may hold a dash itself.
        if words.len() <= 2 && !name.contains("training") {
            let page = stdout_of(spotsim().arg("man").args(&words));
            assert!(page.contains(&format!(".TH {name} 1")), "{name}: {page}");
        }
    }
    assert!(listed >= 10, "{top}");
}
