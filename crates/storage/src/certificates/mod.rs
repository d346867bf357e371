//! Electronic credit certificates (rules.md §8): the issuing offices' signing keys, numbers that are
//! never reused, and certificates stored with the facts exactly as signed.
//!
//! Signing happens here, inside the transaction that numbers the certificates, so a secret key never
//! leaves the storage crate: it is kept encrypted with the data key ([`crate::Vault`]) and decrypted
//! only to sign. Keys: one current key per office (the province of the applicant unit, §7.5),
//! generated on first use; a rotation retires it (still published, still verifying what it signed).
//! Certificates are never deleted: revoked with a date and reason, or replaced by a reissue whose
//! facts name the number it replaces. Every change is in the audit log, in its own transaction.

use chrono::NaiveDate;
use jijiao_domain::Year;
use jijiao_domain::certificate::{CertificateKind, CertificateNumber, Facts, PublishedKey, SecretKey, key_id};
use serde::Serialize;
use serde_json::Value;
use sqlx::any::AnyRow;
use sqlx::{Any, Row, Transaction};

use crate::audit::{Actor, Change, append};
use crate::credit_records::CreditRecordId;
use crate::sql::date_text;
use crate::{PersonId, Result, Store, StoreError, decode, now_millis};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct CertificateId(pub i64);

/// A certificate to issue for a granted credit record. The facts are complete but for what the
/// store gives at issue: `number`, `kid` and `issued_on` (their values here are ignored).
#[derive(Clone, Debug)]
pub struct NewCertificate {
    pub credit_record_id: CreditRecordId,
    pub person_id: PersonId,
    /// The project's unit, if on record (its administrators download the project's certificates).
    pub unit_id: Option<i64>,
    /// The year the credits count toward.
    pub record_year: Year,
    pub facts: Facts,
}

/// Valid, or revoked (never deleted).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CertificateStatus {
    Valid,
    Revoked,
}

impl CertificateStatus {
    pub fn code(self) -> &'static str {
        match self {
            CertificateStatus::Valid => "valid",
            CertificateStatus::Revoked => "revoked",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            CertificateStatus::Valid => "有效",
            CertificateStatus::Revoked => "已撤销",
        }
    }

    fn from_code(code: &str) -> Option<Self> {
        match code {
            "valid" => Some(CertificateStatus::Valid),
            "revoked" => Some(CertificateStatus::Revoked),
            _ => None,
        }
    }
}

/// A stored certificate.
#[derive(Clone, Debug, Serialize)]
pub struct Certificate {
    pub id: CertificateId,
    pub number: String,
    pub kind: CertificateKind,
    pub credit_record_id: CreditRecordId,
    pub person_id: PersonId,
    pub office: String,
    pub unit_id: Option<i64>,
    pub record_year: Year,
    pub project_number: String,
    /// The facts as signed (parsed from the canonical JSON stored).
    pub facts: Value,
    /// base64 of the 64-byte Ed25519 signature.
    pub signature: String,
    pub kid: String,
    pub issued_on: NaiveDate,
    pub status: CertificateStatus,
    pub revoked_on: Option<NaiveDate>,
    pub revoked_reason: Option<String>,
    pub replaces_id: Option<CertificateId>,
    /// The number of the reissue that replaced this certificate, if any.
    pub replaced_by: Option<String>,
    pub created_at: i64,
}

impl Certificate {
    /// The facts as their type (every stored certificate was written from one).
    pub fn parsed_facts(&self) -> Result<Facts> {
        serde_json::from_value(self.facts.clone())
            .map_err(|e| StoreError::Corrupt { column: "certificates.facts", value: e.to_string() })
    }
}

const COLUMNS: &str = "c.id, c.number, c.kind, c.credit_record_id, c.person_id, c.office, c.unit_id, c.record_year, \
    c.project_number, c.facts, c.signature, c.kid, c.issued_on, c.status, c.revoked_on, c.revoked_reason, c.replaces_id, \
    (SELECT r.number FROM certificates r WHERE r.replaces_id = c.id) AS replaced_by, c.created_at";

