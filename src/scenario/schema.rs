//! `spotsim schema`: a JSON Schema of the scenario format, built from the key registry
//! (`super::keys`), for editors that complete and check TOML against one (Taplo and the Even
//! Better TOML extension read the `#:schema` directive and `.taplo.toml` rules).
//!
//! Draft-07, the newest draft Taplo's validator reads. Every key's subschema is written out in
//! place, so editors show its description on hover whatever their support for references; only
//! the branches shared by many keys (the duration string, each distribution form) are
//! `definitions` behind a `$ref`. Every table has `additionalProperties: false`, so a misspelt key is flagged;
//! durations are `oneOf` a number of seconds or a string with units; random durations are
//! `oneOf` those, the distribution forms and, where allowed, `"never"` and an Advisor bucket.
//! The schema checks keys, types, enums and single-key bounds; rules across keys (`max_wait`
//! with spot, `max_wait >= max_run`) and data files are left to `spotsim validate`.

use serde_json::{Map, Value, json};

use super::keys::{
    self, ADVISOR, DIST_FORMS, DefaultValue, DistForm, Kind, Limit, MAX_DURATION_S, Presence,
    Random, Sign, Table,
};

/// The `$schema` of the generated schema.
pub const DRAFT: &str = "http://json-schema.org/draft-07/schema#";

/// A duration string as `crate::units::duration::parse_duration_s` reads it: `<number><unit>` parts,
/// units from days down, each at most once, whitespace between parts and around. A number is
/// digits with at most one dot (`"1.5h"`, `".5h"`, `"5.h"`).
pub fn duration_pattern() -> String {
    let number = r"(?:[0-9]+\.?[0-9]*|\.[0-9]+)";
    let part = |unit: &str| format!(r"{number}{unit}\s*");
    let units = ["d", "h", "m", "s"];
    let alternatives: Vec<String> = (0..units.len())
        .map(|first| {
            let rest: String = units[first + 1..]
                .iter()
                .map(|unit| format!("(?:{})?", part(unit)))
                .collect::<Vec<_>>()
                .concat();
            format!("{}{rest}", part(units[first]))
        })
        .collect();
    format!(r"^\s*(?:{})$", alternatives.join("|"))
}

/// The JSON Schema of a scenario file.
pub fn json_schema() -> Value {
    let mut schema = Map::new();
    schema.insert("$schema".into(), json!(DRAFT));
    schema.insert("title".into(), json!("spotsim scenario"));
    if let Value::Object(table) = table_schema(&keys::SCENARIO) {
        schema.extend(table);
    }
    let mut definitions = Map::new();
    definitions.insert(
        DURATION_TEXT.into(),
        json!({
            "type": "string",
            "pattern": duration_pattern(),
            "description": "A duration with units d, h, m, s, from days down: \"90s\", \"30m\", \
                            \"1h30m\", \"2d\".",
        }),
    );
    for sign in [Sign::NonNegative, Sign::Positive] {
        for form in DIST_FORMS {
            definitions.insert(form_name(form, sign), form_schema(form, sign));
        }
    }
    schema.insert("definitions".into(), Value::Object(definitions));
    Value::Object(schema)
}

/// The definition of a duration written as a string.
const DURATION_TEXT: &str = "duration_text";

/// The definition of `form` in a random key of `sign`: `dist_lognormal_median_sigma`, with
/// `_positive` for the forms a positive key bounds (a constant's `value`, a uniform's `max`).
fn form_name(form: &DistForm, sign: Sign) -> String {
    let key_signed = form.params.iter().any(|p| p.kind == Kind::KeySignDuration);
    let suffix = if key_signed && sign == Sign::Positive {
        "_positive"
    } else {
        ""
    };
    format!(
        "dist_{}_{}{suffix}",
        form.dist,
        form.param_names().join("_")
    )
}

fn form_schema(form: &DistForm, sign: Sign) -> Value {
    let mut properties = Map::new();
    properties.insert(
        "dist".into(),
        json!({ "type": "string", "enum": [form.dist], "description": "The distribution." }),
    );
    let mut required = vec!["dist"];
    for param in form.params {
        let mut schema = kind_schema(&param.kind, sign);
        schema["description"] = json!(param.description);
        properties.insert(param.name.into(), schema);
        required.push(param.name);
    }
    json!({
        "type": "object",
        "description": form.description,
        "properties": properties,
        "required": required,
        "additionalProperties": false,
    })
}

