-- Accounts, roles with their scopes, sessions, login throttling, captchas, API tokens and the
-- hash-chained audit log. Everything a server needs between requests lives here, so any number
-- of servers can share the database.

CREATE TABLE accounts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    username TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    person_id INTEGER UNIQUE REFERENCES people (id),
    disabled INTEGER NOT NULL DEFAULT 0,
    -- A self-registered professional waits for the employer's unit administrator.
    confirmed INTEGER NOT NULL DEFAULT 1,
    must_change_password INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);

CREATE TABLE account_roles (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id INTEGER NOT NULL REFERENCES accounts (id),
    role TEXT NOT NULL CHECK (role IN ('national_admin', 'province_admin', 'district_admin', 'inspector', 'unit_admin', 'leader', 'professional')),
    -- The organisation the role acts for (province, district or unit office); NULL for national,
    -- leader and professional roles, whose scope is everything or the person.
    org_id INTEGER REFERENCES organisations (id),
    province_code TEXT REFERENCES provinces (code),
    created_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX account_roles_unique ON account_roles (account_id, role, org_id);
CREATE INDEX account_roles_org ON account_roles (org_id);
CREATE INDEX account_roles_province ON account_roles (province_code);

-- The cookie carries a random token; only its SHA-256 is stored.
CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts (id),
    csrf_token TEXT NOT NULL,
    ip TEXT,
    created_at INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX sessions_account ON sessions (account_id);

-- Failed logins per address (`ip:…`) and per account (`account:…`).
CREATE TABLE login_throttle (
    key TEXT PRIMARY KEY,
    failures INTEGER NOT NULL,
    last_failure_at INTEGER NOT NULL,
    locked_until INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE captchas (
    id TEXT PRIMARY KEY,
    answer_hash TEXT NOT NULL,
    expires_at INTEGER NOT NULL
);

CREATE TABLE api_tokens (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id INTEGER NOT NULL REFERENCES accounts (id),
    name TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    prefix TEXT NOT NULL,
    created_by INTEGER NOT NULL REFERENCES accounts (id),
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    revoked_at INTEGER,
    last_used_at INTEGER
);
CREATE INDEX api_tokens_account ON api_tokens (account_id);

-- Append-only log; each entry's hash covers its fields and the previous entry's hash. The head
-- row holds the last hash and the count, so removing the newest entries is detected too, and
-- updating it first serialises appends on both backends.
CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY,
    at INTEGER NOT NULL,
    actor_account_id INTEGER,
    actor TEXT NOT NULL,
    ip TEXT,
    action TEXT NOT NULL,
    object_type TEXT NOT NULL,
    object_id TEXT NOT NULL,
    province_code TEXT,
    org_id INTEGER,
    before_json TEXT,
    after_json TEXT,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX audit_log_province ON audit_log (province_code, id);
CREATE INDEX audit_log_org ON audit_log (org_id, id);

CREATE TABLE audit_head (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    last_id INTEGER NOT NULL,
    last_hash TEXT NOT NULL
);
INSERT INTO audit_head (id, last_id, last_hash) VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');
