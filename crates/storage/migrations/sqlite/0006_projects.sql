-- Published projects (公布的项目): batches, projects with their periods, the number sequences that
-- make a number unique forever, and suspensions of a unit's projects with their public reason.

CREATE TABLE publication_batches (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    level TEXT NOT NULL CHECK (level IN ('national', 'provincial')),
    -- The publishing province of a provincial batch; NULL for national batches.
    province_code TEXT REFERENCES provinces (code),
    -- '' for national batches, else the province code: one uniqueness rule for both.
    scope TEXT NOT NULL,
    year INTEGER NOT NULL,
    batch INTEGER NOT NULL,
    -- 文号, e.g. 全继委办发〔2024〕3号, and its date.
    notice TEXT NOT NULL DEFAULT '',
    notice_date TEXT,
    published_at INTEGER,
    created_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX publication_batches_number ON publication_batches (level, scope, year, batch);

CREATE TABLE projects (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    batch_id INTEGER NOT NULL REFERENCES publication_batches (id),
    -- The approved application it was published from; NULL for imported lists.
    application_id INTEGER UNIQUE REFERENCES applications (id),
    -- NULL until the batch is published; never changed afterwards.
    number TEXT UNIQUE,
    year INTEGER NOT NULL,
    level TEXT NOT NULL CHECK (level IN ('national', 'provincial')),
    -- The unit's province (NULL when an imported unit is not on record).
    province_code TEXT REFERENCES provinces (code),
    unit_id INTEGER REFERENCES organisations (id),
    unit_name TEXT NOT NULL,
    leader_name TEXT NOT NULL,
    -- Personal data: encrypted, never shown in the catalogue.
    leader_phone_enc TEXT,
    name TEXT NOT NULL,
    subject_secondary TEXT NOT NULL,
    subject_tertiary TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('recommended', 'promoted', 'base')),
    delivery TEXT NOT NULL CHECK (delivery IN ('face_to_face', 'remote')),
    -- Tenths of a credit / an hour.
    credits INTEGER NOT NULL,
    hours INTEGER,
    audience TEXT NOT NULL DEFAULT '',
    planned_enrollment INTEGER NOT NULL,
    enrollment_note TEXT NOT NULL DEFAULT '',
    remarks TEXT NOT NULL DEFAULT '',
    -- First day of the first period and last day of the last: the date-range filter.
    first_day TEXT NOT NULL,
    last_day TEXT NOT NULL,
    -- Name, unit, leader and number in one text: the catalogue's word search is one LIKE.
    search_text TEXT NOT NULL,
    suspension_id INTEGER,
    created_at INTEGER NOT NULL
);
CREATE INDEX projects_batch ON projects (batch_id, subject_tertiary, id);
CREATE INDEX projects_year ON projects (year, number);
-- The catalogue's default order (newest year, subject, number): a page without a sort step.
CREATE INDEX projects_catalogue_order ON projects (year DESC, subject_tertiary, number, id);
CREATE INDEX projects_subject ON projects (subject_secondary, subject_tertiary);
CREATE INDEX projects_province ON projects (province_code, year);
CREATE INDEX projects_unit ON projects (unit_name);
CREATE INDEX projects_first_day ON projects (first_day);

-- One holding (期) of a project: dates and place.
CREATE TABLE project_periods (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    project_id INTEGER NOT NULL REFERENCES projects (id),
    position INTEGER NOT NULL,
    start_date TEXT NOT NULL,
    end_date TEXT NOT NULL,
    place TEXT NOT NULL
);
CREATE UNIQUE INDEX project_periods_project ON project_periods (project_id, position);

-- The last serial given per year, scope ('' national, else province code) and sequence key
-- (the third-level subject for the default patterns). Only ever increases.
CREATE TABLE project_number_sequences (
    year INTEGER NOT NULL,
    scope TEXT NOT NULL,
    sequence_key TEXT NOT NULL,
    last_serial INTEGER NOT NULL,
    PRIMARY KEY (year, scope, sequence_key)
);

-- A suspension of one unit's projects, with the reason shown publicly on each project.
CREATE TABLE project_suspensions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    unit_name TEXT NOT NULL,
    reason TEXT NOT NULL,
    projects INTEGER NOT NULL,
    account_id INTEGER REFERENCES accounts (id),
    actor TEXT NOT NULL,
    at INTEGER NOT NULL
);
