-- Nothing to do on SQLite: this file exists so that a migration number means the same change in
-- both folders (src/migrations.rs checks that they hold the same numbers and names).
--
-- PostgreSQL's 0018 counts, per batch, the projects holding each gram, for the exact total of a
-- one-word search. SQLite counts such a word from its FTS5 index alone (src/catalogue/sqlite.rs,
-- `count_in_index`), which reads no row.
SELECT 1;
