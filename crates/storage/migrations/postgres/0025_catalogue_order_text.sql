-- The catalogue on PostgreSQL at 200,000 projects (issue 19, twelfth session; BENCHMARKS.md).
--
-- A page of a common word in the catalogue's order (肿瘤, in a sixth of the projects) is read along
-- the order's index, checking the word on each entry until the page is full. Through
-- projects_catalogue_order each entry checked was a row fetched from the table: 3,334 of them,
-- spread over as many pages, before the first page of 肿瘤 (2.2-5 ms). Here the search text is in
-- the entry, so the check is an index-only scan (0.75 ms). SQLite has had the same index since
-- 0007 (projects_catalogue_text, with the search text as a key column).
CREATE INDEX projects_catalogue_text ON projects (year DESC, subject_tertiary, number, id)
    INCLUDE (search_text) WHERE number IS NOT NULL;
