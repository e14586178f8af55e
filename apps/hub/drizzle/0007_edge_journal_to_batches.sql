-- Readings left in the per-reading journal move to the per-batch journal (one single-reading run each), so the
-- hand-over continues exactly where it stopped; the old table is dropped by the next migration.
INSERT INTO `edge_ingest_batches` (`device_id`, `seq_from`, `seq_to`, `readings`)
SELECT `device_id`, `seq`, `seq`, json_array(json_array(`ts`, json(`values`))) FROM `edge_ingest_journal`;
--> statement-breakpoint
DELETE FROM `edge_ingest_journal`;
