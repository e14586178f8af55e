ALTER TABLE "deployments" ADD COLUMN "kind" text DEFAULT 'model' NOT NULL;--> statement-breakpoint
ALTER TABLE "deployments" ADD COLUMN "agent_version" text;