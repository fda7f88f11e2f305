//! `spotsim schema` and the SDK v1 key names: the schema an editor reads accepts every shipped
//! scenario and `spotsim init`'s template and flags a misspelt key; a v1 name is a warning.

use serde_json::Value;

use super::{spotsim, stdout_of, write_file};

/// The schema as `spotsim schema` prints it, compiled as an editor's validator would.
fn validator() -> jsonschema::Validator {
    let output = spotsim().arg("schema").assert().success().stderr("");
    let schema: Value = serde_json::from_slice(&output.get_output().stdout).unwrap();
    assert_eq!(schema["$schema"], "http://json-schema.org/draft-07/schema#");
    jsonschema::draft7::meta::validate(&schema).unwrap();
    jsonschema::draft7::new(&schema).unwrap()
}

fn as_json(toml_text: &str) -> Value {
    let value: toml::Value = toml::from_str(toml_text).unwrap();
    serde_json::to_value(value).unwrap()
}

#[test]
fn the_schema_accepts_the_quickstart_and_the_template_and_flags_a_misspelling() {
    let validator = validator();
    let quickstart =
        std::fs::read_to_string(super::project_dir().join("scenarios/quickstart.toml")).unwrap();
    let template = stdout_of(spotsim().arg("init"));
    for text in [&quickstart, &template] {
        let errors: Vec<String> = validator
            .iter_errors(&as_json(text))
            .map(|e| e.to_string())
            .collect();
        assert!(errors.is_empty(), "{errors:#?}");
    }
    let misspelt = quickstart.replace("max_wait =", "max_wiat =");
    let errors: Vec<String> = validator
        .iter_errors(&as_json(&misspelt))
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(
        errors
            .iter()
            .any(|e| e.contains("max_wiat") && e.contains("/stopping")),
        "{errors:#?}"
    );
}

#[test]
fn sdk_v1_key_names_are_read_with_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let quickstart =
        std::fs::read_to_string(super::project_dir().join("scenarios/quickstart.toml")).unwrap();
    let v1 = quickstart
        .replace("max_run =", "train_max_run =")
        .replace("enabled = true", "train_use_spot_instances = true");
    let path = write_file(dir.path(), "v1.toml", &v1);
    let shown = path.display().to_string();
    let output = spotsim()
        .args(["validate", &shown])
        .assert()
        .success()
        .get_output()
        .clone();
    let stderr = String::from_utf8(output.stderr).unwrap();
    let line = |key: &str| {
        v1.lines()
            .position(|l| l.starts_with(key))
            .map(|i| i + 1)
            .unwrap()
    };
    assert_eq!(
        stderr,
        format!(
            "warning: {shown}:{}:1: stopping.train_max_run is the SageMaker Python SDK v1 name; \
             SDK v2 renamed it max_run, and spotsim reads it as stopping.max_run\n  \
             hint: write max_run instead of train_max_run in [stopping]\n\
             warning: {shown}:{}:1: spot.train_use_spot_instances is the SageMaker Python SDK v1 \
             name; SDK v2 renamed it use_spot_instances, and spotsim reads it as spot.enabled\n  \
             hint: write enabled instead of train_use_spot_instances in [spot]\n",
            line("train_max_run"),
            line("train_use_spot_instances")
        )
    );
    // Read exactly as the v2 names are.
    let expected = stdout_of(spotsim().args(["validate", "scenarios/quickstart.toml"]));
    assert_eq!(
        String::from_utf8(output.stdout).unwrap(),
        expected.replace("scenarios/quickstart.toml", &shown)
    );
    // `trace` prints no lint warnings, but the parser's notes still show.
    let trace = spotsim()
        .args(["trace", &shown, "--run", "0"])
        .assert()
        .success()
        .get_output()
        .clone();
    assert!(
        String::from_utf8(trace.stderr)
            .unwrap()
            .contains("train_max_run is the SageMaker Python SDK v1 name"),
    );
}

#[test]
fn an_sdk_v1_name_beside_its_key_is_bad_input() {
    let dir = tempfile::tempdir().unwrap();
    let quickstart =
        std::fs::read_to_string(super::project_dir().join("scenarios/quickstart.toml")).unwrap();
    let both = quickstart.replace(
        "max_run = \"9h\"",
        "max_run = \"9h\"\ntrain_max_run = \"9h\"",
    );
    assert_ne!(both, quickstart);
    let path = write_file(dir.path(), "both.toml", &both);
    spotsim()
        .args(["validate", path.to_str().unwrap()])
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicates::str::contains(
            "stopping.train_max_run (\"9h\") is the SageMaker Python SDK v1 name of \
             stopping.max_run, which is also given: keep only max_run",
        ));
}

/// The schema as printed: a change to a key's kind, bound, default or description shows here
/// for review.
#[test]
fn schema_output() {
    let text = stdout_of(spotsim().arg("schema"));
    insta::assert_snapshot!(text);
}
