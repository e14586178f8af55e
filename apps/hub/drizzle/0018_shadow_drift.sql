CREATE TABLE `edge_drift_hours` (
	`target_id` text NOT NULL,
	`deployment_id` text NOT NULL,
	`hour_start` integer NOT NULL,
	`model_id` text NOT NULL,
	`readings` integer NOT NULL,
	`windows` integer NOT NULL,
	`features` text NOT NULL,
	`score_psi` real,
	`max_psi` real,
	`counts` text NOT NULL,
	`bytes` integer NOT NULL,
	`received_at` integer NOT NULL,
	PRIMARY KEY(`target_id`, `deployment_id`, `hour_start`),
	FOREIGN KEY (`target_id`) REFERENCES `edge_targets`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `edge_drift_hours_target_idx` ON `edge_drift_hours` (`target_id`,`hour_start`);--> statement-breakpoint
CREATE TABLE `edge_shadow_alarms` (
	`deployment_id` text NOT NULL,
	`agent_alarm_id` text NOT NULL,
	`target_id` text NOT NULL,
	`state` text NOT NULL,
	`raised_at` integer NOT NULL,
	`cleared_at` integer,
	`peak_score` real NOT NULL,
	`threshold` real NOT NULL,
	`message` text NOT NULL,
	PRIMARY KEY(`deployment_id`, `agent_alarm_id`),
	FOREIGN KEY (`target_id`) REFERENCES `edge_targets`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `edge_shadow_scores` (
	`deployment_id` text NOT NULL,
	`ts` integer NOT NULL,
	`target_id` text NOT NULL,
	`live_deployment_id` text NOT NULL,
	`score` real NOT NULL,
	`anomaly` integer NOT NULL,
	`live_score` real NOT NULL,
	`live_anomaly` integer NOT NULL,
	PRIMARY KEY(`deployment_id`, `ts`),
	FOREIGN KEY (`target_id`) REFERENCES `edge_targets`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
ALTER TABLE `deployments` ADD `mode` text DEFAULT 'live' NOT NULL;--> statement-breakpoint
ALTER TABLE `deployments` ADD `promotion` text;--> statement-breakpoint
ALTER TABLE `edge_alerts` ADD `drift` text;