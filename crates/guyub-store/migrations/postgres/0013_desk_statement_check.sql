-- The counter desk's batches on PostgreSQL are one self-committing statement (no BEGIN, no
-- COMMIT: two round trips fewer, and the coop's counters row is locked only while the
-- statement runs). Such a statement must undo itself when one of its parts wrote other rows
-- than it should (a balance or a counter another transaction moved meanwhile, an
-- idempotency key already answered): its last step calls this function, which raises an
-- error, and an error rolls the whole statement back. SQLSTATE GY001 tells the store it was
-- this check (see `Script` in src/sql.rs).
CREATE FUNCTION guyub_expect_rows(written BIGINT, expected BIGINT) RETURNS BIGINT
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    IF written IS DISTINCT FROM expected THEN
        RAISE EXCEPTION 'guyub: % rows written, % expected', written, expected
            USING ERRCODE = 'GY001';
    END IF;
    RETURN written;
END
$$;
