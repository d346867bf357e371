-- Holding a project (rules.md §7.1, §7.2): the filings of each period of a published project, as
-- versions that are never changed in place; the files events carry (notices, inspection photos),
-- kept in the database so that app servers keep nothing on disk; and the inspections on the day,
-- the inspectors' and the units' own records.

-- A file of an event: a filing's notice (PDF or image) or an inspection's photo (JPEG or PNG, its
-- metadata stripped before it is stored). `period` numbers the project's periods from 1 in the order
-- of their published dates.
CREATE TABLE event_files (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    project_id INTEGER NOT NULL REFERENCES projects (id),
    period INTEGER NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('notice', 'photo')),
    content_type TEXT NOT NULL CHECK (content_type IN ('application/pdf', 'image/jpeg', 'image/png')),
    size INTEGER NOT NULL,
    content BLOB NOT NULL,
    -- The inspection a photo belongs to, and its place among the inspection's photos.
    inspection_id INTEGER,
    position INTEGER NOT NULL DEFAULT 0,
    account_id INTEGER REFERENCES accounts (id),
    created_at INTEGER NOT NULL
);
CREATE INDEX event_files_inspection ON event_files (inspection_id, position);

-- One version of the filing of a period. The current filing is the highest version; `late` is
-- judged on the first version and repeated on every later one (the score reads the first date).
CREATE TABLE period_filings (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    project_id INTEGER NOT NULL REFERENCES projects (id),
    period INTEGER NOT NULL,
    version INTEGER NOT NULL,
    start_date TEXT NOT NULL,
    end_date TEXT NOT NULL,
    venue_province TEXT NOT NULL REFERENCES provinces (code),
    -- The venue in one line (province, city, address), for lists and the public project page.
    place TEXT NOT NULL,
    form TEXT NOT NULL CHECK (form IN ('offline', 'online', 'blended')),
    -- The filing as sent (formats.md "Filing"), without the contact's phone, which is personal data:
    -- encrypted in its own column.
    document TEXT NOT NULL,
    contact_phone_enc TEXT NOT NULL,
    -- What this version changed against the one before: codes separated by commas ('' for the first).
    changes TEXT NOT NULL DEFAULT '',
    late INTEGER NOT NULL,
    notice_file_id INTEGER REFERENCES event_files (id),
    account_id INTEGER REFERENCES accounts (id),
    author TEXT NOT NULL,
    filed_at INTEGER NOT NULL,
    -- The Beijing date of filed_at: lead time and lateness are counted in days.
    filed_on TEXT NOT NULL
);
CREATE UNIQUE INDEX period_filings_version ON period_filings (project_id, period, version);
CREATE INDEX period_filings_venue ON period_filings (venue_province, start_date);

-- An inspection (督查) by an inspector of the venue province, or the unit's own on-the-day record.
CREATE TABLE inspections (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    project_id INTEGER NOT NULL REFERENCES projects (id),
    period INTEGER NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('inspector', 'unit')),
    -- The checklist and the notes as sent (formats.md "Inspection"), JSON.
    checklist TEXT NOT NULL,
    notes TEXT NOT NULL,
    result TEXT NOT NULL CHECK (result IN ('pass', 'fail')),
    reason TEXT NOT NULL DEFAULT '',
    -- Recorded after the period's last day (up to 3 days after, rules.md §7.2).
    late INTEGER NOT NULL,
    venue_province TEXT NOT NULL REFERENCES provinces (code),
    on_date TEXT NOT NULL,
    account_id INTEGER REFERENCES accounts (id),
    author TEXT NOT NULL,
    at INTEGER NOT NULL
);
CREATE INDEX inspections_period ON inspections (project_id, period);
