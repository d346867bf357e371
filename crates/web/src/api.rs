//! The API's plumbing: the routes under `/api/v1` (each capability's `api` module merged), the
//! OpenAPI 3.1 document generated from the handlers, the JSON body extractor and the API's 404.

use crate::accounts::api as accounts;
use crate::applications::api as applications;
use crate::certificates::api as certificates;
use crate::checks;
use crate::credits::api as credits;
use crate::events::api as events;
use crate::events::sign_in::api as sign_in;
use crate::projects::api as projects;
use crate::reference::api as reference;
use crate::reports::api as reports;
use crate::reports::remote_api as remote;

use axum::Router;
use axum::body::Bytes;
use axum::extract::FromRequest;
use axum::http::{Method, Request};
use serde::de::DeserializeOwned;
use utoipa::OpenApi;
use utoipa_swagger_ui::SwaggerUi;

use crate::error::ErrorBody;
use crate::routes::Routes;
use crate::{ApiError, AppState};

pub const OPENAPI_PATH: &str = "/api/v1/openapi.json";

#[derive(OpenApi)]
#[openapi(
    info(
        title = "继教 jijiao API",
        description = "继续医学教育管理系统的接口。所有错误返回统一的 JSON：`code`（稳定代码）、`message`（中文说明）、`field`（出错字段）。"
    ),
    paths(
        reference::provinces, reference::subjects, reference::titles, reference::check_id_number,
        reference::edit_province, reference::import_subjects,
        accounts::me, accounts::list_accounts, accounts::create_account, accounts::get_account,
        accounts::disable_account, accounts::enable_account, accounts::confirm_account, accounts::reset_password,
        accounts::add_role, accounts::remove_role, accounts::list_tokens, accounts::create_token, accounts::revoke_token,
        accounts::audit, accounts::list_organisations, accounts::get_organisation, accounts::list_people, accounts::get_person,
        checks::check_application, checks::evaluate_score, checks::evaluate_credits,
    ),
    components(schemas(ErrorBody)),
    modifiers(&BearerAuth),
    tags(
        (name = "reference", description = "参考数据：省份、学科、职称、身份证号"),
        (name = "accounts", description = "账号、角色、接口令牌与审计日志（按管理范围）"),
        (name = "directory", description = "机构与人员（按管理范围，个人信息脱敏）"),
        (name = "checks", description = "离线检查：申报书形式审查、执行情况评分、个人年度学分（无需登录）"),
    )
)]
pub struct ApiDoc;

/// Documents the two ways to call the API: `Authorization: Bearer <token>` for machine clients,
/// or the session cookie with an `X-CSRF-Token` header for the browser.
struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

pub fn routes() -> Routes {
    Routes::new()
        .merge(reference::routes())
        .merge(accounts::routes())
        .merge(checks::routes())
        .merge(credits::routes())
        .merge(applications::routes())
        .merge(projects::routes())
        .merge(events::routes())
        .merge(reports::routes())
        .merge(remote::routes())
        .merge(sign_in::routes())
        .merge(certificates::routes())
        .fallback(api_not_found)
}

/// The whole OpenAPI document: this module's and each area's own.
pub fn openapi() -> utoipa::openapi::OpenApi {
    let mut doc = ApiDoc::openapi();
    doc.merge(credits::Doc::openapi());
    doc.merge(applications::Doc::openapi());
    doc.merge(projects::Doc::openapi());
    crate::schemas::describe_checks(&mut doc);
    doc.merge(events::Doc::openapi());
    doc.merge(reports::Doc::openapi());
    doc.merge(remote::Doc::openapi());
    doc.merge(sign_in::Doc::openapi());
    doc.merge(certificates::Doc::openapi());
    doc
}

/// The policy of the Swagger UI's pages: the site's, but for the one inline style its bundle
/// applies, allowed by its hash alone (issue 18: the docs opened with a CSP error in the console).
/// A new Swagger UI version that applies another one shows it in the browser test's console check.
pub const DOCS_CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-hashes' 'sha256-RL3ie0nH+Lzz2YNqQN83mnU0J1ot4QL7b99vMdIX99w='; img-src 'self' data:; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

/// `/api/docs` (an offline Swagger UI, its assets embedded) and the OpenAPI document.
pub fn docs_routes() -> Routes {
    use axum::http::{HeaderValue, header};
    let ui: Router<AppState> = SwaggerUi::new("/api/docs").url(OPENAPI_PATH, openapi()).into();
    let ui = ui.layer(tower_http::set_header::SetResponseHeaderLayer::overriding(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(DOCS_CONTENT_SECURITY_POLICY),
    ));
    Routes::new().external(ui, &[(Method::GET, "/api/docs/"), (Method::GET, OPENAPI_PATH)])
}

async fn api_not_found() -> ApiError {
    ApiError::NotFound
}

/// A JSON body read as a jijiao document: unknown fields rejected, errors naming the field path
/// in Chinese (422), exactly as the offline `jijiao check` commands report them.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request<axum::body::Body>, state: &S) -> Result<Self, Self::Rejection> {
        let bytes =
            Bytes::from_request(req, state).await.map_err(|_| ApiError::BadRequest("请求体读取失败或过大".into()))?;
        let text =
            std::str::from_utf8(&bytes).map_err(|_| ApiError::BadRequest("请求体应为 UTF-8 编码的 JSON".into()))?;
        Ok(ApiJson(jijiao_domain::document::parse(text)?))
    }
}
