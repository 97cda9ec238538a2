-- Event and snapshot payloads as VARBINARY instead of BLOB: H2 keeps a BLOB above a few bytes in its
-- separate LOB maps, so every journal insert updated three more B-trees and every commit rewrote
-- their pages. Inline values halve the work of a ledger batch write (docs/benchmarks.md, issue 4).
ALTER TABLE PUBLIC."event_journal" ALTER COLUMN "event_payload" SET DATA TYPE VARBINARY;
ALTER TABLE PUBLIC."event_journal" ALTER COLUMN "meta_payload" SET DATA TYPE VARBINARY;
ALTER TABLE PUBLIC."snapshot" ALTER COLUMN "snapshot_payload" SET DATA TYPE VARBINARY;
ALTER TABLE PUBLIC."snapshot" ALTER COLUMN "meta_payload" SET DATA TYPE VARBINARY;
ALTER TABLE PUBLIC."durable_state" ALTER COLUMN "state_payload" SET DATA TYPE VARBINARY;
