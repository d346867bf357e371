//! The audit log: every change of state, who made it, when, from where, before and after.
//!
//! Entries are appended inside the transaction of the change they record, so a change and its
//! entry commit together or not at all. Each entry carries an HMAC (keyed by the vault) over its
//! fields and the previous entry's HMAC; the head row holds the last one. Changing, deleting or
//! inserting any row breaks the chain, and without the key it cannot be rebuilt.

use serde::Serialize;
use serde_json::Value;
use sqlx::any::AnyRow;
use sqlx::{Any, Row, Transaction};

use crate::sql::{Bind, Filter};
use crate::{Page, PageRequest, Result, Store, decode, now_millis};

/// Who makes a change. `account_id` is `None` for the system itself (migrations, demo, CLI).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Actor {
    pub account_id: Option<i64>,
    pub name: String,
    pub ip: Option<String>,
}

impl Actor {
    pub fn system(name: &str) -> Self {
        Self { account_id: None, name: name.to_string(), ip: None }
    }
}

/// What changed, and where it belongs (the scope whose administrators may read the entry).
#[derive(Clone, Debug, Default)]
pub struct Change {
    pub action: &'static str,
    pub object_type: &'static str,
    pub object_id: String,
    pub province_code: Option<String>,
    pub org_id: Option<i64>,
    pub before: Option<Value>,
    pub after: Option<Value>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct AuditEntry {
    pub id: i64,
    pub at: i64,
    pub actor_account_id: Option<i64>,
    pub actor: String,
    pub ip: Option<String>,
    pub action: String,
    pub object_type: String,
    pub object_id: String,
    pub province_code: Option<String>,
    pub org_id: Option<i64>,
    pub before: Option<Value>,
    pub after: Option<Value>,
}

/// Which entries to read: an administrator's scope, narrowed by the filters of the log page.
#[derive(Clone, Debug, Default)]
pub struct AuditFilter {
    pub province_code: Option<String>,
    /// Entries of any of these organisations (a district and its units).
    pub org_ids: Option<Vec<i64>>,
    pub object_type: Option<String>,
    pub actor: Option<String>,
}

/// The result of `jijiao audit verify`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ChainReport {
    pub checked: i64,
    /// The first entry whose chain is broken, and why (Chinese).
    pub first_broken: Option<(i64, String)>,
}

const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

struct Sealed<'a> {
    id: i64,
    at: i64,
    actor_account_id: Option<i64>,
    actor: &'a str,
    ip: Option<&'a str>,
    action: &'a str,
    object_type: &'a str,
    object_id: &'a str,
    province_code: Option<&'a str>,
    org_id: Option<i64>,
    before_json: Option<&'a str>,
    after_json: Option<&'a str>,
}

impl Sealed<'_> {
    /// A canonical encoding: a JSON array of the fields in a fixed order.
    fn canonical(&self, prev_hash: &str) -> String {
        let fields = serde_json::json!([
            prev_hash,
            self.id,
            self.at,
            self.actor_account_id,
            self.actor,
            self.ip,
            self.action,
            self.object_type,
            self.object_id,
            self.province_code,
            self.org_id,
            self.before_json,
            self.after_json
        ]);
        fields.to_string()
    }
}

