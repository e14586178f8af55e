ALTER TABLE `deployments` ADD `rules` text;--> statement-breakpoint
ALTER TABLE `edge_alerts` ADD `kind` text DEFAULT 'anomaly' NOT NULL;--> statement-breakpoint
ALTER TABLE `edge_alerts` ADD `rule` text;