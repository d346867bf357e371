-- The catalogue on PostgreSQL (issue 19): the word index's grams leave the project rows.
--
-- 0007 stored each row's grams (search_grams, generated from search_text) so that a plan not using
-- the index would not compute them again for every row it read. They made a row 1,716 bytes on
-- average, 1,263 of them grams: 200,000 projects took 340 MB, more than the server's shared
-- buffers by default, so every count and page of a common word read its rows from the operating
-- system's cache. Now the GIN index is built on the expression itself and the rows keep only the
-- text (about 450 bytes). catalogue_grams() is declared costly (65 µs a call, measured in 0007),
-- so the planner reaches the grams through the index rather than computing them row by row.
ALTER TABLE projects DROP COLUMN search_grams;
ALTER FUNCTION catalogue_grams(TEXT) COST 10000;
CREATE INDEX projects_grams ON projects USING GIN (catalogue_grams(search_text)) WHERE number IS NOT NULL;

-- Dropping a column leaves its values in the rows until they are written again: the table is
-- rewritten now, in the catalogue's default order (a page of the default order then reads few
-- pages). This takes a lock on projects for the migration, as every migration at start does.
CLUSTER projects USING projects_catalogue_order;

-- Filters that go together: a batch has one year and one level, a tertiary subject one secondary.
-- Without these the planner multiplies their selectivities as if independent.
CREATE STATISTICS projects_batch_facets (dependencies, ndistinct) ON batch_id, year, level FROM projects;
CREATE STATISTICS projects_subjects (dependencies, ndistinct) ON subject_secondary, subject_tertiary FROM projects;
ANALYZE projects;
