import { AfddSettingsError, applicableRules, parseAfddSettings, pointReader, type AfddSettings, type PointRole } from '@prometheus/afdd';
import type { DeploymentCreateRequest } from '@prometheus/protocol';
import type { DeploymentRules } from '../../db/schema/index.js';
import { AppError } from '../../errors.js';

// The Guideline 36 rules a deployment carries to the agent: the target's point map (the mapped points only: sensor
// name, AFDD input, unit) and the full settings, so the agent runs exactly what the hub validated here.

type RulesRequest = DeploymentCreateRequest['rules'];

/** The request's overrides over the Guideline defaults; 400 naming the field. */
export function ruleSettings(request: RulesRequest): AfddSettings {
  try {
    return parseAfddSettings(request?.settings);
  } catch (err) {
    if (!(err instanceof AfddSettingsError)) throw err;
    const problems = err.errors.map((e) => `'rules.settings${e.field ? `.${e.field}` : ''}' ${e.message}`);
    throw new AppError('VALIDATION_ERROR', `Invalid request body: ${problems[0]}`, { details: problems.join('; ') });
  }
}

/**
 * The rules section for a target with this point map, or null when the rules stay off: by default they run
 * when the map lets at least one rule run; asked for explicitly (or deployed alone) without one, 400 saying why.
 */
export function deploymentRules(points: readonly PointRole[], request: RulesRequest, settings: AfddSettings, rulesOnly: boolean): DeploymentRules | null {
  if (request?.enabled === false) return null;
  const mapped = points.filter((p) => p.input !== null);
  const { rules, skipped } = applicableRules(pointReader(mapped).inputs);
  if (rules.length === 0) {
    if (!request && !rulesOnly) return null;
    const why = mapped.length === 0
      ? 'the target\'s point map gives no sensor an AFDD input (PUT /api/v1/deployments/targets/:id/points)'
      : skipped.map((s) => `${s.fault_condition}: ${s.reason}`).join('; ');
    throw new AppError('BAD_REQUEST', 'Invalid request body: \'rules\' cannot run on the target\'s point map', { details: why });
  }
  return {
    points: mapped.map((p) => ({ column: p.column, input: p.input as string, unit: p.unit })),
    settings: { ...settings },
  };
}
