//! `spotsim init`: commented scenario templates to start from, one sentence per key.
//!
//! The templates are real scenario files (`src/templates/*.toml`), checked by the same parser
//! as any scenario in the tests, so they cannot drift from the format.

/// A single-GPU job with checkpoints: the default template.
pub const GPU: &str = include_str!("templates/gpu.toml");

/// A shorter CPU job with checkpoints.
pub const CPU: &str = include_str!("templates/cpu.toml");

/// One key of a template: its value as written and the comment lines above it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateKey {
    /// The value exactly as the template writes it, e.g. `"30m"` or `{ dist = ... }`.
    pub value: &'static str,
    /// The comment lines just above the key, without their `# `.
    pub comment: Vec<&'static str>,
}

/// The key `path` (`table.key`, e.g. `job.training`) of a template: `spotsim import` fills what
/// a SageMaker document does not say with these placeholders, so that they cannot drift from
/// what `spotsim init` prints.
pub fn template_key(template: &'static str, path: &str) -> Option<TemplateKey> {
    let (table, key) = path.split_once('.')?;
    let mut current = "";
    let mut comment = Vec::new();
    for line in template.lines() {
        let line = line.trim();
        if let Some(header) = line.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
            current = header.trim();
            comment.clear();
        } else if let Some(text) = line.strip_prefix('#') {
            comment.push(text.strip_prefix(' ').unwrap_or(text));
        } else if let Some((name, value)) = line.split_once(" = ") {
            if current == table && name.trim() == key {
                return Some(TemplateKey {
                    value: value.trim(),
                    comment,
                });
            }
            comment.clear();
        } else {
            comment.clear();
        }
    }
    None
}

/// The template whose placeholders suit an instance type, and the `spotsim init` flag that
/// prints it: the GPU one for accelerated families (`ml.p*`, `ml.g*`, `ml.trn*`, `ml.inf*`),
/// the CPU one otherwise.
pub fn template_for(instance_type: Option<&str>) -> (&'static str, &'static str) {
    let family = instance_type
        .and_then(|t| t.strip_prefix("ml."))
        .unwrap_or("");
    let accelerated = family.starts_with('p')
        || family.starts_with('g')
        || family.starts_with("trn")
        || family.starts_with("inf");
    if accelerated || instance_type.is_none() {
        (GPU, "--gpu")
    } else {
        (CPU, "--cpu")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::{lint, parse_scenario};

    #[test]
    fn every_template_is_a_valid_scenario_without_warnings() {
        for (name, text) in [("gpu", GPU), ("cpu", CPU)] {
            let scenario = parse_scenario(text, name).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert!(
                scenario.is_spot() && scenario.checkpoint.is_some(),
                "{name}"
            );
            let warnings = lint(&scenario);
            assert!(warnings.is_empty(), "{name}: {warnings:?}");
        }
    }

    #[test]
    fn template_keys_are_found_with_their_comments() {
        let training = template_key(GPU, "job.training").unwrap();
        assert_eq!(
            training.value,
            r#"{ dist = "lognormal", median = "6h", sigma = 0.15 }"#
        );
        assert_eq!(training.comment.len(), 1);
        assert!(training.comment[0].starts_with("Training compute"));
        // A two-line comment, and a key of the same name in another table is not confused.
        let max_wait = template_key(CPU, "stopping.max_wait").unwrap();
        assert_eq!((max_wait.value, max_wait.comment.len()), ("\"8h\"", 2));
        assert_eq!(template_key(GPU, "job.max_wait"), None);
        assert_eq!(template_key(GPU, "no-dot"), None);
        // Every key of both templates is found: every `table.key` the importer may ask for.
        for text in [GPU, CPU] {
            let document: toml::Table = text.parse().unwrap();
            for (table, keys) in &document {
                for key in keys.as_table().unwrap().keys() {
                    assert!(template_key(text, &format!("{table}.{key}")).is_some());
                }
            }
        }
    }

    #[test]
    fn accelerated_instance_types_get_the_gpu_template() {
        for gpu in [
            "ml.p3.2xlarge",
            "ml.g5.xlarge",
            "ml.trn1.32xlarge",
            "ml.inf2.xlarge",
        ] {
            assert_eq!(template_for(Some(gpu)).1, "--gpu", "{gpu}");
        }
        for cpu in ["ml.c5.2xlarge", "ml.m5.large", "ml.r5.4xlarge"] {
            assert_eq!(template_for(Some(cpu)).1, "--cpu", "{cpu}");
        }
        assert_eq!(template_for(None).0, GPU);
    }

    #[test]
    fn every_key_has_a_comment() {
        for text in [GPU, CPU] {
            let lines: Vec<&str> = text.lines().collect();
            for (index, line) in lines.iter().enumerate() {
                let is_key =
                    !line.starts_with('#') && !line.starts_with('[') && line.contains(" = ");
                if is_key {
                    assert!(
                        index > 0 && lines[index - 1].starts_with('#'),
                        "no comment above `{line}`"
                    );
                }
            }
        }
    }
}
