//! Constraint violations by name: every unique constraint of the schema, as each backend names it,
//! with what it means in Chinese, in one table. A write the database refuses becomes
//! [`StoreError::Conflict`] with that message; one the table does not know becomes a generic Chinese
//! message, and the database's own text ("UNIQUE constraint failed: …", "duplicate key value …")
//! goes to the log, never to the user.
//!
//! SQLite does not name the constraint: its message names the table and columns
//! (`UNIQUE constraint failed: people.id_number_hash`), which is the table's `sqlite` key.
//! PostgreSQL names the constraint or the unique index (`people_id_number_hash_key`), the `postgres`
//! key. Foreign-key and check violations name nothing useful on SQLite, so they get a generic
//! message each ([`StoreError::Invalid`]), with the raw text logged likewise.
//!
//! A caller that can say more than the table (the masked ID number, the batch's year) asks
//! [`violated`] which constraint refused it before turning the error into a [`StoreError`].

use sqlx::error::{DatabaseError, ErrorKind};

use crate::StoreError;

/// A unique constraint of the schema, by what it keeps unique.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Constraint {
    ProvinceCode,
    ProvinceName,
    ProvinceAbbreviation,
    SecondarySubjectCode,
    TertiarySubjectCode,
    OrganisationName,
    PersonIdNumber,
    SettingKey,
    AccountUsername,
    AccountPerson,
    AccountRole,
    SessionToken,
    LoginThrottleKey,
    CaptchaId,
    ApiTokenHash,
    CreditReversal,
    ApplicationWindow,
    ApplicationSequence,
    BatchNumber,
    ProjectApplication,
    ProjectNumber,
    ProjectPeriodPosition,
    ProjectNumberSequence,
    SearchTerm,
}

/// One row of [`KNOWN`].
pub(crate) struct Known {
    pub constraint: Constraint,
    /// SQLite's columns as its message lists them; empty where the backend lacks the constraint.
    pub sqlite: &'static str,
    /// PostgreSQL's constraint or unique index; empty where the backend lacks the constraint.
    pub postgres: &'static str,
    /// What the user reads.
    pub message: &'static str,
}

/// Every unique constraint of the schema but the surrogate `id` keys, which the database assigns.
/// A test checks this list against both schemas, both ways.
pub(crate) const KNOWN: &[Known] = &[
    Known {
        constraint: Constraint::ProvinceCode,
        sqlite: "provinces.code",
        postgres: "provinces_pkey",
        message: "省份代码已存在",
    },
    Known {
        constraint: Constraint::ProvinceName,
        sqlite: "provinces.name",
        postgres: "provinces_name_key",
        message: "省份名称已存在",
    },
    Known {
        constraint: Constraint::ProvinceAbbreviation,
        sqlite: "provinces.abbreviation",
        postgres: "provinces_abbreviation_key",
        message: "省份简称已存在",
    },
    Known {
        constraint: Constraint::SecondarySubjectCode,
        sqlite: "subjects_secondary.code",
        postgres: "subjects_secondary_pkey",
        message: "二级学科代码已存在",
    },
    Known {
        constraint: Constraint::TertiarySubjectCode,
        sqlite: "subjects_tertiary.code",
        postgres: "subjects_tertiary_pkey",
        message: "三级学科代码已存在",
    },
    Known {
        constraint: Constraint::OrganisationName,
        sqlite: "organisations.name",
        postgres: "organisations_name",
        message: "机构名称已存在",
    },
    Known {
        constraint: Constraint::PersonIdNumber,
        sqlite: "people.id_number_hash",
        postgres: "people_id_number_hash_key",
        message: "身份证号已登记",
    },
    Known {
        constraint: Constraint::SettingKey,
        sqlite: "settings.key",
        postgres: "settings_pkey",
        message: "设置项已存在",
    },
    Known {
        constraint: Constraint::AccountUsername,
        sqlite: "accounts.username",
        postgres: "accounts_username_key",
        message: "用户名已存在",
    },
    Known {
        constraint: Constraint::AccountPerson,
        sqlite: "accounts.person_id",
        postgres: "accounts_person_id_key",
        message: "该人员已有账号",
    },
    Known {
        constraint: Constraint::AccountRole,
        sqlite: "account_roles.account_id, account_roles.role, account_roles.org_id",
        postgres: "account_roles_unique",
        message: "该账号已有此角色",
    },
    Known {
        constraint: Constraint::SessionToken,
        sqlite: "sessions.token_hash",
        postgres: "sessions_pkey",
        message: "会话已存在，请重新登录",
    },
    Known {
        constraint: Constraint::LoginThrottleKey,
        sqlite: "login_throttle.key",
        postgres: "login_throttle_pkey",
        message: "登录失败记录已存在，请重试",
    },
    Known {
        constraint: Constraint::CaptchaId,
        sqlite: "captchas.id",
        postgres: "captchas_pkey",
        message: "验证码已存在，请刷新验证码",
    },
    Known {
        constraint: Constraint::ApiTokenHash,
        sqlite: "api_tokens.token_hash",
        postgres: "api_tokens_token_hash_key",
        message: "令牌已存在，请重新创建",
    },
    Known {
        constraint: Constraint::CreditReversal,
        sqlite: "credit_records.reverses_id",
        postgres: "credit_records_reverses",
        message: "该学分记录已被冲销",
    },
    Known {
        constraint: Constraint::ApplicationWindow,
        sqlite: "application_windows.year, application_windows.level, application_windows.org_id",
        postgres: "application_windows_office",
        message: "本机构已设置该年度该级别的申报时间",
    },
    Known {
        constraint: Constraint::ApplicationSequence,
        sqlite: "applications.year, applications.level, applications.sequence_scope, applications.sequence",
        postgres: "applications_sequence",
        message: "申报书编号已被占用，请重试",
    },
    Known {
        constraint: Constraint::BatchNumber,
        sqlite: "publication_batches.level, publication_batches.scope, publication_batches.year, publication_batches.batch",
        postgres: "publication_batches_number",
        message: "该年度的这一批次已存在",
    },
    Known {
        constraint: Constraint::ProjectApplication,
        sqlite: "projects.application_id",
        postgres: "projects_application_id_key",
        message: "申报书已公布过",
    },
    Known {
        constraint: Constraint::ProjectNumber,
        sqlite: "projects.number",
        postgres: "projects_number_key",
        message: "项目编号已公布过",
    },
    Known {
        constraint: Constraint::ProjectPeriodPosition,
        sqlite: "project_periods.project_id, project_periods.position",
        postgres: "project_periods_project",
        message: "项目的举办期次重复",
    },
    Known {
        constraint: Constraint::ProjectNumberSequence,
        sqlite: "project_number_sequences.year, project_number_sequences.scope, project_number_sequences.sequence_key",
        postgres: "project_number_sequences_pkey",
        message: "项目编号序列已存在，请重试",
    },
    // SQLite's word index counts its trigrams here; PostgreSQL's index needs no such table.
    Known {
        constraint: Constraint::SearchTerm,
        sqlite: "project_search_terms.term",
        postgres: "",
        message: "检索词已存在，请重试",
    },
];

