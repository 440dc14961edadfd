//! REST: `/api/claude/auth`, `/api/claude/activity`, `/metrics` and
//! `/healthz`; the projects' routes are in `project_api`.

use std::net::IpAddr;

use axum::{
    extract::{FromRequestParts, State},
    http::{header, request::Parts, StatusCode},
    response::{IntoResponse, Response},
    Json,
};

use crate::protocol::{
    rest::{ActivityAnswer, ApiKeyBody, AuthCheck, Done, LogoutAnswer},
    ActivityKind, ApiError, AuthMethod, CertificateSummary, ClaudeStatus, CredentialSource,
    ErrorReason,
};

use crate::server::{
    access::key::{bearer_token, KeyRefusal},
    claude::{
        activity,
        auth_check::{self, AuthCheckError},
        cli::CliSearch,
        credential_life::CredentialLife,
        credentials::{Credential, CredentialError},
        run_credential,
    },
    metrics::Gauges,
    projects::ProjectError,
    state::AppState,
};

/// A REST failure: its HTTP status and the JSON body docs/protocol.md
/// gives (`{success: false, error, reason}`).
#[derive(Debug, thiserror::Error)]
pub(crate) enum ApiFailure {
    #[error("This needs the access key: send it as `Authorization: Bearer <key>`.")]
    MissingKey,
    #[error("That access key is not right.")]
    WrongKey,
    #[error("Too many wrong access keys from this address; wait a minute, then try again.")]
    RateLimited,
    #[error("Claude login is turned off on this server (CLAUDE_AUTH_ENABLED=false).")]
    Disabled,
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    Storage(#[from] CredentialError),
    #[error("{0}")]
    Project(#[from] ProjectError),
    /// No CLI to ask; the sentence names where it was looked for.
    #[error("{0}")]
    CliMissing(String),
    #[error("{0}")]
    CliFailed(#[from] AuthCheckError),
}

impl ApiFailure {
    fn status_and_reason(&self) -> (StatusCode, ErrorReason) {
        match self {
            ApiFailure::MissingKey | ApiFailure::WrongKey => {
                (StatusCode::UNAUTHORIZED, ErrorReason::Unauthorized)
            }
            ApiFailure::RateLimited => (StatusCode::TOO_MANY_REQUESTS, ErrorReason::RateLimited),
            ApiFailure::Disabled => (StatusCode::FORBIDDEN, ErrorReason::Disabled),
            ApiFailure::BadRequest(_) => (StatusCode::BAD_REQUEST, ErrorReason::BadRequest),
            ApiFailure::Storage(_) => (StatusCode::INTERNAL_SERVER_ERROR, ErrorReason::Permission),
            ApiFailure::Project(ProjectError::BadName(_)) => {
                (StatusCode::BAD_REQUEST, ErrorReason::BadRequest)
            }
            ApiFailure::Project(ProjectError::NotFound(_)) => {
                (StatusCode::NOT_FOUND, ErrorReason::BadRequest)
            }
            ApiFailure::Project(ProjectError::Exists(_)) => {
                (StatusCode::CONFLICT, ErrorReason::BadRequest)
            }
            ApiFailure::Project(ProjectError::Io { .. }) => {
                (StatusCode::INTERNAL_SERVER_ERROR, ErrorReason::Permission)
            }
            ApiFailure::CliMissing(_) => (StatusCode::SERVICE_UNAVAILABLE, ErrorReason::CliMissing),
            ApiFailure::CliFailed(_) => (StatusCode::BAD_GATEWAY, ErrorReason::CliFailed),
        }
    }
}

impl IntoResponse for ApiFailure {
    fn into_response(self) -> Response {
        let (status, reason) = self.status_and_reason();
        let mut response = (status, Json(ApiError::new(reason, self.to_string()))).into_response();
        if status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                header::HeaderValue::from_static("Bearer"),
            );
        }
        response
    }
}

/// Proof that the request carried the access key, and from where.
pub(crate) struct Authorized {
    /// The client's address, when known.
    pub ip: Option<IpAddr>,
}

impl FromRequestParts<AppState> for Authorized {
    type Rejection = ApiFailure;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiFailure> {
        let ip = parts
            .extensions
            .get::<crate::server::edge::transport::Client>()
            .and_then(|c| c.ip);
        let token = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(bearer_token);
        match state.check_key(ip, token, "http") {
            Ok(()) => Ok(Authorized { ip }),
            Err(KeyRefusal::Missing) => Err(ApiFailure::MissingKey),
            Err(KeyRefusal::Wrong) => Err(ApiFailure::WrongKey),
            Err(KeyRefusal::RateLimited) => Err(ApiFailure::RateLimited),
        }
    }
}

/// `GET /api/claude/auth`.
pub(crate) async fn claude_status(
    _: Authorized,
    State(state): State<AppState>,
) -> Json<ClaudeStatus> {
    let mut status = state.status.status().await;
    status.certificate = state
        .served_certificate
        .get()
        .map(|served| CertificateSummary {
            names: served.names,
            expires_at: served.not_after,
        });
    Json(status)
}

/// Longest API key accepted; real ones are about 108 characters.
const MAX_API_KEY_LEN: usize = 256;

/// Checks the shape of an Anthropic API key (`sk-ant-…`, URL-safe characters).
pub(crate) fn validate_api_key(key: &str) -> Result<&str, String> {
    let key = key.trim();
    if !key.starts_with("sk-ant-") {
        return Err("That is not an Anthropic API key: it should start with \"sk-ant-\".".into());
    }
    if key.len() > MAX_API_KEY_LEN || key.len() < 20 {
        return Err(format!("That API key has {} characters; Anthropic API keys have between 20 and {MAX_API_KEY_LEN}.", key.len()));
    }
    if !key
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        return Err("That API key has characters an Anthropic API key never has.".into());
    }
    Ok(key)
}

