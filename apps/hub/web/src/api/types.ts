import type { z } from 'zod';
import type {
  AdminUser, EvaluationDetail, EvaluationSummary, MfaSetupResponse, ModelCompareResponse, ModelDetail, ModelSummary,
  ProfileResponse, SubscriptionResponse, TrainingRunDetail, TrainingRunSummary, UsageResponse,
} from '@prometheus/protocol';

// Response types of the protocol that it exports as schemas only.
export type Profile = z.infer<typeof ProfileResponse>;
export type MfaSetup = z.infer<typeof MfaSetupResponse>;
export type { AdminUser, EvaluationDetail, EvaluationSummary, ModelCompareResponse, ModelDetail, ModelSummary, SubscriptionResponse, TrainingRunDetail, TrainingRunSummary, UsageResponse };
