-- Self-study plans (自学计划): a professional's plan for a year, approved or rejected by the employer.
-- Self-study credits are applied for against an approved plan (credit_records with source 'self_study',
-- whose source_ref names the plan); at most one plan per person and year is submitted or approved.

CREATE TABLE self_study_plans (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    person_id INTEGER NOT NULL REFERENCES people (id),
    org_id INTEGER REFERENCES organisations (id),
    province_code TEXT REFERENCES provinces (code),
    year INTEGER NOT NULL,
    content TEXT NOT NULL,
    planned_tenths INTEGER NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('submitted', 'approved', 'rejected')),
    reject_reason TEXT,
    decided_by INTEGER,
    decided_by_name TEXT,
    decided_at INTEGER,
    created_at INTEGER NOT NULL
);
CREATE INDEX self_study_plans_person ON self_study_plans (person_id, year);
CREATE INDEX self_study_plans_org ON self_study_plans (org_id, status);
