import type { DeploymentDetail, DeploymentSummary, EdgeAlert } from '@prometheus/protocol';
import { isoTime } from '../../ids.js';
import { normalizeArch } from './arch.js';
import { executableSize } from './binary.js';
import type { AlertRow, DeploymentRow } from './repo.js';
import { toPromotion } from './shadow.js';

const iso = (t: Date | null) => (t ? isoTime(t) : null);

export function toDeploymentSummary(row: DeploymentRow, buildDir: string): DeploymentSummary {
  return {
    id: row.id, model_id: row.modelId, target_ip: row.targetIp, target_name: row.targetName, target_arch: row.targetArch, status: row.status,
    binary_size_bytes: executableSize(buildDir, normalizeArch(row.targetArch)),
    deployed_at: iso(row.deployedAt), deployed_by: row.deployedBy, kind: row.kind, agent_version: row.agentVersion, target_id: row.targetId, model_version: row.modelVersion,
    status_detail: row.statusDetail, error: row.error, created_at: isoTime(row.createdAt), mode: row.mode,
  };
}

export function toDeploymentDetail(row: DeploymentRow, buildDir: string, targetOnline: boolean): DeploymentDetail {
  return {
    ...toDeploymentSummary(row, buildDir),
    package: row.packageSha256 && row.packageSize !== null ? { size_bytes: row.packageSize, sha256: row.packageSha256, quantized: row.quantized } : null,
    transfer: row.packageSize !== null ? { bytes_acked: row.bytesAcked, bytes_total: row.packageSize, target_online: targetOnline } : null,
    alerts: row.alertPolicy,
    health: row.healthScore !== null && row.healthExpected !== null ? { score: row.healthScore, expected: row.healthExpected, runtime: row.healthRuntime ?? 'unknown' } : null,
    steps: row.steps.map((s) => ({ status: s.status, at: isoTime(s.at), detail: s.detail })),
    rules: row.rules ? { inputs: row.rules.points.map((p) => p.input), points: row.rules.points.length, settings: row.rules.settings } : null,
    promotion: toPromotion(row),
  };
}

export function toEdgeAlert(row: AlertRow): EdgeAlert {
  return {
    id: row.id, target_id: row.targetId, deployment_id: row.deploymentId, model_id: row.modelId, state: row.state,
    raised_at: isoTime(row.raisedAt), cleared_at: iso(row.clearedAt),
    peak_score: row.kind === 'rule' ? null : row.peakScore, threshold: row.kind === 'rule' ? null : row.threshold,
    message: row.message, received_at: isoTime(row.receivedAt), kind: row.kind,
    rule: row.kind === 'rule' && row.rule ? { ...row.rule, since: isoTime(new Date(row.rule.since)) } : null,
    drift: row.kind === 'drift' && row.drift ? { features: row.drift.features, hour_start: isoTime(new Date(row.drift.hourStart)), threshold: row.drift.threshold } : null,
  };
}
