//! cargo-leptos builds from Cargo.toml's [package.metadata.leptos]; the server
//! runs with Leptos.toml. Where both name a setting, they must agree, or the
//! server would look for files the build never wrote.

fn leptos_section(path: &str) -> toml::Table {
    let text = std::fs::read_to_string(format!("{}/{path}", env!("CARGO_MANIFEST_DIR")))
        .unwrap_or_else(|e| panic!("cannot read {path}: {e}"));
    let doc: toml::Table = text.parse().unwrap_or_else(|e| panic!("{path}: {e}"));
    doc["package"]["metadata"]["leptos"]
        .as_table()
        .unwrap_or_else(|| panic!("{path} has no [package.metadata.leptos]"))
        .clone()
}

#[test]
fn build_and_run_time_settings_agree() {
    let build = leptos_section("Cargo.toml");
    let run = leptos_section("Leptos.toml");
    for key in ["output-name", "site-root", "site-pkg-dir"] {
        assert_eq!(
            build.get(key),
            run.get(key),
            "`{key}` differs between Cargo.toml and Leptos.toml"
        );
        assert!(run.get(key).is_some(), "Leptos.toml must set `{key}`");
    }
}

#[test]
fn leptos_toml_holds_only_run_time_settings() {
    // Build settings here would be dead: cargo-leptos never reads this file.
    let run = leptos_section("Leptos.toml");
    let allowed = [
        "output-name",
        "site-root",
        "site-pkg-dir",
        "site-addr",
        "reload-port",
        "env",
    ];
    for key in run.keys() {
        assert!(
            allowed.contains(&key.as_str()),
            "`{key}` in Leptos.toml is not read at run time"
        );
    }
}
