CREATE TABLE `dataset_point_maps` (
	`dataset_id` text PRIMARY KEY NOT NULL,
	`points` text NOT NULL,
	`updated_by` text NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`dataset_id`) REFERENCES `datasets`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `target_point_maps` (
	`target_id` text PRIMARY KEY NOT NULL,
	`points` text NOT NULL,
	`updated_by` text NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`target_id`) REFERENCES `edge_targets`(`id`) ON UPDATE no action ON DELETE cascade
);