/// A published key from a row with `kid`, `key_office`, `public_key`, `valid_from` and `valid_until`.
fn published_key(r: &AnyRow) -> Result<PublishedKey> {
    let from: String = r.try_get("valid_from")?;
    let until: Option<String> = r.try_get("valid_until")?;
    Ok(PublishedKey {
        kid: r.try_get("kid")?,
        office: r.try_get("key_office")?,
        public_key: r.try_get("public_key")?,
        from: decode::date(&from, "certificate_keys.valid_from")?,
        until: until.map(|u| decode::date(&u, "certificate_keys.valid_until")).transpose()?,
    })
}

fn from_row(r: &AnyRow) -> Result<Certificate> {
    let kind: String = r.try_get("kind")?;
    let status: String = r.try_get("status")?;
    let facts: String = r.try_get("facts")?;
    let issued_on: String = r.try_get("issued_on")?;
    let revoked_on: Option<String> = r.try_get("revoked_on")?;
    Ok(Certificate {
        id: CertificateId(r.try_get("id")?),
        number: r.try_get("number")?,
        kind: decode::code(&kind, "certificates.kind", CertificateKind::from_code)?,
        credit_record_id: CreditRecordId(r.try_get("credit_record_id")?),
        person_id: PersonId(r.try_get("person_id")?),
        office: r.try_get("office")?,
        unit_id: r.try_get("unit_id")?,
        record_year: decode::year(r, "record_year", "certificates.record_year")?,
        project_number: r.try_get("project_number")?,
        facts: decode::json(&facts, "certificates.facts")?,
        signature: r.try_get("signature")?,
        kid: r.try_get("kid")?,
        issued_on: decode::date(&issued_on, "certificates.issued_on")?,
        status: decode::code(&status, "certificates.status", CertificateStatus::from_code)?,
        revoked_on: revoked_on.map(|d| decode::date(&d, "certificates.revoked_on")).transpose()?,
        revoked_reason: r.try_get("revoked_reason")?,
        replaces_id: r.try_get::<Option<i64>, _>("replaces_id")?.map(CertificateId),
        replaced_by: r.try_get("replaced_by")?,
        created_at: r.try_get("created_at")?,
    })
}

/// The audit view of a certificate: its number and what it states, never more personal data than
/// the certificate itself shows.
fn audit_view(c: &Certificate) -> Value {
    serde_json::json!({
        "number": c.number,
        "kind": c.kind,
        "credit_record_id": c.credit_record_id,
        "status": c.status,
        "kid": c.kid,
        "revoked_on": c.revoked_on,
        "revoked_reason": c.revoked_reason,
    })
}

fn change(action: &'static str, c: &Certificate, before: Option<Value>, after: Option<Value>) -> Change {
    Change {
        action,
        object_type: "certificate",
        object_id: c.number.clone(),
        province_code: Some(c.office.clone()),
        org_id: c.unit_id,
        before,
        after,
    }
}

fn check_reason(reason: &str) -> Result<&str> {
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(StoreError::Invalid("撤销证书必须填写原因".into()));
    }
    Ok(reason)
}

