-- Credit records (学分登记): the facts of each activity, its status and who recorded and granted it.
-- Credits shown are computed from the facts by the credit engine; `credits_tenths` holds only credits
-- given rather than computed (self-study, other, legacy I类/II类). A granted record is never updated:
-- a correction is a new row whose `reverses_id` names the record it cancels.

CREATE TABLE credit_records (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    person_id INTEGER NOT NULL REFERENCES people (id),
    org_id INTEGER REFERENCES organisations (id),
    province_code TEXT REFERENCES provinces (code),
    year INTEGER NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('project', 'further_training', 'degree_education', 'government_assignment', 'practice', 'self_study', 'other', 'legacy')),
    source TEXT NOT NULL CHECK (source IN ('project', 'employer', 'self_study', 'import')),
    source_ref TEXT,
    title TEXT NOT NULL,
    project_number TEXT,
    level TEXT CHECK (level IS NULL OR level IN ('national', 'provincial', 'district')),
    delivery TEXT CHECK (delivery IS NULL OR delivery IN ('face_to_face', 'remote')),
    role TEXT CHECK (role IS NULL OR role IN ('participant', 'speaker')),
    start_date TEXT,
    end_date TEXT NOT NULL,
    passed INTEGER,
    hours_tenths INTEGER,
    credits_tenths INTEGER,
    legacy_class TEXT CHECK (legacy_class IS NULL OR legacy_class IN ('I', 'II')),
    status TEXT NOT NULL CHECK (status IN ('provisional', 'granted', 'rejected')),
    reject_reason TEXT,
    reverses_id INTEGER REFERENCES credit_records (id),
    recorded_by INTEGER,
    recorded_by_name TEXT NOT NULL,
    decided_by INTEGER,
    decided_by_name TEXT,
    decided_at INTEGER,
    created_at INTEGER NOT NULL
);
CREATE INDEX credit_records_person_year ON credit_records (person_id, year);
CREATE INDEX credit_records_review ON credit_records (province_code, status, year);
CREATE INDEX credit_records_org ON credit_records (org_id, status, year);
CREATE UNIQUE INDEX credit_records_reverses ON credit_records (reverses_id);
