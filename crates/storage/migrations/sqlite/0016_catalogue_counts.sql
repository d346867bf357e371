-- Exact catalogue totals (issue 19): the count of every filter-only search (a year, a batch, a
-- level, and at most one of subject, province, kind and delivery) read from counts per batch
-- instead of counting projects (src/catalogue/counts.rs writes a batch's rows again whenever it
-- numbers or imports projects of it; this fills them for the projects already published).
--
-- facet: '' every numbered project of the batch; 'c' by secondary subject; 's' by secondary and
-- tertiary subject ('03:03-05'); 'p' by province; 'k' by kind; 'd' by delivery.
CREATE TABLE catalogue_counts (
    batch_id INTEGER NOT NULL REFERENCES publication_batches (id),
    year INTEGER NOT NULL,
    level TEXT NOT NULL,
    facet TEXT NOT NULL,
    value TEXT NOT NULL,
    projects INTEGER NOT NULL,
    PRIMARY KEY (facet, value, year, level, batch_id)
);
CREATE INDEX catalogue_counts_batch ON catalogue_counts (batch_id);

INSERT INTO catalogue_counts (batch_id, year, level, facet, value, projects)
SELECT batch_id, year, level, '', '', COUNT(*) FROM projects WHERE number IS NOT NULL GROUP BY batch_id, year, level
UNION ALL
SELECT batch_id, year, level, 'c', subject_secondary, COUNT(*) FROM projects WHERE number IS NOT NULL GROUP BY batch_id, year, level, subject_secondary
UNION ALL
SELECT batch_id, year, level, 's', subject_secondary || ':' || subject_tertiary, COUNT(*) FROM projects WHERE number IS NOT NULL GROUP BY batch_id, year, level, subject_secondary || ':' || subject_tertiary
UNION ALL
SELECT batch_id, year, level, 'p', province_code, COUNT(*) FROM projects WHERE number IS NOT NULL AND province_code IS NOT NULL GROUP BY batch_id, year, level, province_code
UNION ALL
SELECT batch_id, year, level, 'k', kind, COUNT(*) FROM projects WHERE number IS NOT NULL GROUP BY batch_id, year, level, kind
UNION ALL
SELECT batch_id, year, level, 'd', delivery, COUNT(*) FROM projects WHERE number IS NOT NULL GROUP BY batch_id, year, level, delivery;
