-- A counter that moves whenever an account or an API key changes, in any process using
-- this file: credentials checked against an in-memory copy are re-read only when it
-- moved, so that a changed token, status or key is never served from a stale copy
-- (see store/sqlite/authgen.go).
CREATE TABLE auth_generation (
    id  INTEGER PRIMARY KEY CHECK (id = 1),
    gen INTEGER NOT NULL
);
INSERT INTO auth_generation (id, gen) VALUES (1, 0);

CREATE TRIGGER accounts_insert_auth_generation AFTER INSERT ON accounts
BEGIN UPDATE auth_generation SET gen = gen + 1 WHERE id = 1; END;
CREATE TRIGGER accounts_update_auth_generation AFTER UPDATE ON accounts
BEGIN UPDATE auth_generation SET gen = gen + 1 WHERE id = 1; END;
CREATE TRIGGER accounts_delete_auth_generation AFTER DELETE ON accounts
BEGIN UPDATE auth_generation SET gen = gen + 1 WHERE id = 1; END;
CREATE TRIGGER api_keys_insert_auth_generation AFTER INSERT ON api_keys
BEGIN UPDATE auth_generation SET gen = gen + 1 WHERE id = 1; END;
CREATE TRIGGER api_keys_update_auth_generation AFTER UPDATE ON api_keys
BEGIN UPDATE auth_generation SET gen = gen + 1 WHERE id = 1; END;
CREATE TRIGGER api_keys_delete_auth_generation AFTER DELETE ON api_keys
BEGIN UPDATE auth_generation SET gen = gen + 1 WHERE id = 1; END;
