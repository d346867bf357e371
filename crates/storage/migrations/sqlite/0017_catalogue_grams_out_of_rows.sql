-- Nothing to do on SQLite: this file exists so that a migration number means the same change in
-- both folders (src/migrations.rs checks that they hold the same numbers and names).
--
-- PostgreSQL's 0017 takes its word index's grams out of the project rows (they were a stored
-- column there). SQLite's word index has always been a table of its own (project_search, FTS5,
-- migration 0007), and its rows carry only the search text.
SELECT 1;
