ALTER TABLE "training_runs" ADD COLUMN "worker_id" text;--> statement-breakpoint
ALTER TABLE "training_runs" ADD COLUMN "lease_expires_at" bigint;