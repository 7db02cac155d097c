//! The web layer's one error type and its one mapping to HTTP.
//!
//! Handlers return `Result<_, WebError>`. A `WebError` becomes a response carrying the error
//! in its extensions; the [`render_errors`] middleware, which knows the request's language and
//! whether it came to the JSON API, turns it into a JSON body or an HTML page. So every route
//! answers the same error the same way.

use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use guyub_core::{FieldError, Lang, Msg};
use guyub_store::StoreError;
use serde::Serialize;

#[derive(Debug, Clone)]
pub enum WebError {
    /// Not signed in (pages redirect to the sign-in page).
    Unauthenticated,
    /// Signed in, but this role or this coop may not do that.
    Forbidden(Msg),
    NotFound,
    BadRequest(Msg),
    /// Field-level problems (API); pages re-render their form instead.
    Invalid(Vec<FieldError>),
    Conflict(Msg),
    TooManyRequests(Msg),
    PayloadTooLarge(Msg),
    /// A request one of axum's extractors refused before a handler ran (keeps its status).
    Rejected(StatusCode, Msg),
    /// A bug or an outage: logged in full, shown only as a generic message.
    Internal(String),
}

impl WebError {
    pub fn status(&self) -> StatusCode {
        match self {
            WebError::Unauthenticated => StatusCode::UNAUTHORIZED,
            WebError::Forbidden(_) => StatusCode::FORBIDDEN,
            WebError::NotFound => StatusCode::NOT_FOUND,
            WebError::BadRequest(_) => StatusCode::BAD_REQUEST,
            WebError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            WebError::Conflict(_) => StatusCode::CONFLICT,
            WebError::TooManyRequests(_) => StatusCode::TOO_MANY_REQUESTS,
            WebError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            WebError::Rejected(s, _) => *s,
            WebError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            WebError::Unauthenticated => "unauthenticated",
            WebError::Forbidden(_) => "forbidden",
            WebError::NotFound => "not_found",
            WebError::BadRequest(_) => "bad_request",
            WebError::Invalid(_) => "invalid",
            WebError::Conflict(_) => "conflict",
            WebError::TooManyRequests(_) => "too_many_requests",
            WebError::PayloadTooLarge(_) => "payload_too_large",
            WebError::Rejected(s, _) if *s == StatusCode::METHOD_NOT_ALLOWED => {
                "method_not_allowed"
            }
            WebError::Rejected(..) => "bad_request",
            WebError::Internal(_) => "internal",
        }
    }

    /// The message a person reads.
    pub fn msg(&self) -> Msg {
        match self {
            WebError::Unauthenticated => {
                Msg::new("Silakan masuk terlebih dahulu.", "Please sign in first.")
            }
            WebError::Forbidden(m)
            | WebError::BadRequest(m)
            | WebError::Conflict(m)
            | WebError::TooManyRequests(m)
            | WebError::PayloadTooLarge(m)
            | WebError::Rejected(_, m) => m.clone(),
            WebError::NotFound => Msg::new(
                "Halaman atau data tidak ditemukan.",
                "Page or record not found.",
            ),
            WebError::Invalid(_) => Msg::new(
                "Ada isian yang perlu diperbaiki.",
                "Some fields need fixing.",
            ),
            WebError::Internal(_) => Msg::new(
                "Terjadi kesalahan di server. Tidak ada yang diubah; silakan coba lagi.",
                "Something went wrong on the server. Nothing was changed; please try again.",
            ),
        }
    }

    pub fn forbidden() -> WebError {
        WebError::Forbidden(Msg::new(
            "Anda tidak punya hak untuk membuka atau mengubah ini.",
            "You are not allowed to open or change this.",
        ))
    }

    pub fn other_coop() -> WebError {
        WebError::Forbidden(Msg::new(
            "Anda tidak punya akses ke koperasi ini.",
            "You have no access to this cooperative.",
        ))
    }

    pub fn bad_csrf() -> WebError {
        WebError::Forbidden(Msg::new(
            "Formulir ini sudah kedaluwarsa atau tidak berasal dari halaman ini. Muat ulang halaman lalu coba lagi.",
            "This form has expired or did not come from this page. Reload the page and try again.",
        ))
    }
}

impl From<StoreError> for WebError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => WebError::NotFound,
            StoreError::Conflict(m) => WebError::Conflict(m),
            StoreError::Invalid(f) => WebError::Invalid(f),
            other => WebError::Internal(other.to_string()),
        }
    }
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        if let WebError::Internal(detail) = &self {
            tracing::error!(error = %detail, "internal error");
        }
        let mut res = self.status().into_response();
        res.extensions_mut().insert(self);
        res
    }
}

