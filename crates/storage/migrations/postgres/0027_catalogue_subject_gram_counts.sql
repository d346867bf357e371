-- Exact totals of one word within one tertiary subject on PostgreSQL (issue 19, fourteenth
-- session; BENCHMARKS.md). 王建国 in 03-05 was counted by checking `LIKE` on every entry of the
-- subject in projects_tertiary_text (16,670 at 200,000 projects, 5-8 ms): 40 % of PostgreSQL's
-- statement time in the catalogue benchmark, for one search in fifteen.
--
-- Per batch and subject (`SS:SS-TT`, as catalogue_counts' facet `s`), how many numbered projects
-- hold a gram, kept only where that is at least 100: a common word in a subject is then a sum of a
-- few rows, and the batches without a row (the word rarer there) are counted from their own
-- entries of projects_tertiary_text, which now holds the batch for that (src/catalogue/counts.rs,
-- `word_in_subject`). At most 150 / 100 rows per project (a project holds about 150 grams), where
-- every pair of gram and subject would be about a million rows per real batch. A row is exact for
-- its batch whatever the threshold, so the total is exact either way.
-- src/catalogue/counts.rs writes a batch's rows again with catalogue_gram_counts; this fills them
-- for the projects already published.
CREATE TABLE catalogue_subject_gram_counts (
    gram TEXT NOT NULL,
    subject TEXT NOT NULL,
    batch_id BIGINT NOT NULL REFERENCES publication_batches (id),
    year BIGINT NOT NULL,
    level TEXT NOT NULL,
    projects BIGINT NOT NULL,
    PRIMARY KEY (gram, subject, batch_id)
);
CREATE INDEX catalogue_subject_gram_counts_batch ON catalogue_subject_gram_counts (batch_id);

DROP INDEX projects_tertiary_text;
CREATE INDEX projects_tertiary_text ON projects (subject_tertiary, year DESC, number, id)
    INCLUDE (subject_secondary, search_text, batch_id) WHERE number IS NOT NULL;

INSERT INTO catalogue_subject_gram_counts (gram, subject, batch_id, year, level, projects)
SELECT g, subject_secondary || ':' || subject_tertiary, batch_id, year, level, COUNT(*)
FROM projects p CROSS JOIN LATERAL (SELECT DISTINCT unnest(catalogue_grams(p.search_text)) AS g) grams
WHERE number IS NOT NULL
GROUP BY g, subject_secondary, subject_tertiary, batch_id, year, level
HAVING COUNT(*) >= 100;
ANALYZE catalogue_subject_gram_counts;
