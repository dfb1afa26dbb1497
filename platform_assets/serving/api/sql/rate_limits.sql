-- The reporting API's shared rate-limit store (platform_assets/serving/api/rate_limits.py): one row per
-- request a key made within its window, in a SQLite file every API process of a deployment opens.
-- Sections start with "-- name: <name>"; a section may hold several statements.

-- name: open
-- WAL lets readers and the one writer overlap; no fsync per request (losing the last hits in a power cut
-- only forgives a few requests). busy_timeout: wait for another process's write instead of failing.
PRAGMA journal_mode = WAL;
PRAGMA synchronous = OFF;
PRAGMA busy_timeout = 5000;
CREATE TABLE IF NOT EXISTS api_hits (bucket TEXT NOT NULL, at REAL NOT NULL);
CREATE INDEX IF NOT EXISTS api_hits_by_bucket ON api_hits (bucket, at);

-- name: forget_stale
-- On opening: hits older than the longest window (a day) of any bucket, e.g. of a revoked key or of a limit
-- no longer configured, which no check would forget.
DELETE FROM api_hits WHERE at <= :stale_before;

-- name: forget
-- Hits that left the moving window.
DELETE FROM api_hits WHERE bucket = :bucket AND at <= :window_start;

-- name: window
-- The hits still in the window and the oldest one (when it leaves, a request is free again).
SELECT COUNT(*), MIN(at) FROM api_hits WHERE bucket = :bucket;

-- name: hit
INSERT INTO api_hits (bucket, at) VALUES (:bucket, :now);
