-- Nothing on SQLite: the function this migration adds on PostgreSQL (see
-- migrations/postgres/0013_desk_statement_check.sql) serves the desk's self-committing
-- statements, and SQLite's desk writes inside a transaction. Kept so the two folders stay in
-- lockstep.
SELECT 1;
