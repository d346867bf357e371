//! Organisations: the national, provincial and district offices and the units under them.

use jijiao_domain::org::{InspectionResult, OrgKind, UnitType};
use serde::{Deserialize, Serialize};
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::audit::{Actor, Change, append};
use crate::decode;
use crate::sql::{Bind, Filter, flag};
use crate::{Page, PageRequest, Result, Store, StoreError, now_millis};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct OrgId(pub i64);

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Organisation {
    pub id: OrgId,
    pub kind: OrgKind,
    pub name: String,
    pub parent_id: Option<OrgId>,
    /// Every organisation but the national office belongs to one province.
    pub province_code: Option<String>,
    pub unit_type: Option<UnitType>,
    /// County level and below (基层): 乡镇卫生院, 社区卫生服务机构, 村卫生室.
    pub grassroots: bool,
    pub cme_qualified: bool,
    pub remote_qualified: bool,
    pub inspection: InspectionResult,
    pub created_at: i64,
    pub updated_at: i64,
    /// The parent, when it is a district office (read with the organisation; not part of its JSON).
    #[serde(skip)]
    pub parent_district: Option<OrgId>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewOrganisation {
    pub kind: OrgKind,
    pub name: String,
    pub parent_id: Option<OrgId>,
    pub province_code: Option<String>,
    pub unit_type: Option<UnitType>,
    pub grassroots: bool,
    pub cme_qualified: bool,
    pub remote_qualified: bool,
    pub inspection: InspectionResult,
}

#[derive(Clone, Debug, Default)]
pub struct OrgFilter {
    pub kind: Option<OrgKind>,
    pub province_code: Option<String>,
    pub parent_id: Option<OrgId>,
    /// Words of the name.
    pub q: Option<String>,
}

/// With the district office above, if the parent is one: every check of where a unit sits needs
/// it, and a second query for it would cost a round trip on every signed-in request.
const COLUMNS: &str = "id, kind, name, parent_id, province_code, unit_type, grassroots, cme_qualified, remote_qualified, inspection, created_at, updated_at,
    (SELECT d.id FROM organisations d WHERE d.id = organisations.parent_id AND d.kind = 'district') AS parent_district_id";

impl NewOrganisation {
    /// The shape rules the database cannot express on its own.
    fn validate(&self) -> Result<()> {
        let invalid = |m: &str| Err(StoreError::Invalid(m.to_string()));
        if self.name.trim().is_empty() {
            return invalid("单位名称不能为空");
        }
        match self.kind {
            OrgKind::National if self.province_code.is_some() || self.parent_id.is_some() => {
                invalid("全国继续医学教育委员会办公室不属于任何省份或上级")
            }
            OrgKind::Provincial | OrgKind::District | OrgKind::Unit if self.province_code.is_none() => {
                invalid("省级、区级管理部门和单位必须属于一个省份")
            }
            OrgKind::Unit if self.unit_type.is_none() => invalid("单位必须选择单位类型"),
            OrgKind::National | OrgKind::Provincial | OrgKind::District if self.unit_type.is_some() => {
                invalid("管理部门没有单位类型")
            }
            _ => Ok(()),
        }
    }
}

impl Store {
    pub async fn create_organisation(&self, actor: &Actor, new: &NewOrganisation) -> Result<OrgId> {
        new.validate()?;
        let now = now_millis();
        self.write(|mut tx| async move {
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO organisations (kind, name, parent_id, province_code, unit_type, grassroots, cme_qualified, remote_qualified, inspection, created_at, updated_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10) RETURNING id",
            )
            .bind(new.kind.code())
            .bind(new.name.trim())
            .bind(new.parent_id.map(|p| p.0))
            .bind(new.province_code.as_deref())
            .bind(new.unit_type.map(|t| t.code()))
            .bind(flag(new.grassroots))
            .bind(flag(new.cme_qualified))
            .bind(flag(new.remote_qualified))
            .bind(new.inspection.code())
            .bind(now)
            .fetch_one(&mut *tx)
            .await?;
            let change = Change {
                action: "organisation.create",
                object_type: "organisation",
                object_id: id.to_string(),
                province_code: new.province_code.clone(),
                org_id: Some(id),
                before: None,
                after: serde_json::to_value(new).ok(),
            };
            append(self, &mut tx, actor, &change).await?;
            tx.commit().await?;
            Ok(OrgId(id))
        })
        .await
    }

    pub async fn organisation(&self, id: OrgId) -> Result<Organisation> {
        organisation_on(&self.pool, id).await
    }

    pub async fn organisation_by_name(&self, name: &str) -> Result<Organisation> {
        let row = sqlx::query(&format!("SELECT {COLUMNS} FROM organisations WHERE name = $1"))
            .bind(name.trim())
            .fetch_one(&self.pool)
            .await?;
        org_from_row(&row)
    }

    pub async fn organisations(&self, filter: &OrgFilter, page: PageRequest) -> Result<Page<Organisation>> {
        let mut f = Filter::default();
        if let Some(kind) = filter.kind {
            f.and("kind = ?", [Bind::Text(kind.code().into())]);
        }
        if let Some(p) = &filter.province_code {
            f.and("province_code = ?", [Bind::Text(p.clone())]);
        }
        if let Some(parent) = filter.parent_id {
            f.and("parent_id = ?", [Bind::Int(parent.0)]);
        }
        if let Some(q) = filter.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
            f.contains(self.backend, &["name"], q);
        }
        let where_sql = f.where_sql();
        let total: i64 = f
            .query_scalar(&format!("SELECT CAST(COUNT(*) AS BIGINT) FROM organisations{where_sql}"))
            .fetch_one(&self.pool)
            .await?;
        let n = f.next_placeholder();
        let sql = format!(
            "SELECT {COLUMNS} FROM organisations{where_sql} ORDER BY province_code, kind, id LIMIT ${n} OFFSET ${}",
            n + 1
        );
        let rows = f.query(&sql).bind(page.limit()).bind(page.offset()).fetch_all(&self.pool).await?;
        let items = rows.iter().map(org_from_row).collect::<Result<Vec<_>>>()?;
        Ok(Page { items, total, page: page.page, per_page: page.per_page })
    }

    /// Records a unit's latest annual inspection or licence check.
    pub async fn set_inspection(&self, actor: &Actor, id: OrgId, result: InspectionResult) -> Result<()> {
        let before = self.organisation(id).await?;
        let before = &before;
        self.write(|mut tx| async move {
            sqlx::query("UPDATE organisations SET inspection = $2, updated_at = $3 WHERE id = $1")
                .bind(id.0)
                .bind(result.code())
                .bind(now_millis())
                .execute(&mut *tx)
                .await?;
            let change = Change {
                action: "organisation.inspection",
                object_type: "organisation",
                object_id: id.0.to_string(),
                province_code: before.province_code.clone(),
                org_id: Some(id.0),
                before: Some(serde_json::json!({ "inspection": before.inspection })),
                after: Some(serde_json::json!({ "inspection": result })),
            };
            append(self, &mut tx, actor, &change).await?;
            tx.commit().await?;
            Ok(())
        })
        .await
    }
}