/// `POST /api/claude/auth {"apiKey": "sk-ant-…"}`: stores an API key.
pub(crate) async fn store_api_key(
    who: Authorized,
    State(state): State<AppState>,
    body: Result<Json<ApiKeyBody>, axum::extract::rejection::JsonRejection>,
) -> Result<Json<Done>, ApiFailure> {
    if !state.login.enabled {
        return Err(ApiFailure::Disabled);
    }
    let Json(body) = body.map_err(|e| {
        ApiFailure::BadRequest(format!(
            "Send JSON like {{\"apiKey\": \"sk-ant-…\"}} ({}).",
            e.body_text()
        ))
    })?;
    let key = validate_api_key(&body.api_key).map_err(ApiFailure::BadRequest)?;
    let credential = Credential {
        method: AuthMethod::ApiKey,
        secret: key.to_owned().into(),
        life: CredentialLife::stored_now(),
    };
    let store = state.store.clone();
    tokio::task::spawn_blocking(move || store.save(&credential))
        .await
        .map_err(|e| ApiFailure::BadRequest(e.to_string()))??;
    tracing::info!("an API key was stored");
    activity::record(
        &state.activity,
        activity::happened(
            ActivityKind::ApiKeyStored,
            who.ip,
            Some(AuthMethod::ApiKey),
            None,
        ),
    )
    .await;
    Ok(Json(Done { success: true }))
}

/// `DELETE /api/claude/auth`: removes what Dispatch stored, and says what
/// it cannot remove.
pub(crate) async fn logout(
    who: Authorized,
    State(state): State<AppState>,
) -> Result<Json<LogoutAnswer>, ApiFailure> {
    let store = state.store.clone();
    let removed = tokio::task::spawn_blocking(move || store.remove())
        .await
        .map_err(|e| ApiFailure::BadRequest(e.to_string()))??;
    let remaining = state.status.credential().await;
    let note = match remaining {
        Some((_, CredentialSource::Environment)) => Some("Claude is still signed in through the server's environment (CLAUDE_CODE_OAUTH_TOKEN or ANTHROPIC_API_KEY); Dispatch cannot remove that. Unset it and restart the server."),
        Some((_, CredentialSource::Cli)) => Some("Claude is still signed in through the CLI's own login on the server (~/.claude/.credentials.json); Dispatch does not touch it. Run `claude /logout` on the server to remove it."),
        _ => None,
    };
    tracing::info!(removed, "logout");
    if removed {
        activity::record(
            &state.activity,
            activity::happened(ActivityKind::SignedOut, who.ip, None, None),
        )
        .await;
    }
    Ok(Json(LogoutAnswer {
        success: true,
        removed,
        authenticated: remaining.is_some(),
        note: note.map(str::to_owned),
    }))
}

/// `POST /api/claude/auth/check`: runs `claude auth status --json` with
/// the environment a prompt's run gets, and says whether the CLI sees the
/// credential Dispatch would pass.
pub(crate) async fn check_sign_in(
    _: Authorized,
    State(state): State<AppState>,
) -> Result<Json<AuthCheck>, ApiFailure> {
    let _one_at_a_time = state.auth_check.lock().await;
    let cli = CliSearch::from_process(state.login.configured_cli.clone())
        .find()
        .map_err(|e| ApiFailure::CliMissing(e.to_string()))?;
    let credential = run_credential::for_run(state.store.clone()).await;
    let expected = state.status.credential().await.map(|(method, _)| method);
    let projects = state.session_config.projects.root();
    let dir = if projects.is_dir() {
        projects
    } else {
        std::path::Path::new("/")
    };
    let seen = auth_check::run(&cli, dir, &state.login.cli_env, credential.passed.as_ref()).await?;
    let version = match seen {
        Some(_) => None,
        None => state.status.cli().await.version,
    };
    Ok(Json(auth_check::answer(seen, expected, version)))
}

/// `GET /api/claude/activity`: who changed the credential, newest first.
pub(crate) async fn activity(
    _: Authorized,
    State(state): State<AppState>,
) -> Result<Json<ActivityAnswer>, ApiFailure> {
    let log = state.activity.clone();
    let events = tokio::task::spawn_blocking(move || log.recent())
        .await
        .map_err(|e| ApiFailure::BadRequest(e.to_string()))?
        .map_err(|e| ApiFailure::BadRequest(format!("The activity log cannot be read: {e}")))?;
    Ok(Json(ActivityAnswer { events }))
}

/// `GET /metrics`: the Prometheus text format (behind the key: scrapers send
/// it as a bearer token).
pub(crate) async fn metrics(_: Authorized, State(state): State<AppState>) -> impl IntoResponse {
    let credential_expiry = state
        .status
        .stored()
        .await
        .and_then(|(method, life)| life.expires_at(method));
    let gauges = Gauges {
        live_flows: state.flows.count(),
        running_prompts: state.prompt_places.running(),
        certificate_expiry: state.served_certificate.get().map(|c| c.not_after),
        credential_expiry,
    };
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        state.metrics.render(&gauges),
    )
}

/// `GET /healthz`: the process serves requests. Needs no key and says nothing else.
pub(crate) async fn healthz() -> &'static str {
    "ok"
}