impl Store {
    /// Every signing key, current and retired, as published (by office, oldest first).
    pub async fn published_keys(&self) -> Result<Vec<PublishedKey>> {
        let rows = sqlx::query(
            "SELECT kid, office AS key_office, public_key, valid_from, valid_until FROM certificate_keys ORDER BY office, id",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(published_key).collect()
    }

    /// A certificate by its number with the published key its facts name (none when no key has
    /// that id), read together: what public verification needs, in one query.
    pub async fn certificate_with_key(&self, number: &str) -> Result<(Certificate, Option<PublishedKey>)> {
        let row = sqlx::query(&format!(
            "SELECT {COLUMNS}, k.office AS key_office, k.public_key, k.valid_from, k.valid_until \
             FROM certificates c LEFT JOIN certificate_keys k ON k.kid = c.kid WHERE c.number = $1"
        ))
        .bind(number.trim())
        .fetch_one(&self.pool)
        .await?;
        let key = match row.try_get::<Option<String>, _>("public_key")? {
            Some(_) => Some(published_key(&row)?),
            None => None,
        };
        Ok((from_row(&row)?, key))
    }

    /// The office's current key id, generating the office's first key if it has none (in a
    /// transaction of its own, serialised per office so two first uses make one key).
    pub async fn ensure_certificate_key(&self, actor: &Actor, office: &str, today: NaiveDate) -> Result<String> {
        if let Some(kid) = self.current_kid(office).await? {
            return Ok(kid);
        }
        self.write(|mut tx| async move {
            self.serialise(&mut tx, &format!("certificate-key:{office}")).await?;
            if let Some(kid) = current_kid_in(&mut tx, office).await? {
                return Ok(kid);
            }
            let kid = self.new_key(&mut tx, actor, office, today, None).await?;
            tx.commit().await?;
            Ok(kid)
        })
        .await
    }

    /// Retires the office's current key (if any) as of `today` and makes a new one; returns the
    /// retired key id and the new one. What the old key signed stays valid: it is still published.
    pub async fn rotate_certificate_key(
        &self,
        actor: &Actor,
        office: &str,
        today: NaiveDate,
    ) -> Result<(Option<String>, String)> {
        if jijiao_domain::province::by_code(office).is_none() {
            return Err(StoreError::Invalid(format!("发证机构代码“{office}”不是省份代码")));
        }
        self.write(|mut tx| async move {
            self.serialise(&mut tx, &format!("certificate-key:{office}")).await?;
            let retired = current_kid_in(&mut tx, office).await?;
            if let Some(kid) = &retired {
                sqlx::query("UPDATE certificate_keys SET valid_until = $2 WHERE kid = $1 AND valid_until IS NULL")
                    .bind(kid)
                    .bind(date_text(today))
                    .execute(&mut *tx)
                    .await?;
            }
            let kid = self.new_key(&mut tx, actor, office, today, retired.as_deref()).await?;
            tx.commit().await?;
            Ok((retired, kid))
        })
        .await
    }

    async fn current_kid(&self, office: &str) -> Result<Option<String>> {
        Ok(sqlx::query_scalar("SELECT kid FROM certificate_keys WHERE office = $1 AND valid_until IS NULL")
            .bind(office)
            .fetch_optional(&self.pool)
            .await?)
    }

    /// Generates and stores a key (the secret encrypted), with its audit entry.
    async fn new_key(
        &self,
        tx: &mut Transaction<'static, Any>,
        actor: &Actor,
        office: &str,
        today: NaiveDate,
        retired: Option<&str>,
    ) -> Result<String> {
        let count: i64 = sqlx::query_scalar("SELECT CAST(COUNT(*) AS BIGINT) FROM certificate_keys WHERE office = $1")
            .bind(office)
            .fetch_one(&mut **tx)
            .await?;
        let kid = key_id(office, count + 1);
        let mut secret = [0u8; 32];
        getrandom::fill(&mut secret).map_err(|e| StoreError::Unsupported(format!("无法生成签名密钥：{e}")))?;
        let secret = SecretKey::from_bytes(secret);
        use base64::Engine;
        let secret_text = base64::engine::general_purpose::STANDARD.encode(secret.as_bytes());
        sqlx::query(
            "INSERT INTO certificate_keys (kid, office, public_key, secret_enc, valid_from, valid_until, created_at) VALUES ($1, $2, $3, $4, $5, NULL, $6)",
        )
        .bind(&kid)
        .bind(office)
        .bind(secret.public_key_base64())
        .bind(self.vault.encrypt(&secret_text))
        .bind(date_text(today))
        .bind(now_millis())
        .execute(&mut **tx)
        .await?;
        let change = Change {
            action: if retired.is_some() { "certificate_key.rotate" } else { "certificate_key.create" },
            object_type: "certificate_key",
            object_id: kid.clone(),
            province_code: Some(office.to_string()),
            org_id: None,
            before: retired.map(|r| serde_json::json!({ "retired": r, "until": date_text(today) })),
            after: Some(serde_json::json!({ "kid": kid, "office": office, "public_key": secret.public_key_base64() })),
        };
        append(self, tx, actor, &change).await?;
        Ok(kid)
    }

    /// The current key of an office with its secret, inside a transaction.
    async fn signing_key(&self, tx: &mut Transaction<'static, Any>, office: &str) -> Result<(String, SecretKey)> {
        let row = sqlx::query("SELECT kid, secret_enc FROM certificate_keys WHERE office = $1 AND valid_until IS NULL")
            .bind(office)
            .fetch_optional(&mut **tx)
            .await?
            .ok_or_else(|| StoreError::Conflict(format!("发证机构 {office} 尚无签名密钥")))?;
        let secret: String = row.try_get("secret_enc")?;
        use base64::Engine;
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(self.vault.decrypt(&secret)?)
            .map_err(|_| StoreError::Decrypt)?;
        let bytes: [u8; 32] = bytes.try_into().map_err(|_| StoreError::Decrypt)?;
        Ok((row.try_get("kid")?, SecretKey::from_bytes(bytes)))
    }

    /// Issues certificates, all in one transaction (all or none): numbers them per year of issue
    /// and office, signs each with its office's current key (which must exist: see
    /// [`Store::ensure_certificate_key`]) and records each in the audit log.
    ///
    /// Numbers come from one `UPDATE … RETURNING` per year and office, which locks the sequence's
    /// row until the transaction ends (and SQLite's write transactions are serial anyway): two
    /// issues never draw the same number, and a transaction that rolls back gives its numbers back
    /// with everything else (no certificate ever carried them). The sequences are locked before the first audit entry, in
    /// (year, office) order, as every write here locks rows before the audit head.
    pub async fn issue_certificates(
        &self,
        actor: &Actor,
        new: &[NewCertificate],
        today: NaiveDate,
    ) -> Result<Vec<Certificate>> {
        if new.is_empty() {
            return Ok(Vec::new());
        }
        self.write(|mut tx| async move {
            let year = Year::of(today);
            let numbers = self.draw_numbers(&mut tx, year, new.iter().map(|n| n.facts.office.as_str())).await?;
            let mut keys: std::collections::HashMap<String, (String, SecretKey)> = Default::default();
            let mut rows = Vec::with_capacity(new.len());
            for (n, number) in new.iter().zip(numbers) {
                let office = n.facts.office.as_str();
                if !keys.contains_key(office) {
                    let key = self.signing_key(&mut tx, office).await?;
                    keys.insert(office.to_string(), key);
                }
                let (kid, secret) = &keys[office];
                let facts = Facts { number: number.to_string(), kid: kid.clone(), issued_on: today, ..n.facts.clone() };
                rows.push((n, facts, secret.clone()));
            }
            let ids = if let [(n, facts, secret)] = rows.as_slice() {
                vec![self.insert_certificate(&mut tx, n, facts, secret, None).await?]
            } else {
                self.insert_certificates(&mut tx, &rows).await?
            };
            let issued = self.certificates_in(&mut tx, &ids).await?;
            if let [c] = issued.as_slice() {
                append(self, &mut tx, actor, &change("certificate.issue", c, None, Some(audit_view(c)))).await?;
            } else {
                // Many at once (a report's approval): one entry naming every certificate, as the
                // bulk loads do, rather than a thousand entries for one decision.
                let first = &issued[0];
                let batch = Change {
                    action: "certificate.issue_batch",
                    object_type: "certificate",
                    object_id: format!("{}..{}", first.number, issued[issued.len() - 1].number),
                    province_code: Some(first.office.clone()),
                    org_id: first.unit_id,
                    before: None,
                    after: Some(serde_json::json!({
                        "count": issued.len(),
                        "certificates": issued.iter().map(audit_view).collect::<Vec<_>>(),
                    })),
                };
                append(self, &mut tx, actor, &batch).await?;
            }
            tx.commit().await?;
            Ok(issued)
        })
        .await
    }

    /// Draws one number per office given (in the order given), for the year of issue.
    async fn draw_numbers<'a>(
        &self,
        tx: &mut Transaction<'static, Any>,
        year: Year,
        offices: impl Iterator<Item = &'a str>,
    ) -> Result<Vec<CertificateNumber>> {
        let offices: Vec<&str> = offices.collect();
        let mut counts: std::collections::BTreeMap<&str, i64> = Default::default();
        for o in &offices {
            *counts.entry(o).or_default() += 1;
        }
        let mut next: std::collections::HashMap<&str, i64> = Default::default();
        for (office, count) in counts {
            let last: i64 = sqlx::query_scalar(
                "INSERT INTO certificate_sequences (year, office, last_serial) VALUES ($1, $2, $3) \
                 ON CONFLICT (year, office) DO UPDATE SET last_serial = certificate_sequences.last_serial + excluded.last_serial \
                 RETURNING last_serial",
            )
            .bind(i64::from(year.get()))
            .bind(office)
            .bind(count)
            .fetch_one(&mut **tx)
            .await?;
            next.insert(office, last - count + 1);
        }
        offices
            .iter()
            .map(|o| {
                let serial = next.get_mut(o).expect("counted above");
                let number = u32::try_from(*serial)
                    .ok()
                    .and_then(|s| CertificateNumber::new(year, o, s).ok())
                    .ok_or_else(|| StoreError::Conflict(format!("发证机构 {o} 本年度的证书编号已用完")))?;
                *serial += 1;
                Ok(number)
            })
            .collect()
    }

