-- The public catalogue at 200,000 projects (issue 6): a word index instead of LIKE over every row,
-- and indexes that return a page in the catalogue's orders without sorting everything that matched.

-- The word index: one document per published (numbered) project, its id as rowid, holding the
-- bigrams and trigrams of its search text and its filter values (year, batch, subjects, province,
-- level, kind, delivery) as ASCII tokens (see src/catalogue_search.rs for the rules). Contentless
-- and without positions: it only narrows, and LIKE and the filters' own conditions on projects
-- still decide, so results are those of the plain scan. Written by the store when a numbered
-- project is inserted and at publication (a number never changes, nor do the text and filter
-- values of a published project). Unnumbered drafts are not in it: a batch's own page reads its
-- batch through projects_batch.
CREATE VIRTUAL TABLE project_search USING fts5 (terms, content = '', detail = 'none', tokenize = 'ascii');

-- Existing published projects, with the same rules as src/catalogue_search.rs: ASCII-lowercased
-- characters (lower() without ICU), each with its successor (0 after the last) as b<hex>x<hex>,
-- and each run of three as t<hex>x<hex>x<hex> (repeats are harmless); then z<field><value> with
-- the value's letters and digits only (the codes hold no others but '-' and '_').
WITH RECURSIVE chars (id, t, i) AS (
    SELECT id, lower(search_text), 1 FROM projects WHERE number IS NOT NULL AND search_text <> ''
    UNION ALL
    SELECT id, t, i + 1 FROM chars WHERE i < length(t)
),
grams (id, terms) AS (
    SELECT id, group_concat(
        printf('b%xx%x', unicode(substr(t, i, 1)), coalesce(unicode(substr(t, i + 1, 1)), 0))
        || CASE WHEN i + 2 <= length(t)
            THEN printf(' t%xx%xx%x', unicode(substr(t, i, 1)), unicode(substr(t, i + 1, 1)), unicode(substr(t, i + 2, 1)))
            ELSE '' END,
        ' ')
    FROM chars GROUP BY id
)
INSERT INTO project_search (rowid, terms)
SELECT p.id,
    coalesce(g.terms || ' ', '')
    || 'zy' || p.year || ' zn' || b.batch
    || ' zc' || p.subject_secondary || ' zs' || replace(p.subject_tertiary, '-', '')
    || ' zl' || p.level || ' zk' || p.kind || ' zd' || replace(p.delivery, '_', '')
    || coalesce(' zp' || p.province_code, '')
FROM projects p
JOIN publication_batches b ON b.id = p.batch_id
LEFT JOIN grams g ON g.id = p.id
WHERE p.number IS NOT NULL;

-- The "newest" order (year, batch, number) as an index, like projects_catalogue_order for the
-- default one and projects_first_day for the date order.
CREATE INDEX projects_newest_order ON projects (year DESC, batch_id DESC, number, id);
-- A subject filter (SS) within the catalogue order: one range of this index per page.
CREATE INDEX projects_subject_order ON projects (subject_secondary, year DESC, subject_tertiary, number, id);

-- Days from a project's first day to its last: the longest of them bounds a date-range search
-- from below (a project held on or after `from` starts no earlier than `from` minus the longest
-- span), so the range is one stretch of projects_first_day instead of every earlier project.
ALTER TABLE projects ADD COLUMN span_days INTEGER NOT NULL DEFAULT 0;
UPDATE projects SET span_days = CAST(julianday(last_day) - julianday(first_day) AS INTEGER);
CREATE INDEX projects_span ON projects (span_days);

-- Filters of few distinct values: a rare value (base projects, remote delivery) is found without
-- reading every project, and a common one is counted up to the catalogue's cap in a moment.
CREATE INDEX projects_kind ON projects (kind);
CREATE INDEX projects_delivery ON projects (delivery);
CREATE INDEX projects_level ON projects (level);
