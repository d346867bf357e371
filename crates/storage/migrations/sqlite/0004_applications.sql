-- Applications (申报书) and their review chain, and the windows in which each level accepts them.
-- The whole document is JSON text; the columns beside it are what lists filter and sort on. The
-- leader's ID number is personal data: it is blanked in the JSON and kept encrypted on its own.

CREATE TABLE application_windows (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    -- The project year the window accepts applications for.
    year INTEGER NOT NULL,
    level TEXT NOT NULL CHECK (level IN ('national', 'provincial', 'district')),
    -- The office that set it: the national office, a provincial or a district office.
    org_id INTEGER NOT NULL REFERENCES organisations (id),
    province_code TEXT REFERENCES provinces (code),
    opens TEXT NOT NULL,
    closes TEXT NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX application_windows_office ON application_windows (year, level, org_id);

CREATE TABLE applications (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    year INTEGER NOT NULL,
    level TEXT NOT NULL CHECK (level IN ('national', 'provincial', 'district')),
    province_code TEXT NOT NULL REFERENCES provinces (code),
    district_id INTEGER REFERENCES organisations (id),
    unit_id INTEGER NOT NULL REFERENCES organisations (id),
    leader_person_id INTEGER REFERENCES people (id),
    leader_name TEXT NOT NULL,
    name TEXT NOT NULL,
    subject_secondary TEXT NOT NULL,
    subject_tertiary TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('draft', 'submitted', 'district_reviewed', 'province_recommended', 'returned', 'approved', 'rejected')),
    -- Given at the first submission: 二级学科-三级学科-序号, the sequence per level and year
    -- (per province for provincial and district levels: sequence_scope).
    code TEXT,
    sequence INTEGER,
    sequence_scope TEXT NOT NULL DEFAULT '',
    submitted_on TEXT,
    -- The formal review's counts at the last save, for the reviewers' filter.
    errors INTEGER NOT NULL DEFAULT 0,
    warnings INTEGER NOT NULL DEFAULT 0,
    document TEXT NOT NULL,
    leader_id_number_enc TEXT NOT NULL,
    copied_from INTEGER REFERENCES applications (id),
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX applications_sequence ON applications (year, level, sequence_scope, sequence);
CREATE INDEX applications_year_level ON applications (year, level, status);
CREATE INDEX applications_province ON applications (province_code, year);
CREATE INDEX applications_unit ON applications (unit_id, year, level);
CREATE INDEX applications_leader ON applications (leader_person_id, year, level);
CREATE INDEX applications_district ON applications (district_id);

-- Every step of the review chain: who, when, why.
CREATE TABLE application_steps (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    application_id INTEGER NOT NULL REFERENCES applications (id),
    step TEXT NOT NULL,
    from_status TEXT NOT NULL,
    to_status TEXT NOT NULL,
    account_id INTEGER REFERENCES accounts (id),
    actor TEXT NOT NULL,
    comment TEXT NOT NULL DEFAULT '',
    at INTEGER NOT NULL
);
CREATE INDEX application_steps_application ON application_steps (application_id, id);
