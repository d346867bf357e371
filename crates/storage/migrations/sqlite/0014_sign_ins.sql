-- QR sign-in (rules.md §7.6): who signed in to which session of a period, and when they signed out.
-- A session is named by its date and start (`09:00`) as the period's filed schedule gives them; a
-- person signs in once per session (a second scan finds the row) and signs out once. `hours` is set
-- at sign-out, in tenths of an hour: the time between the two, counted down to a tenth and capped
-- by the session's scheduled hours. The codes themselves are never stored (an HMAC of the period,
-- the session and the time step, checked by whichever server receives them).
CREATE TABLE sign_ins (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    project_id INTEGER NOT NULL REFERENCES projects (id),
    period INTEGER NOT NULL,
    session_date TEXT NOT NULL,
    session_from TEXT NOT NULL,
    person_id INTEGER NOT NULL REFERENCES people (id),
    -- The account that signed in (a person has at most one).
    account_id INTEGER REFERENCES accounts (id),
    signed_in_at INTEGER NOT NULL,
    signed_out_at INTEGER,
    hours INTEGER CHECK (hours IS NULL OR hours >= 0),
    CHECK ((signed_out_at IS NULL) = (hours IS NULL))
);
CREATE UNIQUE INDEX sign_ins_once ON sign_ins (project_id, period, session_date, session_from, person_id);
CREATE INDEX sign_ins_person ON sign_ins (person_id);
