-- The scratch SQLite index of a bulk operation's JSONL (resources/shopify/bulk_jsonl.py).
-- Sections start with "-- name: <name>"; a section may hold several statements.

-- name: open
-- A scratch database: no journal, no fsync, temporary sorts on disk, a 16 MiB page cache.
PRAGMA page_size = 65536;
PRAGMA locking_mode = EXCLUSIVE;
PRAGMA journal_mode = OFF;
PRAGMA synchronous = OFF;
PRAGMA temp_store = FILE;
PRAGMA cache_size = -16384;
CREATE TABLE roots (seq INTEGER PRIMARY KEY, id TEXT NOT NULL, body BLOB NOT NULL);
CREATE TABLE children (seq INTEGER PRIMARY KEY, id TEXT, parent TEXT NOT NULL, root INTEGER, body BLOB NOT NULL);
CREATE TABLE ids (id TEXT NOT NULL);

-- name: insert_id
INSERT INTO ids (id) VALUES (?);

-- name: unique_ids
-- Fails (IntegrityError) when an id repeats; repeated_ids then names them.
CREATE UNIQUE INDEX ids_unique ON ids (id);

-- name: insert_root
INSERT INTO roots (seq, id, body) VALUES (?, ?, ?);

-- name: insert_child
INSERT INTO children (seq, id, parent, root, body) VALUES (?, ?, ?, ?, ?);

-- name: repeated_ids
SELECT id FROM ids GROUP BY id HAVING count(*) > 1 ORDER BY id;

-- name: index_lines
CREATE UNIQUE INDEX roots_by_id ON roots (id);
CREATE UNIQUE INDEX children_by_id ON children (id);

-- name: resolve_direct
-- Children whose root was not known as they were read (they came after another root).
UPDATE children SET root = (SELECT r.seq FROM roots AS r WHERE r.id = children.parent)
WHERE root IS NULL;

-- name: resolve_level
UPDATE children SET root = (SELECT p.root FROM children AS p WHERE p.id = children.parent)
WHERE root IS NULL;

-- name: count_unresolved
SELECT count(*) FROM children WHERE root IS NULL;

-- name: orphans
SELECT coalesce(id, 'line ' || seq), parent FROM children WHERE root IS NULL ORDER BY seq LIMIT ?;

-- name: index_by_root
CREATE INDEX children_by_root ON children (root, seq);

-- name: roots_in_order
SELECT seq, body FROM roots ORDER BY seq;

-- name: children_in_order
SELECT root, seq, parent, body FROM children ORDER BY root, seq;
