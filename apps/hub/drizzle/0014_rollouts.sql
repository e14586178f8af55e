CREATE TABLE `rollouts` (
	`id` text PRIMARY KEY NOT NULL,
	`owner_id` text NOT NULL,
	`created_by` text NOT NULL,
	`model_id` text,
	`agent_version` text,
	`selector` text NOT NULL,
	`strategy` text NOT NULL,
	`status` text NOT NULL,
	`reason` text,
	`current_wave` integer DEFAULT 0 NOT NULL,
	`waves` text NOT NULL,
	`targets` text NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`finished_at` integer,
	FOREIGN KEY (`owner_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `rollouts_owner_idx` ON `rollouts` (`owner_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `rollouts_status_idx` ON `rollouts` (`status`);