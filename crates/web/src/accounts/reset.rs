//! The password self-service pages (issue 18 point 16): 忘记密码 on the login page leads here. The
//! first form takes the ID number and name and asks for a code; the second takes the code and the
//! new password. Every decision is [`jijiao_app::password_reset`]'s; these handlers translate forms,
//! and answer every well-formed request for a code with the same page.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use jijiao_app::{AppError, password_reset};
use serde::Deserialize;

use crate::AppState;
use crate::auth::{ClientIp, MaybePrincipal};
use crate::csrf::CsrfToken;
use crate::pages::{Layout, PageError, PageForm, render};
use crate::routes::Routes;

pub fn routes() -> Routes {
    Routes::new()
        .get("/password-reset", request_form)
        .post("/password-reset", request_code)
        .post("/password-reset/confirm", confirm)
}

#[derive(Deserialize, Default, Clone)]
pub struct RequestForm {
    #[serde(default)]
    id_number: String,
    #[serde(default)]
    name: String,
}

#[derive(Template)]
#[template(path = "accounts/reset_request.html")]
struct RequestPage {
    layout: Layout,
    form: RequestForm,
    /// The field refused and why.
    error: Option<(String, String)>,
}

impl RequestPage {
    fn error_for(&self, field: &str) -> Option<&str> {
        self.error.as_ref().filter(|(f, _)| f == field).map(|(_, m)| m.as_str())
    }
}

#[derive(Deserialize, Default, Clone)]
pub struct ConfirmForm {
    #[serde(default)]
    id_number: String,
    #[serde(default)]
    code: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    password2: String,
}

#[derive(Template)]
#[template(path = "accounts/reset_confirm.html")]
struct ConfirmPage {
    layout: Layout,
    id_number: String,
    code: String,
    /// Whether messages leave the server: without a gateway the page says where else to turn.
    sms_configured: bool,
    error: Option<(String, String)>,
    /// The code was just asked for (the first visit of this form).
    just_sent: bool,
}

impl ConfirmPage {
    fn error_for(&self, field: &str) -> Option<&str> {
        self.error.as_ref().filter(|(f, _)| f == field).map(|(_, m)| m.as_str())
    }
}

/// A refusal naming its field, to show beside it; anything else is the error page's.
fn field_error(e: AppError) -> Result<(String, String), PageError> {
    match e {
        AppError::InvalidInput { field, message } => Ok((field.unwrap_or_default(), message)),
        other => Err(other.into()),
    }
}

async fn request_form(principal: MaybePrincipal, csrf: CsrfToken) -> Response {
    if principal.0.is_some() {
        return Redirect::to("/me/password").into_response();
    }
    let page =
        RequestPage { layout: Layout::new("/login", &principal, &csrf), form: RequestForm::default(), error: None };
    render(StatusCode::OK, &page)
}

async fn request_code(
    State(state): State<AppState>,
    principal: MaybePrincipal,
    csrf: CsrfToken,
    ClientIp(ip): ClientIp,
    PageForm(form): PageForm<RequestForm>,
) -> Result<Response, PageError> {
    let layout = Layout::new("/login", &principal, &csrf);
    match password_reset::request_code(&state, &form.id_number, &form.name, ip.as_deref()).await {
        Ok(()) => {
            let page = ConfirmPage {
                layout,
                id_number: form.id_number.trim().to_string(),
                code: String::new(),
                sms_configured: state.sms.sends(),
                error: None,
                just_sent: true,
            };
            Ok(render(StatusCode::OK, &page))
        }
        Err(e) => {
            let page = RequestPage { layout, form, error: Some(field_error(e)?) };
            Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
    }
}

async fn confirm(
    State(state): State<AppState>,
    principal: MaybePrincipal,
    csrf: CsrfToken,
    ClientIp(ip): ClientIp,
    PageForm(form): PageForm<ConfirmForm>,
) -> Result<Response, PageError> {
    let input = password_reset::Reset {
        id_number: form.id_number.clone(),
        code: form.code.clone(),
        password: form.password.clone(),
        password2: form.password2.clone(),
    };
    match password_reset::reset(&state, &input, ip.as_deref()).await {
        Ok(account) => {
            // A reset lifts the account's lock after failed logins: the owner just proved who they are.
            state.store.clear_login_failures(&super::pages::account_id_key(account)).await?;
            Ok(Redirect::to("/login?reset=1").into_response())
        }
        Err(e) => {
            let page = ConfirmPage {
                layout: Layout::new("/login", &principal, &csrf),
                id_number: form.id_number.trim().to_string(),
                code: form.code.trim().to_string(),
                sms_configured: state.sms.sends(),
                error: Some(field_error(e)?),
                just_sent: false,
            };
            Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
    }
}
