-- What: ends the READ ONLY transaction of begin_read_only.sql once its query has answered
--   (nothing was written in it: there is nothing to keep). Read from queries/ only.
-- Parameters: none.
-- Output: none (transaction control).
COMMIT
