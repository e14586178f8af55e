CREATE TABLE "conversation_messages" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"conversation_id" text NOT NULL,
	"role" text NOT NULL,
	"content" text NOT NULL,
	"dataset_id" text,
	"training_plan" text,
	"tokens" bigint DEFAULT 0 NOT NULL,
	"created_at" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "conversations" (
	"id" text PRIMARY KEY NOT NULL,
	"user_id" text NOT NULL,
	"created_at" bigint NOT NULL,
	"updated_at" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "dataset_point_maps" (
	"dataset_id" text PRIMARY KEY NOT NULL,
	"points" text NOT NULL,
	"updated_by" text NOT NULL,
	"updated_at" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "datasets" (
	"id" text PRIMARY KEY NOT NULL,
	"owner_id" text NOT NULL,
	"name" text NOT NULL,
	"equipment_type" text NOT NULL,
	"location" text,
	"unit" text,
	"source" text NOT NULL,
	"source_ref" text,
	"target_name" text,
	"columns" text NOT NULL,
	"stats" text NOT NULL,
	"time_column" text,
	"layout" text NOT NULL,
	"time_start" bigint,
	"time_end" bigint,
	"row_count" bigint NOT NULL,
	"file_size_bytes" bigint NOT NULL,
	"storage" text NOT NULL,
	"tail_rows" bigint DEFAULT 0 NOT NULL,
	"tail_bytes" bigint DEFAULT 0 NOT NULL,
	"is_validated" boolean DEFAULT false NOT NULL,
	"locked" boolean DEFAULT false NOT NULL,
	"validated_at" bigint,
	"created_at" bigint NOT NULL,
	"updated_at" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "deployments" (
	"id" text PRIMARY KEY NOT NULL,
	"owner_id" text NOT NULL,
	"deployed_by" text NOT NULL,
	"model_id" text,
	"target_id" text NOT NULL,
	"target_name" text NOT NULL,
	"target_ip" text,
	"target_arch" text,
	"model_version" text NOT NULL,
	"status" text NOT NULL,
	"status_detail" text,
	"error" text,
	"steps" text NOT NULL,
	"alert_policy" text,
	"package_sha256" text,
	"package_size" bigint,
	"quantized" boolean DEFAULT true NOT NULL,
	"bytes_acked" bigint DEFAULT 0 NOT NULL,
	"health_score" double precision,
	"health_expected" double precision,
	"health_runtime" text,
	"rules" text,
	"created_at" bigint NOT NULL,
	"updated_at" bigint NOT NULL,
	"deployed_at" bigint,
	"finished_at" bigint
);
--> statement-breakpoint
CREATE TABLE "diagnoses" (
	"id" text PRIMARY KEY NOT NULL,
	"dataset_id" text NOT NULL,
	"status" text NOT NULL,
	"error" text,
	"settings" text NOT NULL,
	"time_zone" text NOT NULL,
	"inputs" text NOT NULL,
	"result" text,
	"created_by" text NOT NULL,
	"created_at" bigint NOT NULL,
	"completed_at" bigint
);
--> statement-breakpoint
CREATE TABLE "edge_alerts" (
	"id" text PRIMARY KEY NOT NULL,
	"target_id" text NOT NULL,
	"agent_alert_id" text NOT NULL,
	"deployment_id" text NOT NULL,
	"model_id" text,
	"kind" text DEFAULT 'anomaly' NOT NULL,
	"rule" text,
	"state" text NOT NULL,
	"raised_at" bigint NOT NULL,
	"cleared_at" bigint,
	"peak_score" double precision NOT NULL,
	"threshold" double precision NOT NULL,
	"message" text NOT NULL,
	"received_at" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "edge_ingest_batches" (
	"device_id" text NOT NULL,
	"seq_from" bigint NOT NULL,
	"seq_to" bigint NOT NULL,
	"readings" text NOT NULL,
	CONSTRAINT "edge_ingest_batches_device_id_seq_from_pk" PRIMARY KEY("device_id","seq_from")
);
--> statement-breakpoint
CREATE TABLE "edge_ingest_state" (
	"device_id" text PRIMARY KEY NOT NULL,
	"ack_seq" bigint DEFAULT 0 NOT NULL,
	"stored_total" bigint DEFAULT 0 NOT NULL,
	"lost_total" bigint DEFAULT 0 NOT NULL,
	"dataset_synced" bigint DEFAULT 0 NOT NULL,
	"sync_inflight_to" bigint,
	"sync_inflight_count" bigint
);
--> statement-breakpoint
CREATE TABLE "edge_pending_seqs" (
	"device_id" text NOT NULL,
	"seq" bigint NOT NULL,
	"lost" boolean DEFAULT false NOT NULL,
	CONSTRAINT "edge_pending_seqs_device_id_seq_pk" PRIMARY KEY("device_id","seq")
);
--> statement-breakpoint
CREATE TABLE "edge_scores" (
	"target_id" text NOT NULL,
	"ts" bigint NOT NULL,
	"deployment_id" text NOT NULL,
	"score" double precision NOT NULL,
	"anomaly" boolean NOT NULL,
	CONSTRAINT "edge_scores_target_id_ts_deployment_id_pk" PRIMARY KEY("target_id","ts","deployment_id")
);
--> statement-breakpoint
CREATE TABLE "edge_targets" (
	"id" text PRIMARY KEY NOT NULL,
	"owner_id" text NOT NULL,
	"name" text NOT NULL,
	"ip" text,
	"arch" text,
	"equipment_type" text DEFAULT 'air_handler' NOT NULL,
	"enrollment_token_hash" text,
	"enrollment_expires_at" bigint,
	"secret_hash" text,
	"enrolled_at" bigint,
	"revoked_at" bigint,
	"online" boolean DEFAULT false NOT NULL,
	"last_seen" bigint,
	"agent_version" text,
	"current_model" text,
	"current_model_version" text,
	"outbox_depth" bigint,
	"agent_dropped" bigint DEFAULT 0 NOT NULL,
	"dataset_id" text,
	"tags" text DEFAULT '{}' NOT NULL,
	"created_at" bigint NOT NULL,
	"updated_at" bigint NOT NULL,
	CONSTRAINT "edge_targets_enrollment_token_hash_unique" UNIQUE("enrollment_token_hash")
);
--> statement-breakpoint
CREATE TABLE "email_verifications" (
	"user_id" text PRIMARY KEY NOT NULL,
	"code_hash" text NOT NULL,
	"expires_at" bigint NOT NULL,
	"attempts" bigint DEFAULT 0 NOT NULL,
	"created_at" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "evaluations" (
	"id" text PRIMARY KEY NOT NULL,
	"owner_id" text NOT NULL,
	"model_id" text NOT NULL,
	"dataset_id" text NOT NULL,
	"kind" text NOT NULL,
	"metrics" text NOT NULL,
	"confusion_matrix" text,
	"figures" text NOT NULL,
	"windows" bigint NOT NULL,
	"training_curves" text NOT NULL,
	"gradient_status" text DEFAULT 'none' NOT NULL,
	"gradient_evaluation" text,
	"gradient_error" text,
	"created_at" bigint NOT NULL,
	"updated_at" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "models" (
	"id" text PRIMARY KEY NOT NULL,
	"owner_id" text NOT NULL,
	"name" text NOT NULL,
	"architecture" text NOT NULL,
	"equipment_type" text NOT NULL,
	"dataset_id" text NOT NULL,
	"training_run_id" text NOT NULL,
	"parameters" bigint NOT NULL,
	"metrics" text NOT NULL,
	"metadata" text NOT NULL,
	"quantization" text NOT NULL,
	"files" text NOT NULL,
	"evaluation_id" text,
	"status" text NOT NULL,
	"created_at" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "outbound_policy" (
	"id" bigint PRIMARY KEY NOT NULL,
	"allow" text NOT NULL,
	"deny" text NOT NULL,
	"updated_at" bigint NOT NULL,
	"updated_by" text
);
--> statement-breakpoint
CREATE TABLE "password_resets" (
	"token_hash" text PRIMARY KEY NOT NULL,
	"user_id" text NOT NULL,
	"expires_at" bigint NOT NULL,
	"used_at" bigint,
	"created_at" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "push_tickets" (
	"id" text PRIMARY KEY NOT NULL,
	"token" text NOT NULL,
	"sent_at" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "push_tokens" (
	"token" text PRIMARY KEY NOT NULL,
	"user_id" text NOT NULL,
	"platform" text NOT NULL,
	"device_name" text,
	"created_at" bigint NOT NULL,
	"updated_at" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "sessions" (
	"id" text PRIMARY KEY NOT NULL,
	"token_hash" text NOT NULL,
	"user_id" text NOT NULL,
	"kind" text NOT NULL,
	"created_at" bigint NOT NULL,
	"expires_at" bigint NOT NULL,
	"revoked_at" bigint,
	"failed_attempts" bigint DEFAULT 0 NOT NULL,
	"ip" text,
	"user_agent" text,
	CONSTRAINT "sessions_token_hash_unique" UNIQUE("token_hash")
);
--> statement-breakpoint
CREATE TABLE "stripe_events" (
	"id" text PRIMARY KEY NOT NULL,
	"type" text NOT NULL,
	"object_id" text,
	"created" bigint NOT NULL,
	"outcome" text NOT NULL,
	"received_at" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "subscriptions" (
	"user_id" text PRIMARY KEY NOT NULL,
	"tier" text DEFAULT 'free' NOT NULL,
	"stripe_customer_id" text,
	"stripe_subscription_id" text,
	"current_period_start" bigint,
	"current_period_end" bigint,
	"token_balance" bigint DEFAULT 0 NOT NULL,
	"tokens_used_this_period" bigint DEFAULT 0 NOT NULL,
	"created_at" bigint NOT NULL,
	"updated_at" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "target_point_maps" (
	"target_id" text PRIMARY KEY NOT NULL,
	"points" text NOT NULL,
	"updated_by" text NOT NULL,
	"updated_at" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "training_epochs" (
	"run_id" text NOT NULL,
	"epoch" bigint NOT NULL,
	"train_loss" double precision NOT NULL,
	"val_loss" double precision,
	"best_val_loss" double precision,
	"elapsed_seconds" double precision NOT NULL,
	CONSTRAINT "training_epochs_run_id_epoch_pk" PRIMARY KEY("run_id","epoch")
);
--> statement-breakpoint
CREATE TABLE "training_runs" (
	"id" text PRIMARY KEY NOT NULL,
	"owner_id" text NOT NULL,
	"dataset_id" text NOT NULL,
	"name" text NOT NULL,
	"architecture" text NOT NULL,
	"hyperparameters" text NOT NULL,
	"status" text NOT NULL,
	"stop_reason" text,
	"error" text,
	"current_epoch" bigint DEFAULT 0 NOT NULL,
	"total_epochs" bigint NOT NULL,
	"best_val_loss" double precision,
	"current_train_loss" double precision,
	"current_val_loss" double precision,
	"learning_rate" double precision NOT NULL,
	"training_seconds" double precision DEFAULT 0 NOT NULL,
	"estimated_remaining_seconds" double precision,
	"model_id" text,
	"evaluation_id" text,
	"created_at" bigint NOT NULL,
	"started_at" bigint,
	"completed_at" bigint
);
--> statement-breakpoint
CREATE TABLE "user_preferences" (
	"user_id" text PRIMARY KEY NOT NULL,
	"preferences" text NOT NULL,
	"updated_at" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "users" (
	"id" text PRIMARY KEY NOT NULL,
	"username" text NOT NULL,
	"email" text NOT NULL,
	"password_hash" text NOT NULL,
	"role" text NOT NULL,
	"email_verified" boolean DEFAULT false NOT NULL,
	"mfa_enabled" boolean DEFAULT false NOT NULL,
	"mfa_secret" text,
	"mfa_pending_secret" text,
	"mfa_last_step" bigint,
	"created_at" bigint NOT NULL,
	"updated_at" bigint NOT NULL,
	CONSTRAINT "users_username_unique" UNIQUE("username"),
	CONSTRAINT "users_email_unique" UNIQUE("email")
);
--> statement-breakpoint
ALTER TABLE "conversation_messages" ADD CONSTRAINT "conversation_messages_conversation_id_conversations_id_fk" FOREIGN KEY ("conversation_id") REFERENCES "public"."conversations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "conversations" ADD CONSTRAINT "conversations_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "dataset_point_maps" ADD CONSTRAINT "dataset_point_maps_dataset_id_datasets_id_fk" FOREIGN KEY ("dataset_id") REFERENCES "public"."datasets"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "datasets" ADD CONSTRAINT "datasets_owner_id_users_id_fk" FOREIGN KEY ("owner_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "deployments" ADD CONSTRAINT "deployments_owner_id_users_id_fk" FOREIGN KEY ("owner_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "deployments" ADD CONSTRAINT "deployments_target_id_edge_targets_id_fk" FOREIGN KEY ("target_id") REFERENCES "public"."edge_targets"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "diagnoses" ADD CONSTRAINT "diagnoses_dataset_id_datasets_id_fk" FOREIGN KEY ("dataset_id") REFERENCES "public"."datasets"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "edge_alerts" ADD CONSTRAINT "edge_alerts_target_id_edge_targets_id_fk" FOREIGN KEY ("target_id") REFERENCES "public"."edge_targets"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "edge_ingest_batches" ADD CONSTRAINT "edge_ingest_batches_device_id_edge_targets_id_fk" FOREIGN KEY ("device_id") REFERENCES "public"."edge_targets"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "edge_ingest_state" ADD CONSTRAINT "edge_ingest_state_device_id_edge_targets_id_fk" FOREIGN KEY ("device_id") REFERENCES "public"."edge_targets"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "edge_pending_seqs" ADD CONSTRAINT "edge_pending_seqs_device_id_edge_targets_id_fk" FOREIGN KEY ("device_id") REFERENCES "public"."edge_targets"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "edge_scores" ADD CONSTRAINT "edge_scores_target_id_edge_targets_id_fk" FOREIGN KEY ("target_id") REFERENCES "public"."edge_targets"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "edge_targets" ADD CONSTRAINT "edge_targets_owner_id_users_id_fk" FOREIGN KEY ("owner_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "email_verifications" ADD CONSTRAINT "email_verifications_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "evaluations" ADD CONSTRAINT "evaluations_owner_id_users_id_fk" FOREIGN KEY ("owner_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "evaluations" ADD CONSTRAINT "evaluations_model_id_models_id_fk" FOREIGN KEY ("model_id") REFERENCES "public"."models"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "models" ADD CONSTRAINT "models_owner_id_users_id_fk" FOREIGN KEY ("owner_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "password_resets" ADD CONSTRAINT "password_resets_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "push_tickets" ADD CONSTRAINT "push_tickets_token_push_tokens_token_fk" FOREIGN KEY ("token") REFERENCES "public"."push_tokens"("token") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "push_tokens" ADD CONSTRAINT "push_tokens_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sessions" ADD CONSTRAINT "sessions_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "subscriptions" ADD CONSTRAINT "subscriptions_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "target_point_maps" ADD CONSTRAINT "target_point_maps_target_id_edge_targets_id_fk" FOREIGN KEY ("target_id") REFERENCES "public"."edge_targets"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "training_epochs" ADD CONSTRAINT "training_epochs_run_id_training_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."training_runs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "training_runs" ADD CONSTRAINT "training_runs_owner_id_users_id_fk" FOREIGN KEY ("owner_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "user_preferences" ADD CONSTRAINT "user_preferences_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "conversation_messages_conversation_idx" ON "conversation_messages" USING btree ("conversation_id","id");--> statement-breakpoint
CREATE INDEX "conversations_user_idx" ON "conversations" USING btree ("user_id","updated_at");--> statement-breakpoint
CREATE INDEX "datasets_owner_idx" ON "datasets" USING btree ("owner_id");--> statement-breakpoint
CREATE UNIQUE INDEX "datasets_source_ref_idx" ON "datasets" USING btree ("source","source_ref");--> statement-breakpoint
CREATE INDEX "deployments_owner_idx" ON "deployments" USING btree ("owner_id","created_at");--> statement-breakpoint
CREATE INDEX "deployments_target_idx" ON "deployments" USING btree ("target_id","created_at");--> statement-breakpoint
CREATE INDEX "deployments_status_idx" ON "deployments" USING btree ("status");--> statement-breakpoint
CREATE INDEX "diagnoses_dataset_idx" ON "diagnoses" USING btree ("dataset_id","created_at");--> statement-breakpoint
CREATE INDEX "edge_alerts_target_idx" ON "edge_alerts" USING btree ("target_id","raised_at");--> statement-breakpoint
CREATE UNIQUE INDEX "edge_alerts_agent_idx" ON "edge_alerts" USING btree ("target_id","agent_alert_id");--> statement-breakpoint
CREATE INDEX "edge_targets_owner_idx" ON "edge_targets" USING btree ("owner_id");--> statement-breakpoint
CREATE INDEX "evaluations_owner_idx" ON "evaluations" USING btree ("owner_id","created_at");--> statement-breakpoint
CREATE INDEX "evaluations_model_idx" ON "evaluations" USING btree ("model_id");--> statement-breakpoint
CREATE INDEX "models_owner_idx" ON "models" USING btree ("owner_id","created_at");--> statement-breakpoint
CREATE INDEX "password_resets_user_idx" ON "password_resets" USING btree ("user_id");--> statement-breakpoint
CREATE INDEX "push_tickets_sent_idx" ON "push_tickets" USING btree ("sent_at");--> statement-breakpoint
CREATE INDEX "push_tokens_user_idx" ON "push_tokens" USING btree ("user_id");--> statement-breakpoint
CREATE INDEX "sessions_user_idx" ON "sessions" USING btree ("user_id");--> statement-breakpoint
CREATE INDEX "stripe_events_object_idx" ON "stripe_events" USING btree ("object_id","created");--> statement-breakpoint
CREATE INDEX "training_runs_owner_idx" ON "training_runs" USING btree ("owner_id","created_at");--> statement-breakpoint
CREATE INDEX "training_runs_status_idx" ON "training_runs" USING btree ("status","created_at");--> statement-breakpoint
CREATE INDEX "training_runs_dataset_idx" ON "training_runs" USING btree ("dataset_id");