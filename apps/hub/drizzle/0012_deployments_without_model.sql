PRAGMA foreign_keys=OFF;--> statement-breakpoint
CREATE TABLE `__new_deployments` (
	`id` text PRIMARY KEY NOT NULL,
	`owner_id` text NOT NULL,
	`deployed_by` text NOT NULL,
	`model_id` text,
	`target_id` text NOT NULL,
	`target_name` text NOT NULL,
	`target_ip` text,
	`target_arch` text,
	`model_version` text NOT NULL,
	`status` text NOT NULL,
	`status_detail` text,
	`error` text,
	`steps` text NOT NULL,
	`alert_policy` text,
	`package_sha256` text,
	`package_size` integer,
	`quantized` integer DEFAULT true NOT NULL,
	`bytes_acked` integer DEFAULT 0 NOT NULL,
	`health_score` real,
	`health_expected` real,
	`health_runtime` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`deployed_at` integer,
	`finished_at` integer,
	FOREIGN KEY (`owner_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`target_id`) REFERENCES `edge_targets`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
INSERT INTO `__new_deployments`("id", "owner_id", "deployed_by", "model_id", "target_id", "target_name", "target_ip", "target_arch", "model_version", "status", "status_detail", "error", "steps", "alert_policy", "package_sha256", "package_size", "quantized", "bytes_acked", "health_score", "health_expected", "health_runtime", "created_at", "updated_at", "deployed_at", "finished_at") SELECT "id", "owner_id", "deployed_by", "model_id", "target_id", "target_name", "target_ip", "target_arch", "model_version", "status", "status_detail", "error", "steps", "alert_policy", "package_sha256", "package_size", "quantized", "bytes_acked", "health_score", "health_expected", "health_runtime", "created_at", "updated_at", "deployed_at", "finished_at" FROM `deployments`;--> statement-breakpoint
DROP TABLE `deployments`;--> statement-breakpoint
ALTER TABLE `__new_deployments` RENAME TO `deployments`;--> statement-breakpoint
PRAGMA foreign_keys=ON;--> statement-breakpoint
CREATE INDEX `deployments_owner_idx` ON `deployments` (`owner_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `deployments_target_idx` ON `deployments` (`target_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `deployments_status_idx` ON `deployments` (`status`);--> statement-breakpoint
CREATE TABLE `__new_edge_alerts` (
	`id` text PRIMARY KEY NOT NULL,
	`target_id` text NOT NULL,
	`agent_alert_id` text NOT NULL,
	`deployment_id` text NOT NULL,
	`model_id` text,
	`state` text NOT NULL,
	`raised_at` integer NOT NULL,
	`cleared_at` integer,
	`peak_score` real NOT NULL,
	`threshold` real NOT NULL,
	`message` text NOT NULL,
	`received_at` integer NOT NULL,
	FOREIGN KEY (`target_id`) REFERENCES `edge_targets`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
INSERT INTO `__new_edge_alerts`("id", "target_id", "agent_alert_id", "deployment_id", "model_id", "state", "raised_at", "cleared_at", "peak_score", "threshold", "message", "received_at") SELECT "id", "target_id", "agent_alert_id", "deployment_id", "model_id", "state", "raised_at", "cleared_at", "peak_score", "threshold", "message", "received_at" FROM `edge_alerts`;--> statement-breakpoint
DROP TABLE `edge_alerts`;--> statement-breakpoint
ALTER TABLE `__new_edge_alerts` RENAME TO `edge_alerts`;--> statement-breakpoint
CREATE INDEX `edge_alerts_target_idx` ON `edge_alerts` (`target_id`,`raised_at`);--> statement-breakpoint
CREATE UNIQUE INDEX `edge_alerts_agent_idx` ON `edge_alerts` (`target_id`,`agent_alert_id`);