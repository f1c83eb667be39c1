-- What: ends the READ ONLY transaction of begin_read_only.sql after a failure, before its
--   connection goes back to the pool (not sent on a connection dropped). Read from queries/ only.
-- Parameters: none.
-- Output: none (transaction control).
ROLLBACK
