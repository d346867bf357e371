-- Electronic credit certificates (rules.md §8, issue 17): the issuing offices' signing keys, the
-- number sequences, and the certificates with their signed facts. (0010 belongs to another change.)

-- One Ed25519 key per issuing office (a province, by its code) at a time: the current key has no
-- `valid_until`; a rotation retires it (the day it was retired) and it stays published, still
-- verifying what it signed. The secret is encrypted with the data key (the vault), never in clear.
CREATE TABLE certificate_keys (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kid TEXT NOT NULL UNIQUE,
    office TEXT NOT NULL REFERENCES provinces (code),
    public_key TEXT NOT NULL,
    secret_enc TEXT NOT NULL,
    valid_from TEXT NOT NULL,
    valid_until TEXT,
    created_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX certificate_keys_current ON certificate_keys (office) WHERE valid_until IS NULL;

-- The last sequence given per year of issue and issuing office. Only ever increases, so a number
-- is never given twice, even for a certificate later revoked.
CREATE TABLE certificate_sequences (
    year INTEGER NOT NULL,
    office TEXT NOT NULL,
    last_serial INTEGER NOT NULL,
    PRIMARY KEY (year, office)
);

-- A certificate: the facts exactly as signed (canonical JSON) and the signature, with the columns
-- lists and scopes read. Never deleted: revoked with its date and reason. A reissue is a new
-- certificate whose `replaces_id` names the one it replaces.
CREATE TABLE certificates (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    number TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL CHECK (kind IN ('credit', 'teaching')),
    credit_record_id INTEGER NOT NULL REFERENCES credit_records (id),
    person_id INTEGER NOT NULL REFERENCES people (id),
    office TEXT NOT NULL REFERENCES provinces (code),
    -- The project's unit (whose administrators download the project's certificates), if on record.
    unit_id INTEGER REFERENCES organisations (id),
    -- The year the credits count toward (a learner downloads a year's certificates).
    record_year INTEGER NOT NULL,
    project_number TEXT NOT NULL,
    facts TEXT NOT NULL,
    signature TEXT NOT NULL,
    kid TEXT NOT NULL,
    issued_on TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('valid', 'revoked')),
    revoked_on TEXT,
    revoked_reason TEXT,
    replaces_id INTEGER REFERENCES certificates (id),
    created_at INTEGER NOT NULL
);
-- At most one valid certificate per credit record.
CREATE UNIQUE INDEX certificates_valid_record ON certificates (credit_record_id) WHERE status = 'valid';
CREATE INDEX certificates_person ON certificates (person_id, record_year);
CREATE INDEX certificates_project ON certificates (project_number);
CREATE INDEX certificates_record ON certificates (credit_record_id);
