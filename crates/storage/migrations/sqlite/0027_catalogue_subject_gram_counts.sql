-- Nothing to do on SQLite: this file exists so that a migration number means the same change in
-- both folders (src/migrations.rs checks that they hold the same numbers and names).
--
-- PostgreSQL's 0027 counts, per batch and subject, the projects holding each common gram, for the
-- exact total of one word within a tertiary subject. SQLite counts such a search from its FTS5
-- index alone (src/catalogue/sqlite.rs, `count_in_index`), which reads no row.
SELECT 1;