/// Appends an entry inside `tx`. Updating the head row first takes the write lock (SQLite) or the
/// row lock (PostgreSQL), so concurrent appends from several servers queue instead of forking.
///
/// On PostgreSQL the head is held from a transaction's first entry until it ends, so a transaction
/// locks every existing row it is going to change before its first entry (as
/// [`Store::decide_credits`] does): one that went on to lock such rows while holding the head could
/// wait for a transaction that holds one of them and waits for the head, a deadlock. (Rows it
/// inserts are its own; [`Store::write`] runs again a transaction that deadlocks all the same.)
pub(crate) async fn append(
    store: &Store,
    tx: &mut Transaction<'_, Any>,
    actor: &Actor,
    change: &Change,
) -> Result<i64> {
    sqlx::query("UPDATE audit_head SET last_id = last_id + 1 WHERE id = 1").execute(&mut **tx).await?;
    let head = sqlx::query("SELECT last_id, last_hash FROM audit_head WHERE id = 1").fetch_one(&mut **tx).await?;
    let id: i64 = head.try_get("last_id")?;
    let prev_hash: String = head.try_get("last_hash")?;
    let before_json = change.before.as_ref().map(Value::to_string);
    let after_json = change.after.as_ref().map(Value::to_string);
    let sealed = Sealed {
        id,
        at: now_millis(),
        actor_account_id: actor.account_id,
        actor: &actor.name,
        ip: actor.ip.as_deref(),
        action: change.action,
        object_type: change.object_type,
        object_id: &change.object_id,
        province_code: change.province_code.as_deref(),
        org_id: change.org_id,
        before_json: before_json.as_deref(),
        after_json: after_json.as_deref(),
    };
    let hash = store.vault.audit_mac(&sealed.canonical(&prev_hash));
    sqlx::query(
        "INSERT INTO audit_log (id, at, actor_account_id, actor, ip, action, object_type, object_id, province_code, org_id, before_json, after_json, prev_hash, hash)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
    )
    .bind(id)
    .bind(sealed.at)
    .bind(sealed.actor_account_id)
    .bind(sealed.actor)
    .bind(sealed.ip)
    .bind(sealed.action)
    .bind(sealed.object_type)
    .bind(sealed.object_id)
    .bind(sealed.province_code)
    .bind(sealed.org_id)
    .bind(sealed.before_json)
    .bind(sealed.after_json)
    .bind(&prev_hash)
    .bind(&hash)
    .execute(&mut **tx)
    .await?;
    sqlx::query("UPDATE audit_head SET last_hash = $1 WHERE id = 1").bind(&hash).execute(&mut **tx).await?;
    Ok(id)
}

const COLUMNS: &str = "id, at, actor_account_id, actor, ip, action, object_type, object_id, province_code, org_id, before_json, after_json, prev_hash, hash";

impl Store {
    /// Records a change that has no other write (a login, an export) in its own transaction.
    pub async fn record(&self, actor: &Actor, change: &Change) -> Result<i64> {
        self.write(|mut tx| async move {
            let id = append(self, &mut tx, actor, change).await?;
            tx.commit().await?;
            Ok(id)
        })
        .await
    }

    pub async fn audit_log(&self, filter: &AuditFilter, page: PageRequest) -> Result<Page<AuditEntry>> {
        let mut f = Filter::default();
        if let Some(p) = &filter.province_code {
            f.and("province_code = ?", [Bind::Text(p.clone())]);
        }
        if let Some(ids) = &filter.org_ids {
            if ids.is_empty() {
                f.and("1 = 0", []);
            } else {
                let marks = vec!["?"; ids.len()].join(", ");
                f.and(&format!("org_id IN ({marks})"), ids.iter().map(|i| Bind::Int(*i)));
            }
        }
        if let Some(t) = filter.object_type.as_deref().filter(|t| !t.is_empty()) {
            f.and("object_type = ?", [Bind::Text(t.to_string())]);
        }
        if let Some(a) = filter.actor.as_deref().map(str::trim).filter(|a| !a.is_empty()) {
            f.contains(self.backend, &["actor"], a);
        }
        let where_sql = f.where_sql();
        let total: i64 = f
            .query_scalar(&format!("SELECT CAST(COUNT(*) AS BIGINT) FROM audit_log{where_sql}"))
            .fetch_one(&self.pool)
            .await?;
        let n = f.next_placeholder();
        let sql = format!("SELECT {COLUMNS} FROM audit_log{where_sql} ORDER BY id DESC LIMIT ${n} OFFSET ${}", n + 1);
        let rows = f.query(&sql).bind(page.limit()).bind(page.offset()).fetch_all(&self.pool).await?;
        let items = rows.iter().map(entry_from_row).collect::<Result<Vec<_>>>()?;
        Ok(Page { items, total, page: page.page, per_page: page.per_page })
    }

