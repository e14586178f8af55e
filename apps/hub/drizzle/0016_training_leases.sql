ALTER TABLE `training_runs` ADD `worker_id` text;--> statement-breakpoint
ALTER TABLE `training_runs` ADD `lease_expires_at` integer;