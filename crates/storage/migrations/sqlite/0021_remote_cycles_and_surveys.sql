-- Remote projects' upload cycles and the learners' phone survey (rules.md §4, §7.4, issue 16).

-- The upload cycle a remote project's unit chose, in months (rules.md §4: 1, 2, 3, 6 or 12):
-- `periods/{n}` of a remote project is upload cycle n, dated from the project's published start
-- (the domain's `events::cycle`), and its rosters and reports are kept under n as a face-to-face
-- period's are. One row per project, changed only until a report of the project was submitted.
CREATE TABLE remote_cycles (
    project_id INTEGER NOT NULL REFERENCES projects (id),
    months INTEGER NOT NULL CHECK (months IN (1, 2, 3, 6, 12)),
    account_id INTEGER REFERENCES accounts (id),
    set_by_name TEXT NOT NULL,
    set_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX remote_cycles_project ON remote_cycles (project_id);

-- One learner's answers to the survey of a period (or upload cycle): each question's chosen option,
-- from 0 in the order of Attachment 2's form; question 7 two different options. A learner on the
-- period's roster answers once; the counts of all answers fill the report's survey grid.
CREATE TABLE survey_answers (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    project_id INTEGER NOT NULL REFERENCES projects (id),
    period INTEGER NOT NULL,
    person_id INTEGER NOT NULL REFERENCES people (id),
    q1 INTEGER NOT NULL CHECK (q1 BETWEEN 0 AND 2),
    q2 INTEGER NOT NULL CHECK (q2 BETWEEN 0 AND 2),
    q3 INTEGER NOT NULL CHECK (q3 BETWEEN 0 AND 2),
    q4 INTEGER NOT NULL CHECK (q4 BETWEEN 0 AND 2),
    q5 INTEGER NOT NULL CHECK (q5 BETWEEN 0 AND 2),
    q6 INTEGER NOT NULL CHECK (q6 BETWEEN 0 AND 2),
    q7_first INTEGER NOT NULL CHECK (q7_first BETWEEN 0 AND 4),
    q7_second INTEGER NOT NULL CHECK (q7_second BETWEEN 0 AND 4 AND q7_second <> q7_first),
    account_id INTEGER REFERENCES accounts (id),
    answered_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX survey_answers_once ON survey_answers (project_id, period, person_id);
