//! The one place where failures become HTTP answers: [`ApiError`] names every error the API
//! can give, with its stable machine-readable code and its status, and renders as
//! `{"error": {"code": "...", "message": "..."}}`.
//!
//! Who is at fault decides the status: the client (4xx, with a message that names the input
//! and the cause), the store being unreachable or busy (503), or us (500). Server-side
//! details (database paths, SQL errors) are logged, never sent: a 500 or 503 says only what
//! kind of trouble it was.
//!
//! Invariants: codes are part of the API (documented in the OpenAPI document from
//! [`ERROR_CODES`]) and never change meaning; no handler builds an error response by hand.

use crate::StateError;
use axum::Json;
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use storyline_store::{StoreError, StoreErrorKind};

/// A stable error code with its status and meaning, for the OpenAPI document.
#[derive(Debug, Clone, Copy)]
pub struct ErrorCode {
    pub code: &'static str,
    pub status: u16,
    pub meaning: &'static str,
}

/// Every code the API answers with.
pub const ERROR_CODES: &[ErrorCode] = &[
    ErrorCode {
        code: "not_found",
        status: 404,
        meaning: "No such story, brief version, entity, feed or route.",
    },
    ErrorCode {
        code: "invalid_parameter",
        status: 400,
        meaning: "A query or path parameter has a value the API cannot use (the message names it).",
    },
    ErrorCode {
        code: "invalid_query",
        status: 400,
        meaning: "The search query is missing, blank, too long or has no searchable word.",
    },
    ErrorCode {
        code: "invalid_body",
        status: 400,
        meaning: "The request body is not the JSON the route expects.",
    },
    ErrorCode {
        code: "ambiguous_id",
        status: 400,
        meaning: "A story id prefix matches several stories (the message lists them).",
    },
    ErrorCode {
        code: "unauthorized",
        status: 401,
        meaning: "An administration route without the right `Authorization: Bearer` token.",
    },
    ErrorCode {
        code: "admin_disabled",
        status: 403,
        meaning: "Administration routes are off: the server has no STORYLINE_ADMIN_TOKEN.",
    },
    ErrorCode {
        code: "method_not_allowed",
        status: 405,
        meaning: "The route exists but not with this method.",
    },
    ErrorCode {
        code: "request_timeout",
        status: 408,
        meaning: "The request body did not arrive in time.",
    },
    ErrorCode {
        code: "too_large",
        status: 413,
        meaning: "The request body is larger than the route accepts.",
    },
    ErrorCode {
        code: "unsupported_media_type",
        status: 415,
        meaning: "The request body is not `application/json`.",
    },
    ErrorCode {
        code: "internal",
        status: 500,
        meaning: "A fault on the server; details are in its log.",
    },
    ErrorCode {
        code: "store_unavailable",
        status: 503,
        meaning: "The store cannot be opened or is busy; try again shortly.",
    },
];

/// Everything a route can answer instead of its result.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    NotFound(String),
    #[error("parameter {name}: {cause}")]
    InvalidParameter { name: &'static str, cause: String },
    #[error("{0}")]
    InvalidQuery(String),
    #[error("{0}")]
    InvalidBody(String),
    #[error("{0}")]
    AmbiguousId(String),
    #[error("{0}")]
    Unauthorized(&'static str),
    #[error("administration is disabled: start the server with STORYLINE_ADMIN_TOKEN set")]
    AdminDisabled,
    #[error("method {0} is not allowed on this route")]
    MethodNotAllowed(String),
    #[error("{0}")]
    RequestTimeout(String),
    #[error("{0}")]
    TooLarge(String),
    #[error("{0}")]
    UnsupportedMediaType(String),
    /// The detail is logged, not sent.
    #[error("internal error: {0}")]
    Internal(String),
    /// The detail is logged, not sent.
    #[error("store unavailable: {0}")]
    Unavailable(String),
}

impl ApiError {
    /// A bad value of the query or path parameter `name`.
    pub fn parameter(name: &'static str, cause: impl Into<String>) -> Self {
        ApiError::InvalidParameter {
            name,
            cause: cause.into(),
        }
    }

    /// The stable code (one of [`ERROR_CODES`]).
    pub fn code(&self) -> &'static str {
        match self {
            ApiError::NotFound(_) => "not_found",
            ApiError::InvalidParameter { .. } => "invalid_parameter",
            ApiError::InvalidQuery(_) => "invalid_query",
            ApiError::InvalidBody(_) => "invalid_body",
            ApiError::AmbiguousId(_) => "ambiguous_id",
            ApiError::Unauthorized(_) => "unauthorized",
            ApiError::AdminDisabled => "admin_disabled",
            ApiError::MethodNotAllowed(_) => "method_not_allowed",
            ApiError::RequestTimeout(_) => "request_timeout",
            ApiError::TooLarge(_) => "too_large",
            ApiError::UnsupportedMediaType(_) => "unsupported_media_type",
            ApiError::Internal(_) => "internal",
            ApiError::Unavailable(_) => "store_unavailable",
        }
    }

    pub fn status(&self) -> StatusCode {
        let code = self.code();
        ERROR_CODES
            .iter()
            .find(|known| known.code == code)
            .and_then(|known| StatusCode::from_u16(known.status).ok())
            .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }

    /// What the client is told: the whole message for its own mistakes, a summary for ours.
    fn public_message(&self) -> String {
        match self {
            ApiError::Internal(_) => "internal error; the details are in the server log".into(),
            ApiError::Unavailable(_) => {
                "the store is unavailable or busy; try again shortly".into()
            }
            other => other.to_string(),
        }
    }
}

