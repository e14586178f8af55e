CREATE TABLE "edge_drift_hours" (
	"target_id" text NOT NULL,
	"deployment_id" text NOT NULL,
	"hour_start" bigint NOT NULL,
	"model_id" text NOT NULL,
	"readings" bigint NOT NULL,
	"windows" bigint NOT NULL,
	"features" text NOT NULL,
	"score_psi" double precision,
	"max_psi" double precision,
	"counts" text NOT NULL,
	"bytes" bigint NOT NULL,
	"received_at" bigint NOT NULL,
	CONSTRAINT "edge_drift_hours_target_id_deployment_id_hour_start_pk" PRIMARY KEY("target_id","deployment_id","hour_start")
);
--> statement-breakpoint
CREATE TABLE "edge_shadow_alarms" (
	"deployment_id" text NOT NULL,
	"agent_alarm_id" text NOT NULL,
	"target_id" text NOT NULL,
	"state" text NOT NULL,
	"raised_at" bigint NOT NULL,
	"cleared_at" bigint,
	"peak_score" double precision NOT NULL,
	"threshold" double precision NOT NULL,
	"message" text NOT NULL,
	CONSTRAINT "edge_shadow_alarms_deployment_id_agent_alarm_id_pk" PRIMARY KEY("deployment_id","agent_alarm_id")
);
--> statement-breakpoint
CREATE TABLE "edge_shadow_scores" (
	"deployment_id" text NOT NULL,
	"ts" bigint NOT NULL,
	"target_id" text NOT NULL,
	"live_deployment_id" text NOT NULL,
	"score" double precision NOT NULL,
	"anomaly" boolean NOT NULL,
	"live_score" double precision NOT NULL,
	"live_anomaly" boolean NOT NULL,
	CONSTRAINT "edge_shadow_scores_deployment_id_ts_pk" PRIMARY KEY("deployment_id","ts")
);
--> statement-breakpoint
ALTER TABLE "deployments" ADD COLUMN "mode" text DEFAULT 'live' NOT NULL;--> statement-breakpoint
ALTER TABLE "deployments" ADD COLUMN "promotion" text;--> statement-breakpoint
ALTER TABLE "edge_alerts" ADD COLUMN "drift" text;--> statement-breakpoint
ALTER TABLE "edge_drift_hours" ADD CONSTRAINT "edge_drift_hours_target_id_edge_targets_id_fk" FOREIGN KEY ("target_id") REFERENCES "public"."edge_targets"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "edge_shadow_alarms" ADD CONSTRAINT "edge_shadow_alarms_target_id_edge_targets_id_fk" FOREIGN KEY ("target_id") REFERENCES "public"."edge_targets"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "edge_shadow_scores" ADD CONSTRAINT "edge_shadow_scores_target_id_edge_targets_id_fk" FOREIGN KEY ("target_id") REFERENCES "public"."edge_targets"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "edge_drift_hours_target_idx" ON "edge_drift_hours" USING btree ("target_id","hour_start");