-- The catalogue on PostgreSQL at 200,000 projects (issue 19, twelfth session; BENCHMARKS.md).
--
-- The word index holds a project's year and secondary subject beside its grams, as SQLite's FTS
-- table has held its filter values since 0007. A word with a year (心力衰竭 in 2012) was counted
-- by intersecting the word's bitmap (16,670 entries) with one built from projects_year (20,000)
-- before reading the 1,667 rows left: 5.2 ms, of which 3.8 building and intersecting the bitmaps.
-- With the year a term of the index, GIN intersects the three lists itself from the rarest one:
-- 1.1 ms, 2.3-2.5 ms in all. The search then leaves out `year = …` (and `subject_secondary = …`),
-- which the index decides exactly: beside it the planner intersected projects_year again.
-- The terms cannot be mistaken for grams: a gram is one to three characters, a term longer.
CREATE FUNCTION catalogue_terms(t TEXT, year BIGINT, secondary TEXT) RETURNS TEXT[]
    LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE COST 10000 AS $$
BEGIN
    RETURN catalogue_grams(t) || ARRAY['y:' || year, 'c:' || secondary];
END
$$;

DROP INDEX projects_grams;
CREATE INDEX projects_terms ON projects USING GIN (catalogue_terms(search_text, year, subject_secondary));
ANALYZE projects;
