CREATE TABLE "rollouts" (
	"id" text PRIMARY KEY NOT NULL,
	"owner_id" text NOT NULL,
	"created_by" text NOT NULL,
	"model_id" text,
	"agent_version" text,
	"selector" text NOT NULL,
	"strategy" text NOT NULL,
	"status" text NOT NULL,
	"reason" text,
	"current_wave" bigint DEFAULT 0 NOT NULL,
	"waves" text NOT NULL,
	"targets" text NOT NULL,
	"created_at" bigint NOT NULL,
	"updated_at" bigint NOT NULL,
	"finished_at" bigint
);
--> statement-breakpoint
ALTER TABLE "rollouts" ADD CONSTRAINT "rollouts_owner_id_users_id_fk" FOREIGN KEY ("owner_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "rollouts_owner_idx" ON "rollouts" USING btree ("owner_id","created_at");--> statement-breakpoint
CREATE INDEX "rollouts_status_idx" ON "rollouts" USING btree ("status");