    async fn insert_certificate(
        &self,
        tx: &mut Transaction<'static, Any>,
        n: &NewCertificate,
        facts: &Facts,
        secret: &SecretKey,
        replaces: Option<CertificateId>,
    ) -> Result<CertificateId> {
        let canonical = facts.canonical();
        let signature = secret.sign_bytes(canonical.as_bytes());
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO certificates (number, kind, credit_record_id, person_id, office, unit_id, record_year, project_number, facts, signature, kid, issued_on, status, replaces_id, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 'valid', $13, $14) RETURNING id",
        )
        .bind(&facts.number)
        .bind(facts.kind.code())
        .bind(n.credit_record_id.0)
        .bind(n.person_id.0)
        .bind(&facts.office)
        .bind(n.unit_id)
        .bind(i64::from(n.record_year.get()))
        .bind(&facts.project_number)
        .bind(&canonical)
        .bind(&signature)
        .bind(&facts.kid)
        .bind(date_text(facts.issued_on))
        .bind(replaces.map(|r| r.0))
        .bind(now_millis())
        .fetch_one(&mut **tx)
        .await
        .map_err(|e| {
            crate::constraints::naming(e, crate::constraints::Constraint::CertificateValidRecord, || {
                format!("第 {} 号学分记录已有有效的证书", n.credit_record_id.0)
            })
        })?;
        Ok(CertificateId(id))
    }

    /// Inserts many signed certificates, many rows a statement; their ids (in no promised order).
    async fn insert_certificates(
        &self,
        tx: &mut Transaction<'static, Any>,
        rows: &[(&NewCertificate, Facts, SecretKey)],
    ) -> Result<Vec<CertificateId>> {
        const COLUMNS_PER_ROW: usize = 14;
        let now = now_millis();
        let mut ids = Vec::with_capacity(rows.len());
        for chunk in rows.chunks(2000) {
            let signed: Vec<(String, String)> = chunk
                .iter()
                .map(|(_, facts, secret)| {
                    let canonical = facts.canonical();
                    let signature = secret.sign_bytes(canonical.as_bytes());
                    (canonical, signature)
                })
                .collect();
            let sql = format!(
                "INSERT INTO certificates (number, kind, credit_record_id, person_id, office, unit_id, record_year, project_number, facts, signature, kid, issued_on, status, created_at) \
                 VALUES {} RETURNING id",
                crate::sql::value_rows(self.backend, chunk.len(), COLUMNS_PER_ROW)
            );
            let mut args = sqlx::any::AnyArguments::default();
            for ((n, facts, _), (canonical, signature)) in chunk.iter().zip(&signed) {
                crate::sql::add(&mut args, facts.number.clone());
                crate::sql::add(&mut args, facts.kind.code());
                crate::sql::add(&mut args, n.credit_record_id.0);
                crate::sql::add(&mut args, n.person_id.0);
                crate::sql::add(&mut args, facts.office.clone());
                crate::sql::add(&mut args, n.unit_id);
                crate::sql::add(&mut args, i64::from(n.record_year.get()));
                crate::sql::add(&mut args, facts.project_number.clone());
                crate::sql::add(&mut args, canonical.clone());
                crate::sql::add(&mut args, signature.clone());
                crate::sql::add(&mut args, facts.kid.clone());
                crate::sql::add(&mut args, date_text(facts.issued_on));
                crate::sql::add(&mut args, "valid");
                crate::sql::add(&mut args, now);
            }
            let inserted = sqlx::query_with(&sql, args).fetch_all(&mut **tx).await.map_err(|e| {
                crate::constraints::naming(e, crate::constraints::Constraint::CertificateValidRecord, || {
                    "其中有学分记录已有有效的证书".to_string()
                })
            })?;
            for r in &inserted {
                ids.push(CertificateId(r.try_get("id")?));
            }
        }
        Ok(ids)
    }

    async fn certificates_in(
        &self,
        tx: &mut Transaction<'static, Any>,
        ids: &[CertificateId],
    ) -> Result<Vec<Certificate>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let list = ids.iter().map(|i| i.0.to_string()).collect::<Vec<_>>().join(", ");
        let rows = sqlx::query(&format!("SELECT {COLUMNS} FROM certificates c WHERE c.id IN ({list}) ORDER BY c.id"))
            .fetch_all(&mut **tx)
            .await?;
        rows.iter().map(from_row).collect()
    }

    pub async fn certificate(&self, id: CertificateId) -> Result<Certificate> {
        let row = sqlx::query(&format!("SELECT {COLUMNS} FROM certificates c WHERE c.id = $1"))
            .bind(id.0)
            .fetch_one(&self.pool)
            .await?;
        from_row(&row)
    }

    pub async fn certificate_by_number(&self, number: &str) -> Result<Certificate> {
        let row = sqlx::query(&format!("SELECT {COLUMNS} FROM certificates c WHERE c.number = $1"))
            .bind(number.trim())
            .fetch_one(&self.pool)
            .await?;
        from_row(&row)
    }

    /// A person's certificates (of the year their credits count toward, or all), newest first.
    pub async fn certificates_of_person(&self, person: PersonId, year: Option<Year>) -> Result<Vec<Certificate>> {
        let rows = match year {
            Some(y) => sqlx::query(&format!(
                "SELECT {COLUMNS} FROM certificates c WHERE c.person_id = $1 AND c.record_year = $2 ORDER BY c.id DESC"
            ))
            .bind(person.0)
            .bind(i64::from(y.get()))
            .fetch_all(&self.pool)
            .await?,
            None => {
                sqlx::query(&format!("SELECT {COLUMNS} FROM certificates c WHERE c.person_id = $1 ORDER BY c.id DESC"))
                    .bind(person.0)
                    .fetch_all(&self.pool)
                    .await?
            }
        };
        rows.iter().map(from_row).collect()
    }

    /// The certificates of a project (every period), in the order they were issued.
    pub async fn certificates_of_project(&self, project_number: &str) -> Result<Vec<Certificate>> {
        let rows =
            sqlx::query(&format!("SELECT {COLUMNS} FROM certificates c WHERE c.project_number = $1 ORDER BY c.id"))
                .bind(project_number.trim())
                .fetch_all(&self.pool)
                .await?;
        rows.iter().map(from_row).collect()
    }

    /// Which of these credit records have a valid certificate already.
    pub async fn certified_records(
        &self,
        records: &[CreditRecordId],
    ) -> Result<std::collections::HashSet<CreditRecordId>> {
        let mut out = std::collections::HashSet::new();
        for chunk in records.chunks(5000) {
            let list = chunk.iter().map(|r| r.0.to_string()).collect::<Vec<_>>().join(", ");
            let ids: Vec<i64> = sqlx::query_scalar(&format!(
                "SELECT credit_record_id FROM certificates WHERE status = 'valid' AND credit_record_id IN ({list})"
            ))
            .fetch_all(&self.pool)
            .await?;
            out.extend(ids.into_iter().map(CreditRecordId));
        }
        Ok(out)
    }

    /// The valid certificate of a credit record, if it has one.
    pub async fn valid_certificate_of_record(&self, record: CreditRecordId) -> Result<Option<Certificate>> {
        let row = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM certificates c WHERE c.credit_record_id = $1 AND c.status = 'valid'"
        ))
        .bind(record.0)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(from_row).transpose()
    }

    /// Revokes a valid certificate with a reason, as of `today` (409 if it is revoked already).
    pub async fn revoke_certificate(
        &self,
        actor: &Actor,
        id: CertificateId,
        reason: &str,
        today: NaiveDate,
    ) -> Result<Certificate> {
        let reason = check_reason(reason)?;
        self.write(|mut tx| async move {
            let revoked = self.revoke_in(&mut tx, &format!("c.id = {}", id.0), reason, today).await?;
            let Some(c) = revoked.into_iter().next() else {
                return Err(StoreError::Conflict("该证书已撤销".into()));
            };
            append(self, &mut tx, actor, &change("certificate.revoke", &c, None, Some(audit_view(&c)))).await?;
            tx.commit().await?;
            Ok(c)
        })
        .await
    }

    /// Revokes a valid certificate and issues its replacement in one transaction: the same facts
    /// with a new number, today's date, the office's current key, and `replaces` naming the old number.
    pub async fn reissue_certificate(
        &self,
        actor: &Actor,
        id: CertificateId,
        reason: &str,
        today: NaiveDate,
    ) -> Result<Certificate> {
        let reason = check_reason(reason)?;
        let old = self.certificate(id).await?;
        if old.status != CertificateStatus::Valid {
            return Err(StoreError::Conflict("已撤销的证书不能补发".into()));
        }
        let facts = old.parsed_facts()?;
        let old = &old;
        let facts = &facts;
        self.write(|mut tx| async move {
            let year = Year::of(today);
            let number = self.draw_numbers(&mut tx, year, std::iter::once(old.office.as_str())).await?.remove(0);
            let full_reason = format!("{reason}（已补发，新证书编号 {number}）");
            let revoked = self.revoke_in(&mut tx, &format!("c.id = {}", old.id.0), &full_reason, today).await?;
            let Some(revoked) = revoked.into_iter().next() else {
                return Err(StoreError::Conflict("该证书已撤销".into()));
            };
            let (kid, secret) = self.signing_key(&mut tx, &old.office).await?;
            let new_facts = Facts {
                number: number.to_string(),
                kid,
                issued_on: today,
                replaces: Some(old.number.clone()),
                ..facts.clone()
            };
            let draft = NewCertificate {
                credit_record_id: old.credit_record_id,
                person_id: old.person_id,
                unit_id: old.unit_id,
                record_year: old.record_year,
                facts: new_facts.clone(),
            };
            let new_id = self.insert_certificate(&mut tx, &draft, &new_facts, &secret, Some(old.id)).await?;
            let issued = self.certificates_in(&mut tx, &[new_id]).await?.remove(0);
            append(self, &mut tx, actor, &change("certificate.revoke", &revoked, None, Some(audit_view(&revoked))))
                .await?;
            let after = Some(serde_json::json!({ "replaces": old.number, "certificate": audit_view(&issued) }));
            append(self, &mut tx, actor, &change("certificate.reissue", &issued, None, after)).await?;
            tx.commit().await?;
            Ok(issued)
        })
        .await
    }

    /// Marks the valid certificates matching `condition` (SQL over `c`) revoked, locking them; returns
    /// them as revoked. No audit entry: the caller appends one per certificate, after its locks.
    async fn revoke_in(
        &self,
        tx: &mut Transaction<'static, Any>,
        condition: &str,
        reason: &str,
        today: NaiveDate,
    ) -> Result<Vec<Certificate>> {
        let ids: Vec<i64> = sqlx::query_scalar(&format!(
            "SELECT c.id FROM certificates c WHERE {condition} AND c.status = 'valid' ORDER BY c.id{}",
            self.backend.lock_rows("c")
        ))
        .fetch_all(&mut **tx)
        .await?;
        for id in &ids {
            sqlx::query(
                "UPDATE certificates SET status = 'revoked', revoked_on = $2, revoked_reason = $3 WHERE id = $1 AND status = 'valid'",
            )
            .bind(id)
            .bind(date_text(today))
            .bind(reason)
            .execute(&mut **tx)
            .await?;
        }
        let ids: Vec<CertificateId> = ids.into_iter().map(CertificateId).collect();
        self.certificates_in(tx, &ids).await
    }

    /// Revokes the valid certificate of a credit record inside the reversal's transaction (rules.md
    /// §7.5: a reversed record's certificate is revoked with the reason). Locks before any audit
    /// entry; returns the revoked certificates for [`Store::audit_revocations`].
    pub(crate) async fn revoke_certificates_of_record(
        &self,
        tx: &mut Transaction<'static, Any>,
        record: CreditRecordId,
        reason: &str,
        today: NaiveDate,
    ) -> Result<Vec<Certificate>> {
        let reason = format!("学分记录已冲销：{}", reason.trim());
        self.revoke_in(tx, &format!("c.credit_record_id = {}", record.0), &reason, today).await
    }

    pub(crate) async fn audit_revocations(
        &self,
        tx: &mut Transaction<'static, Any>,
        actor: &Actor,
        revoked: &[Certificate],
    ) -> Result<()> {
        for c in revoked {
            append(self, tx, actor, &change("certificate.revoke", c, None, Some(audit_view(c)))).await?;
        }
        Ok(())
    }
}

