-- Issue 18 point 14: the 申报书's phones (the applicant unit's contact and the project leader) are
-- personal data, kept out of the document's JSON and encrypted like the leader's ID number. NULL:
-- the document has no such key (written before the blanks existed, or sent without them).
ALTER TABLE applications ADD COLUMN leader_phone_enc TEXT;
ALTER TABLE applications ADD COLUMN contact_phone_enc TEXT;

-- Issue 18 point 16: the codes a professional receives by SMS to reset a forgotten password. Only
-- a keyed hash of the code is kept (a plain hash of six digits is reversed in a moment).
-- A code is good for its expiry and 5 tries; a newer code, or the reset it allowed, ends it
-- (`ended_at`). Rows stay an hour after they are made: the limits count them (3 an hour per
-- account, 10 per address; `address_hash` is a keyed hash of the requester's address).
CREATE TABLE password_reset_codes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id INTEGER NOT NULL REFERENCES accounts (id),
    code_hash TEXT NOT NULL,
    address_hash TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    tries INTEGER NOT NULL DEFAULT 0,
    ended_at INTEGER
);
CREATE INDEX password_reset_codes_account ON password_reset_codes (account_id, created_at);
CREATE INDEX password_reset_codes_address ON password_reset_codes (address_hash, created_at);
