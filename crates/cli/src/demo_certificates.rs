//! The demo world's electronic credit certificates (issue 17): `yisheng` holds a certificate for
//! each of her granted project records, one of them revoked with its reason, listed at 我的证书 and
//! by `GET /api/v1/me/certificates`; the PDFs verify offline with the published keys.

use jijiao_app::{App, Clock, FixedClock};
use jijiao_domain::credits::ActivityKind;
use jijiao_domain::credits::learning_record::RecordStatus;
use jijiao_storage::{Actor, Store, StoreError};

/// Why the demo's revoked certificate was revoked (shown on its verification page).
pub const REVOKED_REASON: &str = "项目执行情况复核发现该期考勤记录不完整，证书撤销待核实";

/// Issues the certificates; returns how many.
pub async fn load(store: &Store, actor: &Actor, clock: &dyn Clock) -> Result<usize, StoreError> {
    let Some(person) = store.account_by_username("yisheng").await?.person_id else { return Ok(0) };
    let records: Vec<_> = store
        .credit_records_of(person, None)
        .await?
        .into_iter()
        .filter(|r| r.facts.kind == ActivityKind::Project && r.status == RecordStatus::Granted && !r.cancelled())
        .map(|r| r.id)
        .collect();
    let app = App::new(store.clone()).with_clock(FixedClock { millis: clock.now_millis() });
    let issued = jijiao_app::certificates::issue_certificates_for(&app, actor, &records)
        .await
        .map_err(|e| StoreError::Unsupported(e.to_string()))?;
    // The remote project's certificate (the last issued) is revoked, with its reason.
    if let Some(last) = issued.iter().skip(1).last() {
        store.revoke_certificate(actor, last.id, REVOKED_REASON, clock.today()).await?;
    }
    Ok(issued.len())
}