/// [`json_schema`] as pretty-printed JSON with a final newline, as `spotsim schema` prints it.
pub fn render_schema() -> String {
    let mut text = serde_json::to_string_pretty(&json_schema()).unwrap_or_default();
    text.push('\n');
    text
}

fn table_schema(table: &Table) -> Value {
    let mut properties = Map::new();
    for key in table.keys {
        let mut schema = kind_schema(&key.kind, Sign::NonNegative);
        schema["description"] = json!(key.description);
        if let Some(default) = key.default {
            schema["default"] = default_json(default);
        }
        properties.insert(key.name.into(), schema);
    }
    let mut exclusive = Vec::new();
    for alias in table.aliases {
        let Some(target) = table.key(alias.key) else {
            continue;
        };
        let mut schema = kind_schema(&target.kind, Sign::NonNegative);
        schema["description"] = json!(format!(
            "The SageMaker Python SDK v1 name of `{}` (SDK v2: `{}`), accepted with a warning: \
             write `{}`.",
            alias.key, alias.sdk_v2, alias.key
        ));
        schema["deprecated"] = json!(true);
        properties.insert(alias.name.into(), schema);
        exclusive.push(json!({ "not": { "required": [alias.name, alias.key] } }));
    }
    let required: Vec<&str> = table
        .keys
        .iter()
        .filter(|k| k.presence == Presence::Required)
        .map(|k| k.name)
        .collect();
    let mut schema = json!({
        "type": "object",
        "description": table.description,
        "properties": properties,
        "additionalProperties": false,
    });
    if !required.is_empty() {
        schema["required"] = json!(required);
    }
    if !exclusive.is_empty() {
        schema["allOf"] = json!(exclusive);
    }
    schema
}

/// The schema of a value of `kind`; `key_sign` is the sign of the random key a distribution
/// parameter belongs to.
fn kind_schema(kind: &Kind, key_sign: Sign) -> Value {
    match *kind {
        Kind::Duration {
            min_s,
            max_s,
            whole_seconds,
        } => duration_schema(min_s, max_s, whole_seconds),
        Kind::KeySignDuration => duration_schema(key_sign.min_s(), Limit::None, false),
        Kind::Random(rule) => random_schema(rule),
        Kind::Number { min, max } => {
            let mut schema = json!({ "type": "number" });
            bounds(&mut schema, min, max);
            schema
        }
        Kind::Integer { min, max } => json!({ "type": "integer", "minimum": min, "maximum": max }),
        Kind::Bool => json!({ "type": "boolean" }),
        Kind::String => json!({ "type": "string" }),
        Kind::Enum(values) => json!({ "type": "string", "enum": values }),
        Kind::List { len, item } => json!({
            "type": "array",
            "items": kind_schema(item, key_sign),
            "minItems": len,
            "maxItems": len,
        }),
        Kind::OneOf(kinds) => json!({
            "oneOf": kinds.iter().map(|k| kind_schema(k, key_sign)).collect::<Vec<_>>(),
        }),
        Kind::Table(table) => table_schema(table),
    }
}

fn duration_schema(min_s: Limit, max_s: Limit, whole_seconds: bool) -> Value {
    json!({ "oneOf": duration_forms(min_s, max_s, whole_seconds) })
}

/// A number of seconds, or a string with units.
fn duration_forms(min_s: Limit, max_s: Limit, whole_seconds: bool) -> Vec<Value> {
    let mut seconds = json!({
        "type": "number",
        "description": if whole_seconds { "Whole seconds." } else { "Seconds." },
    });
    let max_s = match max_s {
        Limit::None => Limit::Inclusive(MAX_DURATION_S),
        limit => limit,
    };
    bounds(&mut seconds, min_s, max_s);
    if whole_seconds {
        seconds["multipleOf"] = json!(1);
    }
    vec![seconds, reference(DURATION_TEXT)]
}

