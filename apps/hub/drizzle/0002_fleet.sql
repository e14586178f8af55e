CREATE TABLE `edge_ingest_journal` (
	`device_id` text NOT NULL,
	`seq` integer NOT NULL,
	`ts` integer NOT NULL,
	`values` text NOT NULL,
	PRIMARY KEY(`device_id`, `seq`),
	FOREIGN KEY (`device_id`) REFERENCES `edge_targets`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `edge_ingest_state` (
	`device_id` text PRIMARY KEY NOT NULL,
	`ack_seq` integer DEFAULT 0 NOT NULL,
	`stored_total` integer DEFAULT 0 NOT NULL,
	`lost_total` integer DEFAULT 0 NOT NULL,
	`dataset_synced` integer DEFAULT 0 NOT NULL,
	`sync_inflight_to` integer,
	`sync_inflight_count` integer,
	FOREIGN KEY (`device_id`) REFERENCES `edge_targets`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `edge_pending_seqs` (
	`device_id` text NOT NULL,
	`seq` integer NOT NULL,
	`lost` integer DEFAULT false NOT NULL,
	PRIMARY KEY(`device_id`, `seq`),
	FOREIGN KEY (`device_id`) REFERENCES `edge_targets`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `edge_targets` (
	`id` text PRIMARY KEY NOT NULL,
	`owner_id` text NOT NULL,
	`name` text NOT NULL,
	`ip` text,
	`arch` text,
	`equipment_type` text DEFAULT 'air_handler' NOT NULL,
	`enrollment_token_hash` text,
	`enrollment_expires_at` integer,
	`secret_hash` text,
	`enrolled_at` integer,
	`revoked_at` integer,
	`online` integer DEFAULT false NOT NULL,
	`last_seen` integer,
	`agent_version` text,
	`current_model` text,
	`current_model_version` text,
	`outbox_depth` integer,
	`agent_dropped` integer DEFAULT 0 NOT NULL,
	`dataset_id` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`owner_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `edge_targets_enrollment_token_hash_unique` ON `edge_targets` (`enrollment_token_hash`);--> statement-breakpoint
CREATE INDEX `edge_targets_owner_idx` ON `edge_targets` (`owner_id`);