-- What: stops one of the kit's own queries on the server when the export is interrupted (Ctrl-C,
--   SIGTERM): closing the HTTP connection does not (18.16 has no
--   cancel_http_readonly_queries_on_client_close, newer servers default it off). A user may always
--   stop their own queries, read-only profiles too. ASYNC: the answer does not wait for the stop.
-- Parameters: query_id String, the id the kit sent the query with.
-- Output: what the server stopped (ignored).
KILL QUERY WHERE query_id = {query_id:String} ASYNC
