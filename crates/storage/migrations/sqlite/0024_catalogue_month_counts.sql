-- Exact totals of a search by dates alone (issue 19, eleventh session; BENCHMARKS.md): per batch,
-- the numbered projects by the month of their first day (facet 'm', value '2018-03'), written again
-- with the batch's other counts (src/catalogue/counts.rs, `dates_only`); this fills them for the
-- projects already published. "From 2018-03-01" over 200,000 projects is then a sum of months and
-- a few days' entries, where it counted 36,652 entries of the date index.
INSERT INTO catalogue_counts (batch_id, year, level, facet, value, projects)
SELECT batch_id, year, level, 'm', substr(first_day, 1, 7), COUNT(*)
FROM projects WHERE number IS NOT NULL GROUP BY batch_id, year, level, substr(first_day, 1, 7);
