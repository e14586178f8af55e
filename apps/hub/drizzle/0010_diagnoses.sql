CREATE TABLE `diagnoses` (
	`id` text PRIMARY KEY NOT NULL,
	`dataset_id` text NOT NULL,
	`status` text NOT NULL,
	`error` text,
	`settings` text NOT NULL,
	`time_zone` text NOT NULL,
	`inputs` text NOT NULL,
	`result` text,
	`created_by` text NOT NULL,
	`created_at` integer NOT NULL,
	`completed_at` integer,
	FOREIGN KEY (`dataset_id`) REFERENCES `datasets`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `diagnoses_dataset_idx` ON `diagnoses` (`dataset_id`,`created_at`);