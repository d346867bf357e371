-- The public catalogue at 200,000 projects (issue 6): a word index instead of LIKE over every row,
-- and indexes that return a page in the catalogue's orders without sorting everything that matched.

-- The grams of a search text: every one-, two- and three-character piece of it with ASCII letters
-- lowercased (translate, not lower(), which would also fold other scripts and depend on the
-- locale). src/catalogue_search.rs cuts a search word the same way. Immutable, so it can be
-- indexed; the index is built from existing rows by CREATE INDEX itself.
CREATE FUNCTION catalogue_grams(t TEXT) RETURNS TEXT[]
LANGUAGE SQL IMMUTABLE STRICT PARALLEL SAFE
AS $$
    SELECT coalesce(array_agg(DISTINCT substr(l, i, n)), '{}')
    FROM (SELECT translate(t, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz') AS l) folded,
         generate_series(1, length(l)) AS i,
         generate_series(1, 3) AS n
    WHERE i + n - 1 <= length(l)
$$;

-- The word index of published projects. It only narrows (catalogue_grams(search_text) @> the
-- word's grams); LIKE on search_text still decides, so results are those of the plain scan.
CREATE INDEX projects_grams ON projects USING GIN (catalogue_grams(search_text)) WHERE number IS NOT NULL;

-- The "newest" order (year, batch, number) as an index, like projects_catalogue_order for the
-- default one and projects_first_day for the date order.
CREATE INDEX projects_newest_order ON projects (year DESC, batch_id DESC, number, id);
-- A subject filter (SS, or SS-TT) within the catalogue order: one range of an index per page.
CREATE INDEX projects_subject_order ON projects (subject_secondary, year DESC, subject_tertiary, number, id);
CREATE INDEX projects_tertiary_order ON projects (subject_tertiary, year DESC, number, id);

-- Days from a project's first day to its last: the longest of them bounds a date-range search
-- from below (a project held on or after `from` starts no earlier than `from` minus the longest
-- span), so the range is one stretch of projects_first_day instead of every earlier project.
ALTER TABLE projects ADD COLUMN span_days BIGINT NOT NULL DEFAULT 0;
UPDATE projects SET span_days = CAST(last_day AS DATE) - CAST(first_day AS DATE);
CREATE INDEX projects_span ON projects (span_days);

-- Filters of few distinct values: a rare value (base projects, remote delivery) is found without
-- reading every project, and a common one is counted up to the catalogue's cap in a moment.
CREATE INDEX projects_kind ON projects (kind);
CREATE INDEX projects_delivery ON projects (delivery);
CREATE INDEX projects_level ON projects (level);