    /// Walks the whole chain in id order and names the first entry that does not hold.
    pub async fn verify_audit_chain(&self) -> Result<ChainReport> {
        const BATCH: i64 = 2000;
        let mut expected_prev = GENESIS.to_string();
        let mut expected_id = 1i64;
        let mut checked = 0i64;
        loop {
            let rows = sqlx::query(&format!("SELECT {COLUMNS} FROM audit_log WHERE id >= $1 ORDER BY id LIMIT $2"))
                .bind(expected_id)
                .bind(BATCH)
                .fetch_all(&self.pool)
                .await?;
            if rows.is_empty() {
                break;
            }
            for row in &rows {
                let id: i64 = row.try_get("id")?;
                let broken = |reason: String| Ok(ChainReport { checked, first_broken: Some((id, reason)) });
                if id != expected_id {
                    let reason = format!("第 {expected_id} 条记录缺失（被删除），其后为第 {id} 条");
                    return Ok(ChainReport { checked, first_broken: Some((expected_id, reason)) });
                }
                let prev_hash: String = row.try_get("prev_hash")?;
                let hash: String = row.try_get("hash")?;
                if prev_hash != expected_prev {
                    return broken(format!("第 {id} 条记录的前序哈希与上一条不符（其前有记录被删除、插入或修改）"));
                }
                let entry = entry_from_row(row)?;
                let before_json: Option<String> = row.try_get("before_json")?;
                let after_json: Option<String> = row.try_get("after_json")?;
                let sealed = Sealed {
                    id,
                    at: entry.at,
                    actor_account_id: entry.actor_account_id,
                    actor: &entry.actor,
                    ip: entry.ip.as_deref(),
                    action: &entry.action,
                    object_type: &entry.object_type,
                    object_id: &entry.object_id,
                    province_code: entry.province_code.as_deref(),
                    org_id: entry.org_id,
                    before_json: before_json.as_deref(),
                    after_json: after_json.as_deref(),
                };
                if self.vault.audit_mac(&sealed.canonical(&prev_hash)) != hash {
                    return broken(format!("第 {id} 条记录的内容被修改（哈希不符）"));
                }
                expected_prev = hash;
                expected_id += 1;
                checked += 1;
            }
        }
        let head = sqlx::query("SELECT last_id, last_hash FROM audit_head WHERE id = 1").fetch_one(&self.pool).await?;
        let last_id: i64 = head.try_get("last_id")?;
        let last_hash: String = head.try_get("last_hash")?;
        if checked == 0 && last_id > 0 {
            return Ok(ChainReport {
                checked,
                first_broken: Some((1, format!("审计日志为空，但链头记录着 {last_id} 条：全部记录已被删除"))),
            });
        }
        if last_id != checked || last_hash != expected_prev {
            let missing = (checked + 1).min(last_id.max(1));
            return Ok(ChainReport {
                checked,
                first_broken: Some((
                    missing,
                    format!("日志应有 {last_id} 条，实有 {checked} 条：末尾记录被删除或链头被修改"),
                )),
            });
        }
        Ok(ChainReport { checked, first_broken: None })
    }
}

fn entry_from_row(r: &AnyRow) -> Result<AuditEntry> {
    let json = |column: &str, table_column: &'static str| -> Result<Option<Value>> {
        let text: Option<String> = r.try_get(column)?;
        text.map(|t| decode::json(&t, table_column)).transpose()
    };
    Ok(AuditEntry {
        id: r.try_get("id")?,
        at: r.try_get("at")?,
        actor_account_id: r.try_get("actor_account_id")?,
        actor: r.try_get("actor")?,
        ip: r.try_get("ip")?,
        action: r.try_get("action")?,
        object_type: r.try_get("object_type")?,
        object_id: r.try_get("object_id")?,
        province_code: r.try_get("province_code")?,
        org_id: r.try_get("org_id")?,
        before: json("before_json", "audit_log.before_json")?,
        after: json("after_json", "audit_log.after_json")?,
    })
}