/// The JSON error body of the API.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ApiErrorBody {
    pub error: ApiError,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ApiError {
    /// A stable code: `invalid`, `forbidden`, `not_found`, `conflict`, …
    pub code: String,
    /// The message in the request's language.
    pub message: String,
    /// Field-level problems, for `invalid`.
    pub fields: Vec<ApiFieldError>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ApiFieldError {
    pub field: String,
    pub message: String,
}

/// Turns a [`WebError`] left in a response's extensions into the right body: JSON under
/// `/api/`, otherwise an HTML page in the request's language (sign-in redirect for pages
/// that need a session).
pub async fn render_errors(
    axum::extract::State(state): axum::extract::State<crate::state::AppState>,
    req: Request,
    next: Next,
) -> Response {
    let is_api = req.uri().path().starts_with("/api/");
    // After sign-in the browser goes back with a GET: only a GET can be returned to.
    let can_return = matches!(
        *req.method(),
        axum::http::Method::GET | axum::http::Method::HEAD
    );
    let lang = crate::i18n::lang_of(req.headers(), req.uri().query());
    let path_and_query = req
        .uri()
        .path_and_query()
        .map(|p| p.as_str().to_string())
        .unwrap_or_default();
    let mut res = next.run(req).await;
    let err = match res.extensions_mut().remove::<WebError>() {
        Some(e) => e,
        None => match rejection(res).await {
            Ok(e) => e,
            Err(original) => return original,
        },
    };
    // The limit in the message is the one this server was started with.
    let err = match err {
        WebError::PayloadTooLarge(_) => {
            WebError::PayloadTooLarge(too_large_msg(state.cfg.max_upload_bytes))
        }
        other => other,
    };
    if is_api {
        let body = ApiErrorBody {
            error: ApiError {
                code: err.code().to_string(),
                message: err.msg().get(lang).to_string(),
                fields: match &err {
                    WebError::Invalid(f) => f
                        .iter()
                        .map(|e| ApiFieldError {
                            field: e.field.clone(),
                            message: e.msg.get(lang).to_string(),
                        })
                        .collect(),
                    _ => vec![],
                },
            },
        };
        let mut r = (err.status(), axum::Json(body)).into_response();
        if matches!(err, WebError::Unauthenticated) {
            r.headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        return r;
    }
    if matches!(err, WebError::Unauthenticated) {
        if !can_return {
            return axum::response::Redirect::to("/masuk").into_response();
        }
        let next = crate::pages::url_encode(&path_and_query);
        return axum::response::Redirect::to(&format!("/masuk?next={next}")).into_response();
    }
    crate::pages::error_page(lang, err.status(), &err.msg()).into_response()
}

/// The message for an upload over the limit, naming the limit.
pub fn too_large_msg(limit_bytes: usize) -> Msg {
    let mb = limit_bytes.div_ceil(1024 * 1024);
    Msg::new(
        format!("Berkas terlalu besar. Batasnya {mb} MB; pecah berkas menjadi beberapa bagian."),
        format!("The file is too large. The limit is {mb} MB; split the file into parts."),
    )
}

/// A response that an extractor of axum's made on its own (a plain-text 4xx: a query string
/// that does not parse, a body over the limit, a wrong method) becomes one of our errors, so
/// it is answered like every other error: JSON for the API, a page in the caller's language
/// otherwise. Any other response is given back unchanged.
async fn rejection(res: Response) -> Result<WebError, Response> {
    let status = res.status();
    let plain = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/plain"));
    if !(status.is_client_error() && plain) {
        return Err(res);
    }
    let (parts, body) = res.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, 16 * 1024).await else {
        return Err(Response::from_parts(parts, axum::body::Body::empty()));
    };
    let text = String::from_utf8_lossy(&bytes).trim().to_string();
    Ok(match status {
        StatusCode::PAYLOAD_TOO_LARGE => WebError::PayloadTooLarge(too_large_msg(0)),
        StatusCode::METHOD_NOT_ALLOWED => WebError::Rejected(
            status,
            Msg::new(
                "Cara membuka alamat ini tidak didukung.",
                "This address cannot be opened this way.",
            ),
        ),
        _ => WebError::Rejected(
            status,
            Msg::new(
                format!("Permintaan tidak dapat dibaca: {text}"),
                format!("The request cannot be read: {text}"),
            ),
        ),
    })
}

/// Convenience for handlers.
pub type WebResult<T> = Result<T, WebError>;

/// Picks the message in `lang` from a list of field errors for a form, keyed by field.
pub fn field_messages(
    errors: &[FieldError],
    lang: Lang,
) -> std::collections::BTreeMap<String, String> {
    let mut m = std::collections::BTreeMap::new();
    for e in errors {
        m.entry(e.field.clone())
            .and_modify(|s: &mut String| {
                s.push(' ');
                s.push_str(e.msg.get(lang));
            })
            .or_insert_with(|| e.msg.get(lang).to_string());
    }
    m
}
