-- A date-range search of the catalogue counts its matches exactly: from a day on, over 200,000
-- projects, tens of thousands of them. PostgreSQL read each match's row to count it (an index scan
-- of projects_first_day, 25 ms for 36,652 matches, BENCHMARKS.md, issue 19, ninth session). This
-- index holds what such a count checks (published, the two days) and brings (the id), so the count
-- is an index-only scan over the pages autovacuum has marked all-visible: the catalogue's rows
-- change only at publication, so nearly all of them.
CREATE INDEX projects_dates_published ON projects (first_day, id) INCLUDE (last_day) WHERE number IS NOT NULL;
