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
    FilingVersion,
    CertificateKeyId,
    CertificateCurrentKey,
    CertificateSequence,
    CertificateNumber,
    CertificateValidRecord,
    SignInOnce,
    RosterPerson,
    ReportPeriod,
    RemoteCycleProject,
    SurveyOnce,
    RateLimitWindow,
    CatalogueCount,
    CatalogueGramCount,
    CatalogueSubjectGramCount,
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
    Known {
        constraint: Constraint::FilingVersion,
        sqlite: "period_filings.project_id, period_filings.period, period_filings.version",
        postgres: "period_filings_version",
        message: "该期的这一报备版本已存在，请刷新后重试",
    },
    Known {
        constraint: Constraint::CertificateKeyId,
        sqlite: "certificate_keys.kid",
        postgres: "certificate_keys_kid_key",
        message: "证书签名密钥编号已存在，请重试",
    },
    Known {
        constraint: Constraint::CertificateCurrentKey,
        sqlite: "certificate_keys.office",
        postgres: "certificate_keys_current",
        message: "该发证机构已有现用签名密钥",
    },
    Known {
        constraint: Constraint::CertificateSequence,
        sqlite: "certificate_sequences.year, certificate_sequences.office",
        postgres: "certificate_sequences_pkey",
        message: "证书编号序列已存在，请重试",
    },
    Known {
        constraint: Constraint::CertificateNumber,
        sqlite: "certificates.number",
        postgres: "certificates_number_key",
        message: "证书编号已被使用",
    },
    Known {
        constraint: Constraint::CertificateValidRecord,
        sqlite: "certificates.credit_record_id",
        postgres: "certificates_valid_record",
        message: "该学分记录已有有效的证书",
    },
    Known {
        constraint: Constraint::SignInOnce,
        sqlite: "sign_ins.project_id, sign_ins.period, sign_ins.session_date, sign_ins.session_from, sign_ins.person_id",
        postgres: "sign_ins_once",
        message: "您已签到本场",
    },
    Known {
        constraint: Constraint::RosterPerson,
        sqlite: "roster_entries.project_id, roster_entries.period, roster_entries.person_id",
        postgres: "roster_entries_person",
        message: "同一人在本期名单中出现了两次",
    },
    Known {
        constraint: Constraint::ReportPeriod,
        sqlite: "period_reports.project_id, period_reports.period",
        postgres: "period_reports_period",
        message: "本期执行情况正在被他人同时填写，请刷新后重试",
    },
    Known {
        constraint: Constraint::RemoteCycleProject,
        sqlite: "remote_cycles.project_id",
        postgres: "remote_cycles_project",
        message: "该项目的上传周期正在被他人同时设置，请刷新后重试",
    },
    Known {
        constraint: Constraint::SurveyOnce,
        sqlite: "survey_answers.project_id, survey_answers.period, survey_answers.person_id",
        postgres: "survey_answers_once",
        message: "您已填写过本期问卷，每人每期只能填写一次",
    },
    Known {
        constraint: Constraint::RateLimitWindow,
        sqlite: "rate_limits.caller, rate_limits.class",
        postgres: "rate_limits_pkey",
        message: "限流计数已存在，请重试",
    },
    Known {
        constraint: Constraint::CatalogueCount,
        sqlite: "catalogue_counts.facet, catalogue_counts.value, catalogue_counts.year, catalogue_counts.level, catalogue_counts.batch_id",
        postgres: "catalogue_counts_pkey",
        message: "项目目录计数已存在，请重试",
    },
    // PostgreSQL counts one-word searches per gram here; SQLite counts them in its FTS5 index.
    Known {
        constraint: Constraint::CatalogueGramCount,
        sqlite: "",
        postgres: "catalogue_gram_counts_pkey",
        message: "项目目录计数已存在，请重试",
    },
    // …and one word within a tertiary subject here, where common.
    Known {
        constraint: Constraint::CatalogueSubjectGramCount,
        sqlite: "",
        postgres: "catalogue_subject_gram_counts_pkey",
        message: "项目目录计数已存在，请重试",
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Backend, Store, testing};
    use std::collections::BTreeSet;

    /// Rows every case below refers to (ids 900), inserted once after the reference data.
    const FIXTURES: &[&str] = &[
        "INSERT INTO organisations (id, kind, name, created_at, updated_at) VALUES (900, 'unit', '约束测试医院', 0, 0)",
        "INSERT INTO people (id, name, id_number_enc, id_number_hash, sex, birth_date, created_at, updated_at) VALUES (900, '张三', 'x', 'h900', 'male', '1980-01-01', 0, 0)",
        "INSERT INTO accounts (id, username, display_name, password_hash, created_at, updated_at) VALUES (900, 'u900', 'x', 'x', 0, 0)",
        "INSERT INTO credit_records (id, person_id, year, kind, source, title, end_date, status, recorded_by_name, created_at) VALUES (900, 900, 2024, 'other', 'employer', 'x', '2024-03-01', 'granted', 'x', 0)",
        "INSERT INTO applications (id, year, level, province_code, unit_id, leader_name, name, subject_secondary, subject_tertiary, status, document, leader_id_number_enc, created_at, updated_at) VALUES (900, 2024, 'national', '11', 900, '张三', 'x', '03', '03-05', 'draft', '{}', 'x', 0, 0)",
        "INSERT INTO publication_batches (id, level, scope, year, batch, created_at) VALUES (900, 'national', '', 2024, 9, 0)",
        "INSERT INTO projects (id, batch_id, year, level, unit_name, leader_name, name, subject_secondary, subject_tertiary, kind, delivery, credits, planned_enrollment, first_day, last_day, search_text, created_at) VALUES (900, 900, 2024, 'national', 'x', 'x', 'x', '03', '03-05', 'recommended', 'face_to_face', 100, 50, '2024-05-01', '2024-05-02', 'x', 0)",
    ];

    /// A statement that violates the constraint the second time it runs, `{n}` being the run (1,
    /// then 2): whatever else must stay unique varies with `{n}`.
    fn violation(constraint: Constraint) -> &'static str {
        match constraint {
            Constraint::ProvinceCode => {
                "INSERT INTO provinces (code, name, short_name, abbreviation, committee_name, postcode, address, phone, fax, updated_at) VALUES ('99', '约束省{n}', '约', '约{n}', '', '', '', '', '', 0)"
            }
            Constraint::ProvinceName => {
                "INSERT INTO provinces (code, name, short_name, abbreviation, committee_name, postcode, address, phone, fax, updated_at) VALUES ('9{n}', '约束省', '约', '束{n}', '', '', '', '', '', 0)"
            }
            Constraint::ProvinceAbbreviation => {
                "INSERT INTO provinces (code, name, short_name, abbreviation, committee_name, postcode, address, phone, fax, updated_at) VALUES ('8{n}', '约束市{n}', '约', '测', '', '', '', '', '', 0)"
            }
            Constraint::SecondarySubjectCode => "INSERT INTO subjects_secondary (code, name) VALUES ('99', '约束{n}')",
            Constraint::TertiarySubjectCode => {
                "INSERT INTO subjects_tertiary (code, secondary_code, name) VALUES ('03-99', '03', '约束{n}')"
            }
            Constraint::OrganisationName => {
                "INSERT INTO organisations (kind, name, created_at, updated_at) VALUES ('unit', '约束机构', {n}, 0)"
            }
            Constraint::PersonIdNumber => {
                "INSERT INTO people (name, id_number_enc, id_number_hash, sex, birth_date, created_at, updated_at) VALUES ('李四', 'x{n}', 'h-duplicate', 'male', '1980-01-01', 0, 0)"
            }
            Constraint::SettingKey => "INSERT INTO settings (key, value) VALUES ('约束', '{n}')",
            Constraint::AccountUsername => {
                "INSERT INTO accounts (username, display_name, password_hash, created_at, updated_at) VALUES ('duplicate', 'x', 'x', {n}, 0)"
            }
            Constraint::AccountPerson => {
                "INSERT INTO accounts (username, display_name, password_hash, person_id, created_at, updated_at) VALUES ('p{n}', 'x', 'x', 900, 0, 0)"
            }
            Constraint::AccountRole => {
                "INSERT INTO account_roles (account_id, role, org_id, created_at) VALUES (900, 'unit_admin', 900, {n})"
            }
            Constraint::SessionToken => {
                "INSERT INTO sessions (token_hash, account_id, csrf_token, created_at, last_seen_at, expires_at) VALUES ('t', 900, 'c{n}', 0, 0, 0)"
            }
            Constraint::LoginThrottleKey => {
                "INSERT INTO login_throttle (key, failures, last_failure_at) VALUES ('account:x', {n}, 0)"
            }
            Constraint::CaptchaId => "INSERT INTO captchas (id, answer_hash, expires_at) VALUES ('c', 'a{n}', 0)",
            Constraint::ApiTokenHash => {
                "INSERT INTO api_tokens (account_id, name, token_hash, prefix, created_by, created_at, expires_at) VALUES (900, 't{n}', 'th', 'p', 900, 0, 0)"
            }
            Constraint::CreditReversal => {
                "INSERT INTO credit_records (person_id, year, kind, source, title, end_date, status, reverses_id, recorded_by_name, created_at) VALUES (900, 2024, 'other', 'employer', 'x{n}', '2024-03-01', 'granted', 900, 'x', 0)"
            }
            Constraint::ApplicationWindow => {
                "INSERT INTO application_windows (year, level, org_id, opens, closes, updated_at) VALUES (2024, 'national', 900, '2024-01-01', '2024-02-01', {n})"
            }
            Constraint::ApplicationSequence => {
                "INSERT INTO applications (year, level, province_code, unit_id, leader_name, name, subject_secondary, subject_tertiary, status, sequence, sequence_scope, document, leader_id_number_enc, created_at, updated_at) VALUES (2024, 'national', '11', 900, '张三', 'x{n}', '03', '03-05', 'submitted', 1, '', '{}', 'x', 0, 0)"
            }
            Constraint::BatchNumber => {
                "INSERT INTO publication_batches (level, scope, year, batch, notice, created_at) VALUES ('national', '', 2023, 1, '{n}', 0)"
            }
            Constraint::ProjectApplication => {
                "INSERT INTO projects (batch_id, application_id, year, level, unit_name, leader_name, name, subject_secondary, subject_tertiary, kind, delivery, credits, planned_enrollment, first_day, last_day, search_text, created_at) VALUES (900, 900, 2024, 'national', 'x', 'x', 'x{n}', '03', '03-05', 'recommended', 'face_to_face', 100, 50, '2024-05-01', '2024-05-02', 'x', 0)"
            }
            Constraint::ProjectNumber => {
                "INSERT INTO projects (batch_id, number, year, level, unit_name, leader_name, name, subject_secondary, subject_tertiary, kind, delivery, credits, planned_enrollment, first_day, last_day, search_text, created_at) VALUES (900, '2024-03-05-001（国）', 2024, 'national', 'x', 'x', 'x{n}', '03', '03-05', 'recommended', 'face_to_face', 100, 50, '2024-05-01', '2024-05-02', 'x', 0)"
            }
            Constraint::ProjectPeriodPosition => {
                "INSERT INTO project_periods (project_id, position, start_date, end_date, place) VALUES (900, 0, '2024-05-01', '2024-05-02', '北京{n}')"
            }
            Constraint::ProjectNumberSequence => {
                "INSERT INTO project_number_sequences (year, scope, sequence_key, last_serial) VALUES (2024, '', '03-05', {n})"
            }
            Constraint::SearchTerm => "INSERT INTO project_search_terms (term, docs) VALUES ('t1x2x3', {n})",
            Constraint::FilingVersion => {
                "INSERT INTO period_filings (project_id, period, version, start_date, end_date, venue_province, place, form, document, contact_phone_enc, late, author, filed_at, filed_on) VALUES (900, 1, 1, '2024-05-01', '2024-05-02', '11', '北京', 'offline', '{}', 'x', 0, 'x', {n}, '2024-04-01')"
            }
            Constraint::CertificateKeyId => {
                "INSERT INTO certificate_keys (kid, office, public_key, secret_enc, valid_from, valid_until, created_at) VALUES ('11-900', '11', 'k{n}', 's', '2024-01-01', '2024-02-01', 0)"
            }
            Constraint::CertificateCurrentKey => {
                "INSERT INTO certificate_keys (kid, office, public_key, secret_enc, valid_from, valid_until, created_at) VALUES ('12-90{n}', '12', 'k', 's', '2024-01-01', NULL, 0)"
            }
            Constraint::CertificateSequence => {
                "INSERT INTO certificate_sequences (year, office, last_serial) VALUES (2024, '11', {n})"
            }
            Constraint::CertificateNumber => {
                "INSERT INTO certificates (number, kind, credit_record_id, person_id, office, record_year, project_number, facts, signature, kid, issued_on, status, created_at) VALUES ('2024-11-00000001', 'credit', 900, 900, '11', 2024, 'p', '{}', 's', '11-1', '2024-05-01', 'revoked', {n})"
            }
            Constraint::CertificateValidRecord => {
                "INSERT INTO certificates (number, kind, credit_record_id, person_id, office, record_year, project_number, facts, signature, kid, issued_on, status, created_at) VALUES ('2024-11-0000010{n}', 'credit', 900, 900, '11', 2024, 'p', '{}', 's', '11-1', '2024-05-01', 'valid', 0)"
            }
            Constraint::SignInOnce => {
                "INSERT INTO sign_ins (project_id, period, session_date, session_from, person_id, signed_in_at) VALUES (900, 1, '2024-05-01', '09:00', 900, {n})"
            }
            Constraint::RosterPerson => {
                "INSERT INTO roster_entries (project_id, period, sheet_row, person_id, name, unit, province_code, title, phone_enc, hours_tenths, passed, created_at) VALUES (900, 1, 2, 900, 'x', 'u', '11', 't', '', 0, 1, {n})"
            }
            Constraint::ReportPeriod => {
                "INSERT INTO period_reports (project_id, period, status, document, updated_by_name, updated_at) VALUES (900, 1, 'draft', '{}', 'x', {n})"
            }
            Constraint::RemoteCycleProject => {
                "INSERT INTO remote_cycles (project_id, months, set_by_name, set_at) VALUES (900, 3, 'x', {n})"
            }
            Constraint::SurveyOnce => {
                "INSERT INTO survey_answers (project_id, period, person_id, q1, q2, q3, q4, q5, q6, q7_first, q7_second, answered_at) VALUES (900, 1, 900, 0, 0, 0, 0, 0, 0, 0, 1, {n})"
            }
            Constraint::RateLimitWindow => {
                "INSERT INTO rate_limits (caller, class, window_start, requests) VALUES ('c', 'public', 0, {n})"
            }
            Constraint::CatalogueCount => {
                "INSERT INTO catalogue_counts (batch_id, year, level, facet, value, projects) VALUES (900, 2024, 'national', '', '', {n})"
            }
            Constraint::CatalogueGramCount => {
                "INSERT INTO catalogue_gram_counts (gram, year, level, batch_id, projects) VALUES ('肿瘤', 2024, 'national', 900, {n})"
            }
            Constraint::CatalogueSubjectGramCount => {
                "INSERT INTO catalogue_subject_gram_counts (gram, subject, batch_id, year, level, projects) VALUES ('肿瘤', '03:03-05', 900, 2024, 'national', {n})"
            }
        }
    }

    fn on(backend: Backend, known: &Known) -> &'static str {
        match backend {
            Backend::Sqlite => known.sqlite,
            Backend::Postgres => known.postgres,
        }
    }

    /// Every unique index of the schema but a surrogate key (an integer `id` the database assigns),
    /// as the backend names it in a violation (see [`name_of`]).
    async fn unique_constraints(store: &Store) -> BTreeSet<String> {
        let rows: Vec<(String, String, String)> = match store.backend {
            // Columns in index order; `pragma_table_list` marks FTS5's own tables as shadow tables.
            // An INTEGER PRIMARY KEY is the rowid, not an index, so it is not listed.
            Backend::Sqlite => sqlx::query_as(
                "SELECT t.name, il.name, group_concat(t.name || '.' || ii.name, ', ' ORDER BY ii.seqno) \
                 FROM pragma_table_list t JOIN pragma_index_list(t.name) il JOIN pragma_index_info(il.name) ii \
                 WHERE t.schema = 'main' AND t.type = 'table' AND t.name NOT LIKE 'sqlite_%' AND il.\"unique\" = 1 \
                 GROUP BY t.name, il.name",
            ),
            Backend::Postgres => sqlx::query_as(
                "SELECT CAST(t.relname AS TEXT), CAST(i.relname AS TEXT), \
                 string_agg(CAST(a.attname AS TEXT), ', ' ORDER BY k.ord) \
                 FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid \
                 JOIN pg_namespace n ON n.oid = t.relnamespace \
                 CROSS JOIN LATERAL unnest(CAST(x.indkey AS int2[])) WITH ORDINALITY AS k(attnum, ord) \
                 JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum \
                 WHERE n.nspname = current_schema() AND x.indisunique \
                 AND NOT (x.indisprimary AND x.indnatts = 1 AND a.attname = 'id' AND a.atttypid = CAST('bigint' AS regtype)) \
                 GROUP BY t.relname, i.relname",
            ),
        }
        .fetch_all(&store.pool)
        .await
        .unwrap();
        rows.into_iter()
            .filter(|(table, _, _)| table != "_sqlx_migrations")
            .map(|(_, index, columns)| match store.backend {
                Backend::Sqlite => columns,
                Backend::Postgres => index,
            })
            .collect()
    }

    /// The table names every unique constraint of both schemas, and only those.
    #[tokio::test]
    async fn the_table_knows_every_unique_constraint() {
        for db in testing::databases().await {
            let store = db.open().await;
            let in_schema = unique_constraints(&store).await;
            let known: BTreeSet<String> =
                KNOWN.iter().map(|k| on(store.backend, k)).filter(|n| !n.is_empty()).map(String::from).collect();
            assert_eq!(known, in_schema, "{}", db.name);
            store.close().await;
        }
    }

    /// Each constraint's violation, on each backend, is that constraint with its message, and the
    /// database's own text reaches no one.
    #[tokio::test]
    async fn each_violation_is_its_constraint_with_its_message() {
        for db in testing::databases().await {
            let store = db.open().await;
            for fixture in FIXTURES {
                sqlx::query(fixture).execute(&store.pool).await.unwrap();
            }
            for known in KNOWN.iter().filter(|k| !on(store.backend, k).is_empty()) {
                let sql = violation(known.constraint);
                sqlx::query(&sql.replace("{n}", "1")).execute(&store.pool).await.unwrap();
                let error = sqlx::query(&sql.replace("{n}", "2")).execute(&store.pool).await.unwrap_err();
                assert_eq!(violated(&error), Some(known.constraint), "{}: {error}", db.name);
                match StoreError::from(error) {
                    StoreError::Conflict(message) => assert_eq!(message, known.message, "{}", db.name),
                    other => panic!("{}: {:?} gave {other:?}", db.name, known.constraint),
                }
            }
            store.close().await;
        }
    }

    /// A violation the table does not know, and a foreign key's, say so in Chinese without the
    /// database's text; a caller naming the duplicate replaces only its own constraint's message.
    #[tokio::test]
    async fn other_refusals_are_generic_and_callers_name_their_own() {
        for db in testing::databases().await {
            let store = db.open().await;
            sqlx::query("CREATE TABLE unmapped_things (thing TEXT UNIQUE)").execute(&store.pool).await.unwrap();
            let insert = "INSERT INTO unmapped_things (thing) VALUES ('x')";
            sqlx::query(insert).execute(&store.pool).await.unwrap();
            let error = sqlx::query(insert).execute(&store.pool).await.unwrap_err();
            assert_eq!(violated(&error), None, "{}", db.name);
            let refused = StoreError::from(error);
            assert!(matches!(&refused, StoreError::Conflict(m) if m == UNKNOWN_DUPLICATE), "{}: {refused:?}", db.name);
            assert!(!refused.to_string().contains("unmapped_things"), "{}: {refused}", db.name);

            let orphan = "INSERT INTO people (name, id_number_enc, id_number_hash, sex, birth_date, employer_id, created_at, updated_at) VALUES ('王五', 'x', 'h-orphan', 'male', '1980-01-01', 12345, 0, 0)";
            let refused = StoreError::from(sqlx::query(orphan).execute(&store.pool).await.unwrap_err());
            assert!(matches!(&refused, StoreError::Invalid(m) if m == MISSING_REFERENCE), "{}: {refused:?}", db.name);

            let bad_sex = "INSERT INTO people (name, id_number_enc, id_number_hash, sex, birth_date, created_at, updated_at) VALUES ('王五', 'x', 'h-check', 'other', '1980-01-01', 0, 0)";
            let refused = StoreError::from(sqlx::query(bad_sex).execute(&store.pool).await.unwrap_err());
            assert!(matches!(&refused, StoreError::Invalid(m) if m == OUT_OF_RANGE), "{}: {refused:?}", db.name);

            let setting = "INSERT INTO settings (key, value) VALUES ('k', 'v')";
            sqlx::query(setting).execute(&store.pool).await.unwrap();
            let named = |e| naming(e, Constraint::SettingKey, || "设置项 k 已存在".into());
            let refused = named(sqlx::query(setting).execute(&store.pool).await.unwrap_err());
            assert!(matches!(&refused, StoreError::Conflict(m) if m == "设置项 k 已存在"), "{}: {refused:?}", db.name);
            let refused = named(sqlx::query(insert).execute(&store.pool).await.unwrap_err());
            assert!(matches!(&refused, StoreError::Conflict(m) if m == UNKNOWN_DUPLICATE), "{}: {refused:?}", db.name);
            store.close().await;
        }
    }
}
