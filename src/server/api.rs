//! REST: `/api/claude/auth` and `/healthz`.

use axum::{
    extract::{FromRequestParts, State},
    http::{header, request::Parts, StatusCode},
    response::{IntoResponse, Response},
    Json,
};

use crate::protocol::{ApiError, ClaudeStatus, ErrorReason};

use super::{access::bearer_token, state::AppState};

/// A REST failure: its HTTP status and the JSON body of DESIGN.md.
#[derive(Debug, thiserror::Error)]
pub enum ApiFailure {
    #[error("This needs the access key: send it as `Authorization: Bearer <key>`.")]
    MissingKey,
    #[error("That access key is not right.")]
    WrongKey,
}

impl ApiFailure {
    fn status_and_reason(&self) -> (StatusCode, ErrorReason) {
        match self {
            ApiFailure::MissingKey | ApiFailure::WrongKey => {
                (StatusCode::UNAUTHORIZED, ErrorReason::Unauthorized)
            }
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

/// Proof that the request carried the access key.
pub struct Authorized;

impl FromRequestParts<AppState> for Authorized {
    type Rejection = ApiFailure;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiFailure> {
        let token = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(bearer_token)
            .ok_or(ApiFailure::MissingKey)?;
        if state.key.matches(token) {
            Ok(Authorized)
        } else {
            tracing::info!("a request with a wrong access key was refused");
            Err(ApiFailure::WrongKey)
        }
    }
}

/// `GET /api/claude/auth`.
pub async fn claude_status(_: Authorized, State(state): State<AppState>) -> Json<ClaudeStatus> {
    Json(state.status.status().await)
}

/// `GET /healthz`: the process serves requests. Needs no key and says nothing else.
pub async fn healthz() -> &'static str {
    "ok"
}
