-- Foundation: reference data, organisations and people.
-- Integers are INTEGER (read as i64 on both backends), dates TEXT 'YYYY-MM-DD',
-- instants INTEGER Unix milliseconds UTC, flags INTEGER 0/1 (portable through sqlx's Any driver).

CREATE TABLE provinces (
    code TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    short_name TEXT NOT NULL,
    abbreviation TEXT NOT NULL UNIQUE,
    committee_name TEXT NOT NULL,
    postcode TEXT NOT NULL,
    address TEXT NOT NULL,
    phone TEXT NOT NULL,
    fax TEXT NOT NULL,
    updated_at INTEGER NOT NULL
);

CREATE TABLE subjects_secondary (
    code TEXT PRIMARY KEY,
    name TEXT NOT NULL
);

CREATE TABLE subjects_tertiary (
    code TEXT PRIMARY KEY,
    secondary_code TEXT NOT NULL REFERENCES subjects_secondary (code),
    name TEXT NOT NULL
);

CREATE TABLE organisations (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL CHECK (kind IN ('national', 'provincial', 'district', 'unit')),
    name TEXT NOT NULL,
    parent_id INTEGER REFERENCES organisations (id),
    province_code TEXT REFERENCES provinces (code),
    unit_type TEXT CHECK (unit_type IS NULL OR unit_type IN ('hospital', 'teaching', 'research', 'society', 'remote_provider', 'other')),
    grassroots INTEGER NOT NULL DEFAULT 0,
    cme_qualified INTEGER NOT NULL DEFAULT 0,
    remote_qualified INTEGER NOT NULL DEFAULT 0,
    inspection TEXT NOT NULL DEFAULT 'passed' CHECK (inspection IN ('passed', 'suspended', 'revoked', 'failed', 'deregistered')),
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX organisations_parent ON organisations (parent_id);
CREATE INDEX organisations_province ON organisations (province_code, kind);
CREATE UNIQUE INDEX organisations_name ON organisations (name);

-- ID numbers and phones are personal data: stored encrypted (AES-256-GCM, base64 of nonce and
-- ciphertext) and found through a keyed hash (HMAC-SHA-256), never in clear text.
CREATE TABLE people (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    id_number_enc TEXT NOT NULL,
    id_number_hash TEXT NOT NULL UNIQUE,
    sex TEXT NOT NULL CHECK (sex IN ('male', 'female')),
    birth_date TEXT NOT NULL,
    title TEXT,
    employer_id INTEGER REFERENCES organisations (id),
    in_post INTEGER NOT NULL DEFAULT 1,
    phone_enc TEXT,
    phone_hash TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX people_employer ON people (employer_id);
CREATE INDEX people_name ON people (name);

CREATE TABLE settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
