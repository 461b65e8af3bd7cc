//! `opsdeck schema` prints the plan's JSON Schema; the copy shipped in
//! docs/plan.schema.json (which examples/launch.toml names with `#:schema`)
//! is the same, and every key the example plan uses is in it.

use std::process::Command;

fn schema() -> serde_json::Value {
    let out = Command::new(env!("CARGO_BIN_EXE_opsdeck")).arg("schema").output().expect("run opsdeck");
    assert!(out.status.success());
    serde_json::from_slice(&out.stdout).expect("JSON")
}

#[test]
fn the_shipped_schema_is_the_one_the_binary_prints() {
    let shipped = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/plan.schema.json")).expect("shipped");
    let shipped: serde_json::Value = serde_json::from_str(&shipped).expect("JSON");
    assert_eq!(shipped, schema(), "regenerate it: cargo run -q -- schema > docs/plan.schema.json");
}

#[test]
fn every_key_of_the_example_plan_is_in_the_schema() {
    let schema = schema();
    let example = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/examples/launch.toml")).expect("example");
    assert!(example.starts_with("#:schema ../docs/plan.schema.json"), "the example names the schema for editors");
    let plan: toml::Table = toml::from_str(&example).expect("TOML");
    let defs = &schema["$defs"];
    let top = schema["properties"].as_object().expect("properties");
    for (section, value) in &plan {
        assert!(top.contains_key(section), "section {section}");
        let entries: Vec<&toml::Table> = match value {
            toml::Value::Array(a) => a.iter().filter_map(toml::Value::as_table).collect(),
            toml::Value::Table(t) => vec![t],
            _ => Vec::new(),
        };
        let def_name = match section.as_str() {
            "check" => "Check".to_string(),
            "deck" => "Deck".to_string(),
            "defaults" => "Defaults".to_string(),
            "notify" => "Notify".to_string(),
            "alertmanager" => "AlertmanagerTable".to_string(),
            other => {
                let mut c = other.chars();
                c.next().map(|f| f.to_uppercase().collect::<String>() + c.as_str()).unwrap_or_default()
            }
        };
        let props = defs[&def_name]["properties"].as_object().unwrap_or_else(|| panic!("$defs.{def_name} has properties"));
        for entry in entries {
            for key in entry.keys() {
                assert!(props.contains_key(key), "{section}.{key} is in $defs.{def_name}");
            }
        }
    }
}
