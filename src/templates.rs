//! `spotsim init`: commented scenario templates to start from, one sentence per key.
//!
//! The templates are real scenario files (`src/templates/*.toml`), checked by the same parser
//! as any scenario in the tests, so they cannot drift from the format.

/// A single-GPU job with checkpoints: the default template.
pub const GPU: &str = include_str!("templates/gpu.toml");

/// A shorter CPU job with checkpoints.
pub const CPU: &str = include_str!("templates/cpu.toml");

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
            assert!(warnings.is_empty(), "{name}: {:?}", warnings);
        }
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
