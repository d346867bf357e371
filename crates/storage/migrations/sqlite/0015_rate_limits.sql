-- Rate-limit counters shared by every server of a database (issue 19): one row per caller and
-- class of endpoint, holding the start of the caller's current one-minute window and the requests
-- counted in it. `caller` is a keyed hash of the address or account (never an address in clear).
-- Soft state: rows of windows that ended are deleted by the servers as they go.
CREATE TABLE rate_limits (
    caller TEXT NOT NULL,
    class TEXT NOT NULL,
    window_start INTEGER NOT NULL,
    requests INTEGER NOT NULL,
    PRIMARY KEY (caller, class)
);

CREATE INDEX rate_limits_window ON rate_limits (window_start);
