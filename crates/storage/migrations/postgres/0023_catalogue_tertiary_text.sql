-- The catalogue on PostgreSQL at 200,000 projects (issue 19, eleventh session; BENCHMARKS.md).
--
-- A search within one tertiary subject (03-05) reads the subject's own entries here and checks its
-- words with `LIKE` (src/catalogue/postgres.rs, `words_checked_in_subject`): the count is an
-- index-only scan over the pages VACUUM has marked all-visible (the store vacuums after an import),
-- and the page's ids come in the catalogue's order without a sort. Through the word index instead,
-- a common word in a large subject (王建国 in 03-05: 16,670 matches) built bitmaps of 16,670 and
-- 50,000 entries and then read each match's row, spread over every page of the table: 16 ms,
-- against 3 ms here. A tertiary subject holds a few thousand projects over the years at most, so
-- its entries are always few enough to check. SQLite has the same index (0007) for its pages.
CREATE INDEX projects_tertiary_text ON projects (subject_tertiary, year DESC, number, id)
    INCLUDE (subject_secondary, search_text) WHERE number IS NOT NULL;
