-- The fingerprint of the secret key the database was first used with (issue 9): every node must seal and
-- open credentials and sign tokens with the same key, so a node started with another one is refused.
CREATE TABLE key_fingerprint (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  fingerprint TEXT NOT NULL,
  recorded_at BIGINT NOT NULL
);
