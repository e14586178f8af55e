CREATE TABLE `training_epochs` (
	`run_id` text NOT NULL,
	`epoch` integer NOT NULL,
	`train_loss` real NOT NULL,
	`val_loss` real,
	`best_val_loss` real,
	`elapsed_seconds` real NOT NULL,
	PRIMARY KEY(`run_id`, `epoch`),
	FOREIGN KEY (`run_id`) REFERENCES `training_runs`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `training_runs` (
	`id` text PRIMARY KEY NOT NULL,
	`owner_id` text NOT NULL,
	`dataset_id` text NOT NULL,
	`name` text NOT NULL,
	`architecture` text NOT NULL,
	`hyperparameters` text NOT NULL,
	`status` text NOT NULL,
	`stop_reason` text,
	`error` text,
	`current_epoch` integer DEFAULT 0 NOT NULL,
	`total_epochs` integer NOT NULL,
	`best_val_loss` real,
	`current_train_loss` real,
	`current_val_loss` real,
	`learning_rate` real NOT NULL,
	`training_seconds` real DEFAULT 0 NOT NULL,
	`estimated_remaining_seconds` real,
	`model_id` text,
	`evaluation_id` text,
	`created_at` integer NOT NULL,
	`started_at` integer,
	`completed_at` integer,
	FOREIGN KEY (`owner_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `training_runs_owner_idx` ON `training_runs` (`owner_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `training_runs_status_idx` ON `training_runs` (`status`,`created_at`);--> statement-breakpoint
CREATE INDEX `training_runs_dataset_idx` ON `training_runs` (`dataset_id`);--> statement-breakpoint
CREATE TABLE `models` (
	`id` text PRIMARY KEY NOT NULL,
	`owner_id` text NOT NULL,
	`name` text NOT NULL,
	`architecture` text NOT NULL,
	`equipment_type` text NOT NULL,
	`dataset_id` text NOT NULL,
	`training_run_id` text NOT NULL,
	`parameters` integer NOT NULL,
	`metrics` text NOT NULL,
	`metadata` text NOT NULL,
	`quantization` text NOT NULL,
	`files` text NOT NULL,
	`evaluation_id` text,
	`status` text NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`owner_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `models_owner_idx` ON `models` (`owner_id`,`created_at`);--> statement-breakpoint
CREATE TABLE `evaluations` (
	`id` text PRIMARY KEY NOT NULL,
	`owner_id` text NOT NULL,
	`model_id` text NOT NULL,
	`dataset_id` text NOT NULL,
	`kind` text NOT NULL,
	`metrics` text NOT NULL,
	`confusion_matrix` text,
	`figures` text NOT NULL,
	`windows` integer NOT NULL,
	`training_curves` text NOT NULL,
	`gradient_status` text DEFAULT 'none' NOT NULL,
	`gradient_evaluation` text,
	`gradient_error` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`owner_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`model_id`) REFERENCES `models`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `evaluations_owner_idx` ON `evaluations` (`owner_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `evaluations_model_idx` ON `evaluations` (`model_id`);