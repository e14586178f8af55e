ALTER TABLE `deployments` ADD `kind` text DEFAULT 'model' NOT NULL;--> statement-breakpoint
ALTER TABLE `deployments` ADD `agent_version` text;