/// What the user reads for a unique violation the table does not know.
pub(crate) const UNKNOWN_DUPLICATE: &str = "与已有记录重复";
/// What the user reads for a foreign-key violation.
pub(crate) const MISSING_REFERENCE: &str = "关联的记录不存在，或记录仍被其他数据使用";
/// What the user reads for a check violation.
pub(crate) const OUT_OF_RANGE: &str = "数据超出允许的取值范围";

impl Constraint {
    fn known(self) -> &'static Known {
        KNOWN.iter().find(|k| k.constraint == self).expect("every constraint is in KNOWN")
    }

    /// What the user reads when this constraint refuses a write.
    pub(crate) fn message(self) -> &'static str {
        self.known().message
    }
}

/// The constraint a unique violation names, on either backend (see the module's comment).
fn name_of(db: &dyn DatabaseError) -> Option<&str> {
    db.constraint().or_else(|| db.message().strip_prefix("UNIQUE constraint failed: "))
}

fn known_by_name(name: &str) -> Option<Constraint> {
    KNOWN.iter().find(|k| !name.is_empty() && (k.sqlite == name || k.postgres == name)).map(|k| k.constraint)
}

/// Which known unique constraint refused the statement that failed with `error`, if one did.
pub(crate) fn violated(error: &sqlx::Error) -> Option<Constraint> {
    match error {
        sqlx::Error::Database(db) if db.kind() == ErrorKind::UniqueViolation => {
            name_of(db.as_ref()).and_then(known_by_name)
        }
        _ => None,
    }
}

/// `error` as a [`StoreError`], with `message` in place of the table's when `constraint` refused the
/// write: for a caller that can say which record is duplicated.
pub(crate) fn naming(error: sqlx::Error, constraint: Constraint, message: impl FnOnce() -> String) -> StoreError {
    if violated(&error) == Some(constraint) { StoreError::Conflict(message()) } else { error.into() }
}

/// The refusal a database error stands for: a unique, foreign-key or check violation, with its
/// Chinese message; `None` for any other error. What the user does not read is logged.
pub(crate) fn refusal(db: &dyn DatabaseError) -> Option<StoreError> {
    match db.kind() {
        ErrorKind::UniqueViolation => {
            let name = name_of(db);
            Some(StoreError::Conflict(match name.and_then(known_by_name) {
                Some(constraint) => constraint.message().to_string(),
                None => {
                    tracing::warn!(
                        constraint = name,
                        error = db.message(),
                        "a unique constraint missing from constraints::KNOWN refused a write"
                    );
                    UNKNOWN_DUPLICATE.to_string()
                }
            }))
        }
        ErrorKind::ForeignKeyViolation => {
            tracing::warn!(constraint = db.constraint(), error = db.message(), "a foreign key refused a write");
            Some(StoreError::Invalid(MISSING_REFERENCE.to_string()))
        }
        ErrorKind::CheckViolation => {
            tracing::warn!(constraint = db.constraint(), error = db.message(), "a check constraint refused a write");
            Some(StoreError::Invalid(OUT_OF_RANGE.to_string()))
        }
        _ => None,
    }
}