#[derive(Serialize)]
struct ErrorBody<'a> {
    error: ErrorDetail<'a>,
}

#[derive(Serialize)]
struct ErrorDetail<'a> {
    code: &'a str,
    message: &'a str,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        match &self {
            ApiError::Internal(detail) => tracing::error!("{detail}"),
            ApiError::Unavailable(detail) => tracing::warn!("{detail}"),
            _ => {}
        }
        let message = self.public_message();
        let body = ErrorBody {
            error: ErrorDetail {
                code: self.code(),
                message: &message,
            },
        };
        let mut response = (self.status(), Json(body)).into_response();
        let headers = response.headers_mut();
        match self {
            ApiError::Unauthorized(_) => {
                headers.insert(
                    header::WWW_AUTHENTICATE,
                    HeaderValue::from_static("Bearer realm=\"storyline\""),
                );
            }
            ApiError::Unavailable(_) => {
                headers.insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
            }
            _ => {}
        }
        response
    }
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::Ambiguous { .. } => ApiError::AmbiguousId(error.to_string()),
            StoreError::NotFound { what } => ApiError::NotFound(format!("{what} not found")),
            StoreError::Invalid { .. } => ApiError::InvalidBody(error.to_string()),
            StoreError::CreateDir { .. }
            | StoreError::Open { .. }
            | StoreError::WalUnavailable { .. }
            | StoreError::Io { .. }
            | StoreError::Migration { .. }
            | StoreError::SchemaTooNew { .. } => ApiError::Unavailable(error.to_string()),
            // A lock held past the wait, a lost connection or a full disk, a write that
            // collided with another worker's: the same request may succeed a moment later.
            StoreError::Database { .. }
                if matches!(
                    error.kind(),
                    StoreErrorKind::Busy | StoreErrorKind::Io | StoreErrorKind::Conflict
                ) =>
            {
                ApiError::Unavailable(error.to_string())
            }
            StoreError::Database { .. }
            | StoreError::Corrupt { .. }
            | StoreError::Encode { .. } => ApiError::Internal(error.to_string()),
        }
    }
}

impl From<StateError> for ApiError {
    fn from(error: StateError) -> Self {
        match error {
            StateError::Store(store) => store.into(),
            StateError::Task(detail) => ApiError::Internal(detail),
        }
    }
}

impl From<QueryRejection> for ApiError {
    fn from(rejection: QueryRejection) -> Self {
        ApiError::InvalidParameter {
            name: "query string",
            cause: rejection.body_text(),
        }
    }
}

impl From<PathRejection> for ApiError {
    fn from(rejection: PathRejection) -> Self {
        ApiError::InvalidParameter {
            name: "path",
            cause: rejection.body_text(),
        }
    }
}

impl From<JsonRejection> for ApiError {
    fn from(rejection: JsonRejection) -> Self {
        let text = rejection.body_text();
        match rejection.status() {
            StatusCode::PAYLOAD_TOO_LARGE => ApiError::TooLarge(text),
            StatusCode::UNSUPPORTED_MEDIA_TYPE => ApiError::UnsupportedMediaType(text),
            _ => ApiError::InvalidBody(text),
        }
    }
}