fn random_schema(rule: Random) -> Value {
    let mut forms = duration_forms(rule.sign.min_s(), Limit::None, false);
    if rule.never {
        forms.push(json!({
            "type": "string",
            "enum": ["never"],
            "description": "Never: capacity never comes, or the instance is never reclaimed.",
        }));
    }
    for form in DIST_FORMS {
        forms.push(reference(&form_name(form, rule.sign)));
    }
    if rule.advisor {
        forms.push(table_schema(&ADVISOR));
    }
    json!({ "oneOf": forms })
}

fn reference(definition: &str) -> Value {
    json!({ "$ref": format!("#/definitions/{definition}") })
}

/// Adds `minimum`/`exclusiveMinimum` and `maximum`/`exclusiveMaximum` (draft-07: numbers).
fn bounds(schema: &mut Value, min: Limit, max: Limit) {
    match min {
        Limit::None => {}
        Limit::Inclusive(x) => schema["minimum"] = number(x),
        Limit::Exclusive(x) => schema["exclusiveMinimum"] = number(x),
    }
    match max {
        Limit::None => {}
        Limit::Inclusive(x) => schema["maximum"] = number(x),
        Limit::Exclusive(x) => schema["exclusiveMaximum"] = number(x),
    }
}

/// A whole number as a JSON integer (`0`, not `0.0`), anything else as a float.
fn number(x: f64) -> Value {
    if x.fract() == 0.0 && x.abs() < 9e15 {
        json!(x as i64)
    } else {
        json!(x)
    }
}

