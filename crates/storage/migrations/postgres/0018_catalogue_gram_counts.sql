-- Exact totals of a one-word search on PostgreSQL (issue 19): per batch, how many numbered
-- projects hold each gram of the word index (catalogue_grams). A word of one to three characters
-- without ASCII letters is one gram, held exactly by the texts that contain it, so its total (with
-- a year, a batch or a level) is a sum over batches here instead of visiting every matching row:
-- PostgreSQL's bitmap scan of the GIN index reads each row's page even for count(*).
-- src/catalogue/counts.rs writes a batch's rows again whenever it numbers or imports projects of
-- it; this fills them for the projects already published.
CREATE TABLE catalogue_gram_counts (
    gram TEXT NOT NULL,
    year BIGINT NOT NULL,
    level TEXT NOT NULL,
    batch_id BIGINT NOT NULL REFERENCES publication_batches (id),
    projects BIGINT NOT NULL,
    PRIMARY KEY (gram, year, level, batch_id)
);
CREATE INDEX catalogue_gram_counts_batch ON catalogue_gram_counts (batch_id);

INSERT INTO catalogue_gram_counts (gram, year, level, batch_id, projects)
SELECT g, year, level, batch_id, COUNT(*)
FROM projects p CROSS JOIN LATERAL (SELECT DISTINCT unnest(catalogue_grams(p.search_text)) AS g) grams
WHERE number IS NOT NULL
GROUP BY g, year, level, batch_id;
