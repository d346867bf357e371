//! The certificates' API (formats.md, "Holding a project"): `GET /api/v1/certificates/{number}`
//! for anyone, the signed-in professional's list, and the issuing office's revoke, reissue and key
//! rotation.

use axum::Json;
use axum::extract::{Path, State};
use jijiao_app::certificates::{self, CertificateLine, PublicCertificate};
use jijiao_storage::Reads;
use serde::{Deserialize, Serialize};
use utoipa::{OpenApi, ToSchema};

use crate::api::ApiJson;
use crate::auth::{MaybePrincipal, Principal};
use crate::error::ErrorBody;
use crate::routes::Routes;
use crate::{ApiError, AppState};

#[derive(OpenApi)]
#[openapi(
    paths(certificate, my_certificates, revoke, reissue, rotate_key),
    components(schemas(PublicCertificate, CertificateLine, ReasonBody, Reissued, Rotated)),
    tags((name = "certificates", description = "电子学分证书：公开验证、本人证书、撤销与补发、签名密钥"))
)]
pub struct Doc;

pub fn routes() -> Routes {
    Routes::new()
        .get("/certificates/{number}", certificate)
        .post("/certificates/{number}/revoke", revoke)
        .post("/certificates/{number}/reissue", reissue)
        .get("/me/certificates", my_certificates)
        .post("/certificate-keys/{office}/rotate", rotate_key)
}

/// Verifies a certificate: every fact as signed, the signature, `valid` | `revoked` | `invalid`
/// (the signature does not match the published key), and a revocation's date and reason. Public.
#[utoipa::path(get, path = "/api/v1/certificates/{number}", tag = "certificates", params(("number" = String, Path)),
    responses((status = 200, body = PublicCertificate), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn certificate(
    State(state): State<AppState>,
    principal: MaybePrincipal,
    Path(number): Path<String>,
) -> Result<Json<PublicCertificate>, ApiError> {
    Ok(Json(certificates::verify_number(&state, principal.reads(), &number).await?.public()))
}

/// The signed-in professional's certificates, newest first.
#[utoipa::path(get, path = "/api/v1/me/certificates", tag = "certificates",
    responses((status = 200, body = Vec<CertificateLine>), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn my_certificates(
    State(state): State<AppState>,
    p: Principal,
) -> Result<Json<Vec<CertificateLine>>, ApiError> {
    Ok(Json(certificates::my_certificates(&state, &p).await?))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReasonBody {
    /// Why, in Chinese: shown on the verification page.
    reason: String,
}

/// Revokes a certificate (the issuing office): it stays verifiable, as revoked with the date and reason.
#[utoipa::path(post, path = "/api/v1/certificates/{number}/revoke", tag = "certificates", params(("number" = String, Path)),
    request_body = ReasonBody,
    responses((status = 200, body = PublicCertificate), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn revoke(
    State(state): State<AppState>,
    p: Principal,
    Path(number): Path<String>,
    ApiJson(body): ApiJson<ReasonBody>,
) -> Result<Json<PublicCertificate>, ApiError> {
    let c = certificates::revoke(&state, &p, &number, &body.reason).await?;
    Ok(Json(certificates::verify_number(&state, Reads::Primary, &c.number).await?.public()))
}

#[derive(Serialize, ToSchema)]
pub struct Reissued {
    /// The new certificate's number; its facts name the one it replaces.
    number: String,
    replaces: String,
}

/// Reissues a certificate (the issuing office): the old one revoked, a new number naming it.
#[utoipa::path(post, path = "/api/v1/certificates/{number}/reissue", tag = "certificates", params(("number" = String, Path)),
    request_body = ReasonBody,
    responses((status = 200, body = Reissued), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn reissue(
    State(state): State<AppState>,
    p: Principal,
    Path(number): Path<String>,
    ApiJson(body): ApiJson<ReasonBody>,
) -> Result<Json<Reissued>, ApiError> {
    let c = certificates::reissue(&state, &p, &number, &body.reason).await?;
    Ok(Json(Reissued { number: c.number, replaces: number.trim().to_string() }))
}

#[derive(Serialize, ToSchema)]
pub struct Rotated {
    retired: Option<String>,
    current: String,
}

/// Retires the office's current signing key and makes a new one (the office's administrator or the
/// national office). The retired key stays published and verifies what it signed.
#[utoipa::path(post, path = "/api/v1/certificate-keys/{office}/rotate", tag = "certificates", params(("office" = String, Path)),
    responses((status = 200, body = Rotated), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn rotate_key(
    State(state): State<AppState>,
    p: Principal,
    Path(office): Path<String>,
) -> Result<Json<Rotated>, ApiError> {
    let (retired, current) = certificates::rotate_key(&state, &p, &office).await?;
    Ok(Json(Rotated { retired, current }))
}