fn default_json(default: DefaultValue) -> Value {
    match default {
        DefaultValue::Bool(b) => json!(b),
        DefaultValue::Integer(i) => json!(i),
        DefaultValue::Str(s) => json!(s),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::units::duration::parse_duration_s;

    fn validator() -> jsonschema::Validator {
        jsonschema::draft7::new(&json_schema()).expect("the schema compiles")
    }

    /// A TOML document as the JSON an editor validates.
    fn toml_to_json(text: &str) -> Value {
        let value: toml::Value = toml::from_str(text).expect("valid TOML");
        serde_json::to_value(value).expect("TOML values are JSON values")
    }

    fn errors(validator: &jsonschema::Validator, text: &str) -> Vec<String> {
        validator
            .iter_errors(&toml_to_json(text))
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect()
    }

    fn toml_files(dir: &str) -> Vec<std::path::PathBuf> {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
        let mut files: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|entry| entry.unwrap().path())
            .filter(|path| path.extension().is_some_and(|e| e == "toml"))
            .collect();
        files.sort();
        files
    }

    #[test]
    fn the_schema_is_a_valid_draft_07_schema() {
        let schema = json_schema();
        assert_eq!(schema["$schema"], DRAFT);
        jsonschema::draft7::meta::validate(&schema).unwrap();
        assert!(render_schema().ends_with("}\n"));
    }

    #[test]
    fn shipped_scenarios_and_templates_follow_the_schema() {
        let validator = validator();
        let mut files = toml_files("scenarios");
        files.extend(toml_files("scenarios/traces"));
        assert!(files.len() >= 10, "{files:?}");
        for path in files {
            let text = std::fs::read_to_string(&path).unwrap();
            let problems = errors(&validator, &text);
            assert!(problems.is_empty(), "{}: {problems:#?}", path.display());
        }
        for (name, text) in [
            ("gpu", crate::import::templates::GPU),
            ("cpu", crate::import::templates::CPU),
        ] {
            let problems = errors(&validator, text);
            assert!(problems.is_empty(), "template {name}: {problems:#?}");
        }
    }

    #[test]
    fn misspelt_keys_and_wrong_values_are_flagged() {
        let validator = validator();
        let base = "[job]\ntraining = \"4h\"\n[pricing]\non_demand_hourly = 1\n";
        assert!(errors(&validator, base).is_empty());
        for bad in [
            "[job]\ntrainnig = \"4h\"\n[pricing]\non_demand_hourly = 1\n",
            "[job]\ntraining = \"4h\"\n[pricing]\non_demand_hourly = 1\n[stopping]\nmax_rnu = 60\n",
            "[job]\ntraining = { dist = \"weibull\", shape = 1, scael = \"1h\" }\n[pricing]\non_demand_hourly = 1\n",
            "[job]\ntraining = \"4 hours\"\n[pricing]\non_demand_hourly = 1\n",
            "[job]\ntraining = 0\n[pricing]\non_demand_hourly = 1\n",
            "[job]\ntraining = \"never\"\n[pricing]\non_demand_hourly = 1\n",
            "[job]\ntraining = \"4h\"\n[pricing]\non_demand_hourly = 1\n[stopping]\nmax_run_counts = \"each\"\n",
            "[job]\ntraining = \"4h\"\n[pricing]\non_demand_hourly = 1\n[stopping]\nmax_run = 90.5\n",
            "[job]\ntraining = \"4h\"\n[pricing]\non_demand_hourly = 1\n[spot]\ndiscount = 1\n",
            "[job]\ntraining = \"4h\"\n[pricing]\non_demand_hourly = 1\n[spot.market]\nmodle = \"markov\"\n",
            "[job]\ntraining = \"4h\"\n[pricing]\non_demand_hourly = 1\n[spot.profile]\nhourly = [1, 2]\n",
            "[job]\ntraining = \"4h\"\n[pricing]\non_demand_hourly = 1\n[spot]\ntime_to_interruption = { advisor = \"12%\" }\n",
            "[job]\ntraining = \"4h\"\n[pricing]\non_demand_hourly = 1\n[spot]\nprice = { file = \"p.json\", format = \"csv\" }\n",
            "[job]\ntraining = { dist = \"lognormal\", median = \"1h\", std = \"1m\" }\n[pricing]\non_demand_hourly = 1\n",
            "[job]\ntraining = \"4h\"\n[stopping]\nmax_run = \"2h\"\ntrain_max_run = \"2h\"\n[pricing]\non_demand_hourly = 1\n",
            "[job]\ntraining = \"4h\"\n",
        ] {
            assert!(!errors(&validator, bad).is_empty(), "accepted:\n{bad}");
        }
        let misspelt = errors(
            &validator,
            "[job]\ntrainnig = \"4h\"\n[pricing]\non_demand_hourly = 1\n",
        );
        assert!(
            misspelt.iter().any(|e| e.contains("trainnig")),
            "{misspelt:#?}"
        );
    }

    #[test]
    fn every_form_of_a_random_duration_is_accepted() {
        let validator = validator();
        for tti in [
            "\"6h\"",
            "21600",
            "\"never\"",
            "{ dist = \"constant\", value = \"6h\" }",
            "{ dist = \"exponential\", mean = \"6h\" }",
            "{ dist = \"lognormal\", median = \"6h\", sigma = 0.5 }",
            "{ dist = \"lognormal\", mean = \"6h\", std = \"1h\" }",
            "{ dist = \"weibull\", shape = 0.8, scale = \"6h\" }",
            "{ dist = \"gamma\", shape = 2, scale = \"3h\" }",
            "{ dist = \"uniform\", min = \"1h\", max = \"9h\" }",
            "{ dist = \"empirical\", file = \"t.csv\", column = 2 }",
            "{ advisor = \"10-15%\", bound = \"mid\" }",
        ] {
            let text = format!(
                "[job]\ntraining = \"4h\"\n[stopping]\ntrain_max_wait = \"2d\"\n[spot]\n\
                 train_use_spot_instances = true\ncapacity_wait = 0\ntime_to_interruption = \
                 {tti}\ndiscount = 0.7\n[pricing]\non_demand_hourly = 1\n"
            );
            let problems = errors(&validator, &text);
            assert!(problems.is_empty(), "{tti}: {problems:#?}");
        }
    }

    /// The pattern accepts exactly the strings the parser reads as durations.
    #[test]
    fn the_duration_pattern_agrees_with_the_parser() {
        let schema = json_schema();
        let validator = jsonschema::draft7::new(&schema["definitions"][DURATION_TEXT]).unwrap();
        for text in [
            "90s",
            "30m",
            "4h",
            "1h30m",
            "2d",
            "1.5h",
            ".5h",
            "5.h",
            "1h 30m 15s",
            " 2d ",
            "1d2h3m4s",
            "0s",
            "90",
            "",
            " ",
            "-5m",
            "3w",
            "5 minutes",
            "1H",
            "1..5h",
            "30m1h",
            "1h1h",
            "1h 5",
            "h",
            ".h",
            "1e3s",
            "5hm",
            "1d 1s",
        ] {
            assert_eq!(
                validator.is_valid(&json!(text)),
                parse_duration_s(text).is_ok(),
                "{text:?}"
            );
        }
    }
}