async fn current_kid_in(tx: &mut Transaction<'static, Any>, office: &str) -> Result<Option<String>> {
    Ok(sqlx::query_scalar("SELECT kid FROM certificate_keys WHERE office = $1 AND valid_until IS NULL")
        .bind(office)
        .fetch_optional(&mut **tx)
        .await?)
}

#[cfg(test)]
mod tests {
    use crate::testing;

    /// Reading a certificate names its replacement through `certificates_replaces`, not by scanning
    /// every certificate (the verification of one read them all before migration 0019).
    #[tokio::test]
    async fn the_replacement_is_found_through_an_index() {
        let db = testing::sqlite().await;
        let store = db.open().await;
        // EXPLAIN QUERY PLAN rows: id, parent, unused, detail.
        let rows: Vec<(i64, i64, i64, String)> = sqlx::query_as(&format!(
            "EXPLAIN QUERY PLAN SELECT {} FROM certificates c WHERE c.number = 'x'",
            super::COLUMNS
        ))
        .fetch_all(&store.pool)
        .await
        .unwrap();
        let plan: Vec<String> = rows.into_iter().map(|r| r.3).collect();
        assert!(plan.iter().any(|d| d.contains("certificates_replaces")), "{plan:?}");
        assert!(!plan.iter().any(|d| d.starts_with("SCAN")), "{plan:?}");
        store.close().await;
    }
}