fn org_from_row(r: &AnyRow) -> Result<Organisation> {
    let kind: String = r.try_get("kind")?;
    let unit_type: Option<String> = r.try_get("unit_type")?;
    let inspection: String = r.try_get("inspection")?;
    Ok(Organisation {
        id: OrgId(r.try_get("id")?),
        kind: decode::code(&kind, "organisations.kind", OrgKind::from_code)?,
        name: r.try_get("name")?,
        parent_id: r.try_get::<Option<i64>, _>("parent_id")?.map(OrgId),
        province_code: r.try_get("province_code")?,
        unit_type: match unit_type {
            Some(t) => Some(decode::code(&t, "organisations.unit_type", UnitType::from_code)?),
            None => None,
        },
        grassroots: r.try_get::<i64, _>("grassroots")? != 0,
        cme_qualified: r.try_get::<i64, _>("cme_qualified")? != 0,
        remote_qualified: r.try_get::<i64, _>("remote_qualified")? != 0,
        inspection: decode::code(&inspection, "organisations.inspection", InspectionResult::from_code)?,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
        parent_district: r.try_get::<Option<i64>, _>("parent_district_id")?.map(OrgId),
    })
}

impl Organisation {
    /// Where this organisation sits, for the authorisation rules.
    pub fn place(&self) -> jijiao_domain::authz::Place {
        let (district, unit) = match self.kind {
            OrgKind::District => (Some(self.id.0), None),
            OrgKind::Unit => (self.parent_district.map(|d| d.0), Some(self.id.0)),
            _ => (None, None),
        };
        jijiao_domain::authz::Place { province: self.province_code.clone(), district, unit, person: None }
    }
}

impl Store {
    /// The ids of an organisation and every organisation below it (a district and its units).
    pub async fn subtree(&self, root: OrgId) -> Result<Vec<i64>> {
        let children: Vec<i64> = sqlx::query_scalar("SELECT id FROM organisations WHERE parent_id = $1")
            .bind(root.0)
            .fetch_all(&self.pool)
            .await?;
        let mut all = vec![root.0];
        all.extend(children);
        Ok(all)
    }
}

pub(crate) async fn organisation_on<'c, E: sqlx::Executor<'c, Database = sqlx::Any>>(
    on: E,
    id: OrgId,
) -> Result<Organisation> {
    let row =
        sqlx::query(&format!("SELECT {COLUMNS} FROM organisations WHERE id = $1")).bind(id.0).fetch_one(on).await?;
    org_from_row(&row)
}
