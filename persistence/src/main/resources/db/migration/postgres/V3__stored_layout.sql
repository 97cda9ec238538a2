-- Settings a database is written with and must keep: the ledger's partition count (a recipient's
-- partition is hash(recipient) mod count, so another count would hide every inbox's earlier messages).
CREATE TABLE "agentbus_layout" (
  "setting" VARCHAR(64) NOT NULL PRIMARY KEY,
  "setting_value" VARCHAR(255) NOT NULL
);
