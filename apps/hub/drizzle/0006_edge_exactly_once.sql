CREATE TABLE `edge_ingest_batches` (
	`device_id` text NOT NULL,
	`seq_from` integer NOT NULL,
	`seq_to` integer NOT NULL,
	`readings` text NOT NULL,
	PRIMARY KEY(`device_id`, `seq_from`),
	FOREIGN KEY (`device_id`) REFERENCES `edge_targets`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
ALTER TABLE `datasets` ADD `tail_bytes` integer DEFAULT 0 NOT NULL;