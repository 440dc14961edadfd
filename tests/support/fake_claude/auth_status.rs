//! `claude auth status --json` as 2.1.332 answers it (recorded in
//! tests/fixtures/claude-cli/README.md): a local check of the variables and
//! the login file, no network. An API key wins over an OAuth token, as in
//! the real CLI. Not signed in: `"authMethod": "none"` and exit 1.
//! Without `--json`, the fake refuses: only the JSON is imitated.

use serde_json::json;

pub fn run(args: &[String]) {
    if !args.iter().any(|a| a == "--json") {
        eprintln!("fake claude: only `auth status --json` is imitated");
        std::process::exit(2);
    }
    let set = |name: &str| std::env::var(name).is_ok_and(|v| !v.is_empty());
    let home = std::env::var("HOME").unwrap_or_default();
    let config = format!("{home}/.claude");
    let cli_login = std::fs::read_to_string(format!("{config}/.credentials.json"))
        .ok()
        .and_then(|text| serde_json::from_str::<serde_json::Value>(&text).ok())
        .is_some_and(|v| v.get("claudeAiOauth").is_some());
    let method = if set("ANTHROPIC_API_KEY") {
        "api_key"
    } else if set("CLAUDE_CODE_OAUTH_TOKEN") {
        "oauth_token"
    } else if cli_login {
        "claude.ai"
    } else {
        "none"
    };
    let mut status = json!({
        "loggedIn": method != "none",
        "authMethod": method,
        "apiProvider": "firstParty",
        "analyticsDisabled": false,
        "projectsDirectory": format!("{config}/projects"),
        "configDirectory": config,
        "loginExpiresAt": null,
        "consoleProfileSignInOffered": true,
    });
    if method == "api_key" {
        status["apiKeySource"] = json!("ANTHROPIC_API_KEY");
    }
    // Two-space indentation, as the CLI prints it.
    println!(
        "{}",
        serde_json::to_string_pretty(&status).unwrap_or_default()
    );
    if method == "none" {
        std::process::exit(1);
    }
}
