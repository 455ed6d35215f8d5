-- Issue 10 point 9 and issue 11 point 5: an Idempotency-Key repeated with a different request is
-- refused, so each key is stored with a digest of the request it was first used for.
ALTER TABLE runs ADD COLUMN idempotency_digest TEXT;

-- Import idempotency keys, shared by every node (they were kept in one process's memory).
-- state: 'pending' while the first request imports (until expires_at of its claim), 'done' after.
CREATE TABLE import_idempotency_keys (
  scope TEXT NOT NULL,
  key TEXT NOT NULL,
  digest TEXT NOT NULL,
  state TEXT NOT NULL,
  answer TEXT,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  PRIMARY KEY (scope, key)
);
CREATE INDEX import_idempotency_keys_by_expiry ON import_idempotency_keys (expires_at);
