-- From the event to the learner's record (rules.md §7.3–§7.5, issue 16): the roster of each held
-- period, its execution report through draft, submission, return and approval (with the score
-- stored at approval), and the files a report carries (the exam questions, the schedule).

-- One person of a period's roster. An import replaces the period's roster as a whole (until its
-- report is approved); each person appears once. The person is matched by ID number, or created as
-- a person of record without an account. The phone is personal data: encrypted ('' when none).
CREATE TABLE roster_entries (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    project_id INTEGER NOT NULL REFERENCES projects (id),
    period INTEGER NOT NULL,
    -- The row of the imported spreadsheet, so the roster reads back in the file's order.
    sheet_row INTEGER NOT NULL,
    person_id INTEGER NOT NULL REFERENCES people (id),
    name TEXT NOT NULL,
    unit TEXT NOT NULL,
    province_code TEXT NOT NULL REFERENCES provinces (code),
    title TEXT NOT NULL,
    phone_enc TEXT NOT NULL,
    hours_tenths INTEGER NOT NULL CHECK (hours_tenths >= 0),
    taught_tenths INTEGER CHECK (taught_tenths IS NULL OR taught_tenths >= 0),
    passed INTEGER NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX roster_entries_person ON roster_entries (project_id, period, person_id);

-- The execution report of a period: one row that moves draft → submitted → (returned → submitted)*
-- → approved. `first_submitted_on` is the report's date for the score (a return does not make it
-- later); approval stores the period's score (points) with its items and explanations (JSON).
CREATE TABLE period_reports (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    project_id INTEGER NOT NULL REFERENCES projects (id),
    period INTEGER NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('draft', 'submitted', 'returned', 'approved')),
    document TEXT NOT NULL,
    first_submitted_on TEXT,
    submitted_on TEXT,
    return_reason TEXT,
    decided_by INTEGER,
    decided_by_name TEXT,
    decided_at INTEGER,
    score INTEGER,
    score_items TEXT,
    credits_granted INTEGER,
    certificates INTEGER,
    updated_by_name TEXT NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX period_reports_period ON period_reports (project_id, period);
CREATE INDEX period_reports_status ON period_reports (status, submitted_on);

-- A file of a report: the exam questions or the schedule as held (PDF, Word, Excel or an image).
-- The latest of each kind counts.
CREATE TABLE report_files (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    project_id INTEGER NOT NULL REFERENCES projects (id),
    period INTEGER NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('exam', 'schedule')),
    file_name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size INTEGER NOT NULL,
    content BLOB NOT NULL,
    account_id INTEGER REFERENCES accounts (id),
    created_at INTEGER NOT NULL
);
CREATE INDEX report_files_period ON report_files (project_id, period, kind);
