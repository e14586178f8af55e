CREATE TABLE `datasets` (
	`id` text PRIMARY KEY NOT NULL,
	`owner_id` text NOT NULL,
	`name` text NOT NULL,
	`equipment_type` text NOT NULL,
	`location` text,
	`unit` text,
	`source` text NOT NULL,
	`source_ref` text,
	`target_name` text,
	`columns` text NOT NULL,
	`stats` text NOT NULL,
	`time_column` text,
	`layout` text NOT NULL,
	`time_start` integer,
	`time_end` integer,
	`row_count` integer NOT NULL,
	`file_size_bytes` integer NOT NULL,
	`storage` text NOT NULL,
	`tail_rows` integer DEFAULT 0 NOT NULL,
	`is_validated` integer DEFAULT false NOT NULL,
	`locked` integer DEFAULT false NOT NULL,
	`validated_at` integer,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`owner_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `datasets_owner_idx` ON `datasets` (`owner_id`);--> statement-breakpoint
CREATE UNIQUE INDEX `datasets_source_ref_idx` ON `datasets` (`source`,`source_ref`);--> statement-breakpoint
CREATE TABLE `outbound_policy` (
	`id` integer PRIMARY KEY NOT NULL,
	`allow` text NOT NULL,
	`deny` text NOT NULL,
	`updated_at` integer NOT NULL,
	`updated_by` text
);
