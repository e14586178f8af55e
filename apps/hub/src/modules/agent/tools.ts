import type { ChatCompletionFunctionTool } from 'openai/resources/chat/completions';
import { Architecture, Hyperparameters, type TrainingPlan } from '@prometheus/protocol';
import { z } from 'zod';
import type { Actor } from '../../access.js';
import type { DatasetsService } from '../datasets/datasets-service.js';
import { analyzeData } from './analysis.js';

// The tools the language model may call. Each runs against the caller's own data through the datasets
// service (so another user's dataset is "not found", as over HTTP), and answers JSON the model reads.
export type AgentDatasets = Pick<DatasetsService, 'list' | 'get' | 'recommend' | 'loadForTraining'>;

const DatasetArgs = z.object({ dataset_id: z.string().min(1) });
const PlanArgs = z.object({ dataset_id: z.string().min(1), architecture: Architecture, hyperparameters: Hyperparameters.partial().optional() });

const datasetId = { dataset_id: { type: 'string', description: 'Dataset id (ds_…), from list_datasets' } };
const fn = (name: string, description: string, properties: Record<string, unknown>, required: string[]): ChatCompletionFunctionTool => ({
  type: 'function', function: { name, description, parameters: { type: 'object', properties, required, additionalProperties: false } },
});

export const TOOL_DEFINITIONS: ChatCompletionFunctionTool[] = [
  fn('list_datasets', "The user's datasets: id, name, equipment type, row count, columns.", {}, []),
  fn('dataset_stats', 'Statistics of one dataset: rows, columns, per-column min/max/mean/std, missing values, anomalies, time range, daily cycle.', datasetId, ['dataset_id']),
  fn('recommend_architecture', 'Architectures ranked for one dataset, with match scores, reasons and hyperparameters sized to the data.', datasetId, ['dataset_id']),
  fn('draft_training_plan', 'Draft a training plan the user can start: the architecture and hyperparameters (missing ones come from the recommendation).', {
    ...datasetId,
    architecture: { type: 'string', enum: Architecture.options },
    hyperparameters: { type: 'object', description: 'Any of learning_rate, batch_size, epochs, hidden_dim, bottleneck_dim, num_layers, sequence_length, dropout, optimizer (adam|adamw|sgd), loss (mse|bce)' },
  }, ['dataset_id', 'architecture']),
];

export function createToolbox(datasets: AgentDatasets, actor: Actor) {
  let plan: TrainingPlan | null = null;
  const datasetIds = new Set<string>();

  async function stats(id: string) {
    const [detail, data, recs] = await Promise.all([datasets.get(id, actor), datasets.loadForTraining(id, actor), datasets.recommend(id, actor)]);
    const facts = analyzeData(data, recs);
    return {
      id: detail.id, name: detail.name, equipment_type: detail.equipment_type, row_count: detail.row_count, columns: detail.columns,
      time_range: detail.time_range, is_validated: detail.is_validated, column_stats: detail.column_stats,
      missing: Object.fromEntries(facts.columns.map((c) => [c.column, c.missing])),
      anomalies: Object.fromEntries(facts.columns.map((c) => [c.column, c.anomalies])),
      data_quality: facts.analysis.data_quality, daily_cycle: facts.analysis.seasonality,
    };
  }

  async function draft(args: z.infer<typeof PlanArgs>): Promise<TrainingPlan> {
    const recs = await datasets.recommend(args.dataset_id, actor);
    const base = recs.find((r) => r.architecture === args.architecture) ?? recs[0]!;
    const hyperparameters = Hyperparameters.parse({ ...base.hyperparameters, ...(args.hyperparameters ?? {}) });
    plan = { architecture: args.architecture, dataset_id: args.dataset_id, hyperparameters };
    return plan;
  }

  const run: Record<string, (args: unknown) => Promise<unknown>> = {
    list_datasets: async () => (await datasets.list(actor)).map((d) => ({ id: d.id, name: d.name, equipment_type: d.equipment_type, row_count: d.row_count, columns: d.columns })),
    dataset_stats: async (a) => stats(DatasetArgs.parse(a).dataset_id),
    recommend_architecture: async (a) => (await datasets.recommend(DatasetArgs.parse(a).dataset_id, actor)).map((r) => ({
      architecture: r.architecture, match_score: r.match_score, use_case: r.use_case, reasons: r.reasons, hyperparameters: r.hyperparameters,
    })),
    draft_training_plan: async (a) => draft(PlanArgs.parse(a)),
  };

  return {
    /** Runs one call; a bad call answers `{error}` for the model to read rather than failing the chat. */
    async execute(name: string, rawArguments: string): Promise<string> {
      const tool = run[name];
      if (!tool) return JSON.stringify({ error: `unknown tool '${name}'` });
      try {
        const args: unknown = rawArguments.trim() === '' ? {} : JSON.parse(rawArguments);
        const result = JSON.stringify(await tool(args));
        const id = (args as { dataset_id?: unknown }).dataset_id;
        if (typeof id === 'string') datasetIds.add(id);
        return result;
      } catch (err) {
        return JSON.stringify({ error: err instanceof z.ZodError ? `bad arguments: ${err.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; ')}` : (err as Error).message });
      }
    },
    /** The plan drafted in this exchange, if any. */
    plan: () => plan,
    /** The last dataset the model looked at, so a follow-up question may leave it implicit. */
    lastDatasetId: () => [...datasetIds].at(-1) ?? null,
  };
}

export type Toolbox = ReturnType<typeof createToolbox>;
