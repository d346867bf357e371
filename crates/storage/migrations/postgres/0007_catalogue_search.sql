-- The public catalogue at 200,000 projects (issue 6): a word index instead of LIKE over every row,
-- and indexes that return a page in the catalogue's orders without sorting everything that matched.

-- The grams of a search text: every one-, two- and three-character piece of it with ASCII letters
-- lowercased (translate, not lower(), which would also fold other scripts and depend on the
-- locale), repeats kept (the index keeps each once). src/catalogue_search.rs cuts a search word
-- the same way. Immutable, so that a column can be generated from it. A loop, not one SELECT over
-- generate_series: that took 2 ms a row (40 s for a 20,000-project list), this 65 µs.
CREATE FUNCTION catalogue_grams(t TEXT) RETURNS TEXT[]
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
AS $$
DECLARE
    l TEXT := translate(t, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz');
    n INT := length(l);
    grams TEXT[] := '{}';
BEGIN
    FOR i IN 1..n LOOP
        grams := grams || substr(l, i, 1);
        IF i + 1 <= n THEN
            grams := grams || substr(l, i, 2);
        END IF;
        IF i + 2 <= n THEN
            grams := grams || substr(l, i, 3);
        END IF;
    END LOOP;
    RETURN grams;
END
$$;

-- The grams stored with the row, computed when search_text is written (and here, for existing
-- rows, by the table rewrite). Stored rather than an index on the expression: a plan that does
-- not use the index still tests `search_grams @> …` on the rows it reads, and computing the grams
-- of every such row again took 2 s for one catalogue page before statistics existed.
ALTER TABLE projects ADD COLUMN search_grams TEXT[] GENERATED ALWAYS AS (catalogue_grams(search_text)) STORED;

-- The word index of published projects. It only narrows (search_grams @> the word's grams); LIKE
-- on search_text still decides, so results are those of the plain scan.
CREATE INDEX projects_grams ON projects USING GIN (search_grams) WHERE number IS NOT NULL;

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
