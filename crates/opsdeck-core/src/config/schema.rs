//! The plan's JSON Schema, generated from the same types the plan is read
//! into (with `schemars`, which follows their serde attributes): what
//! `opsdeck schema` prints for editors (Taplo / Even Better TOML read a
//! `#:schema ./plan.schema.json` comment at the top of a TOML file). The
//! values opsdeck reads from strings of its own (durations, deadlines,
//! bounds, document references) are described here as patterned strings.

use std::borrow::Cow;

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};

use super::alertmanager::AlertmanagerTable;
use super::band::Bound;
use super::doc_ref::DocRef;
use super::duration::{Deadline, TimeSpan};
use super::sections::{Checklist, Deck, Defaults, Maintenance, Rollback, Runbook, Severity, Trigger};
use super::{Check, Notify};

/// The whole plan file, section by section, as `parse` reads it.
#[derive(JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "opsdeck plan", description = "A launch or service plan for opsdeck (see docs/plan.md).")]
#[allow(dead_code)]
struct PlanFile {
    deck: Deck,
    defaults: Option<Defaults>,
    #[serde(default)]
    check: Vec<Check>,
    #[serde(default)]
    severity: Vec<Severity>,
    #[serde(default)]
    checklist: Vec<Checklist>,
    #[serde(default)]
    runbook: Vec<Runbook>,
    #[serde(default)]
    rollback: Vec<Rollback>,
    #[serde(default)]
    trigger: Vec<Trigger>,
    #[serde(default)]
    notify: Vec<Notify>,
    #[serde(default)]
    maintenance: Vec<Maintenance>,
    alertmanager: Option<AlertmanagerTable>,
}

/// The JSON Schema of a plan file, pretty-printed.
pub fn plan_schema() -> String {
    let schema = schemars::schema_for!(PlanFile);
    serde_json::to_string_pretty(&schema).unwrap_or_default()
}

impl JsonSchema for TimeSpan {
    fn schema_name() -> Cow<'static, str> {
        "Duration".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "string",
            "description": "A duration: a number with a unit, like \"500ms\", \"5s\", \"2m\" or \"1h30m\".",
            "pattern": "^\\s*([0-9]+(\\.[0-9]+)?\\s*(ns|us|µs|ms|s|sec|m|min|h|hr|d|day|days|w)\\s*)+$"
        })
    }
}

impl JsonSchema for Deadline {
    fn schema_name() -> Cow<'static, str> {
        "Deadline".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "string",
            "description": "A response deadline: a duration like \"15m\" or \"1h\", or \"next business day\"."
        })
    }
}

impl JsonSchema for Bound {
    fn schema_name() -> Cow<'static, str> {
        "Bound".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "string",
            "description": "A comparison with a value and an optional unit, like \"< 200ms\", \">= 99.9%\" or \"> 5\".",
            "pattern": "^\\s*(<=|>=|<|>|==|!=)\\s*\\S+"
        })
    }
}

impl JsonSchema for DocRef {
    fn schema_name() -> Cow<'static, str> {
        "DocRef".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "string",
            "description": "A Markdown file relative to the plan, or one section of it by its heading's anchor: \"guide.md#database-issues\"."
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_schema_names_every_section_and_refuses_unknown_keys() {
        let schema: serde_json::Value = serde_json::from_str(&plan_schema()).expect("JSON");
        let props = schema["properties"].as_object().expect("properties");
        for section in [
            "deck",
            "defaults",
            "check",
            "severity",
            "checklist",
            "runbook",
            "rollback",
            "trigger",
            "notify",
            "maintenance",
            "alertmanager",
        ] {
            assert!(props.contains_key(section), "{section} is in the schema");
        }
        assert_eq!(schema["additionalProperties"], false);
        let text = plan_schema();
        assert!(text.contains("stale_after") && text.contains("silence_matchers") && text.contains("\"Duration\""), "{text}");
    }
}
