-- Rate-limit counters shared by every server of a database (issue 19): one row per caller and
-- class of endpoint, holding the start of the caller's current one-minute window and the requests
-- counted in it. `caller` is a keyed hash of the address or account (never an address in clear).
--
-- UNLOGGED: the counters are soft state (a crash may forget the last minute's counts, which only
-- lets a caller start its window again), so their many small updates skip the write-ahead log.
-- Rows of windows that ended are deleted by the servers as they go.
CREATE UNLOGGED TABLE rate_limits (
    caller TEXT NOT NULL,
    class TEXT NOT NULL,
    window_start BIGINT NOT NULL,
    requests BIGINT NOT NULL,
    PRIMARY KEY (caller, class)
);

CREATE INDEX rate_limits_window ON rate_limits (window_start);
