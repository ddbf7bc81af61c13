//! The one place where failures become HTTP answers: [`ApiError`] names every error the API
//! can give, with its stable machine-readable code and its status, and renders as
//! `{"error": {"code": "...", "message": "..."}}`.
//!
//! Who is at fault decides the status: the client (4xx, with a message that names the input
//! and the cause), the store being unreachable or busy (503), or us (500). Server-side
//! details (database paths, SQL errors) are logged, never sent: a 500 or 503 says only what
//! kind of trouble it was.
//!
//! The OpenAPI document's error parts come from here too: the `Error` schema (its `code` enum
//! and the meaning of each code read from [`ERROR_CODES`]) and one component response per
//! error status ([`BadRequest`], [`NotFound`], ...), which the handlers' annotations name.
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
use utoipa::ToSchema;
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};
use utoipa::openapi::{Content, Ref, RefOr, ResponseBuilder};

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

/// Every error answer.
#[derive(Serialize, ToSchema)]
#[schema(as = Error)]
#[serde(deny_unknown_fields)]
pub(crate) struct ErrorBody<'a> {
    #[schema(inline)]
    error: ErrorDetail<'a>,
}

/// What went wrong.
#[derive(Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct ErrorDetail<'a> {
    #[schema(schema_with = code_schema)]
    code: &'a str,
    /// One line for people: the input and the cause.
    message: &'a str,
}

/// The `code` property: one of [`ERROR_CODES`], each listed with its status and meaning.
fn code_schema() -> Schema {
    let meanings: Vec<String> = ERROR_CODES
        .iter()
        .map(|c| format!("`{}` ({}): {}", c.code, c.status, c.meaning))
        .collect();
    Schema::Object(
        ObjectBuilder::new()
            .schema_type(Type::String)
            .enum_values(Some(ERROR_CODES.iter().map(|c| c.code)))
            .description(Some(format!(
                "Stable machine-readable code. {}",
                meanings.join(" ")
            )))
            .build(),
    )
}

/// An error answer of the document: `lead`, then the codes answered with `status` (from
/// [`ERROR_CODES`]), and the `Error` schema as its JSON body.
fn error_response(status: u16, lead: &str) -> RefOr<utoipa::openapi::Response> {
    let codes: Vec<String> = ERROR_CODES
        .iter()
        .filter(|c| c.status == status)
        .map(|c| format!("`{}`", c.code))
        .collect();
    let body = Content::new(Some(Ref::from_schema_name(ErrorBody::name())));
    ResponseBuilder::new()
        .description(format!("{lead} ({}).", codes.join(", ")))
        .content("application/json", body)
        .build()
        .into()
}

/// Declares the document's error responses: one unit type per status, named as its
/// component (`#/components/responses/<Name>`), for `response = <Name>` in the handlers'
/// `#[utoipa::path]` annotations.
macro_rules! error_responses {
    ($($(#[$doc:meta])* $name:ident = $status:literal, $lead:literal;)*) => {
        $(
            $(#[$doc])*
            pub struct $name;

            impl<'r> utoipa::ToResponse<'r> for $name {
                fn response() -> (&'r str, RefOr<utoipa::openapi::Response>) {
                    (stringify!($name), error_response($status, $lead))
                }
            }
        )*
    };
}

error_responses! {
    /// 400: a client mistake in the parameters or the body.
    BadRequest = 400, "A parameter or the body is invalid";
    /// 401 on the administration routes.
    Unauthorized = 401, "Missing or wrong bearer token";
    /// 403 on the administration routes of a server without a token.
    AdminDisabled = 403, "The server has no admin token";
    /// 404: no such story, brief version, entity or feed.
    NotFound = 404, "No such resource";
    /// 408: a body that trickled in too slowly.
    RequestTimeout = 408, "The body did not arrive in time";
    /// 413: a body over the route's limit.
    TooLarge = 413, "The body is too large";
    /// 415: a body that is not JSON.
    UnsupportedMediaType = 415, "The body is not JSON";
    /// 500: our fault.
    Internal = 500, "A fault on the server";
    /// 503: the store's fault, worth retrying.
    Unavailable = 503, "The store is unavailable or busy";
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
