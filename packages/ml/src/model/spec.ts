import type { Architecture, Hyperparameters } from '../hyperparameters.js';
import type { LinearStage } from './linear-stage.js';

/** Everything that fixes a model's shape; drives building, weight export, ONNX export. */
export interface ModelSpec {
  architecture: Architecture;
  inputFeatures: number;
  sequenceLength: number;
  hidden: number;
  layers: number;
  bottleneck: number;
  dropout: number;
  /** Autoencoder: the frozen linear stage (linear-stage.ts); null/absent = the plain LSTM autoencoder (older models). */
  linear?: LinearStage | null;
}

/** `linear`: a trained model's `metadata.linear_stage` (null or absent for models without one). */
export function modelSpec(architecture: Architecture, inputFeatures: number, hp: Hyperparameters, linear: LinearStage | null = null): ModelSpec {
  return { architecture, inputFeatures, sequenceLength: hp.sequence_length, hidden: hp.hidden_dim, layers: hp.num_layers, bottleneck: hp.bottleneck_dim, dropout: hp.dropout, linear: architecture === 'lstm_autoencoder' ? linear : null };
}

/** One PyTorch parameter tensor: its name in the flat order and its shape ([out, in] for Linear). */
export interface TorchTensor {
  name: string;
  shape: number[];
}

/** Named groups of parameters in PyTorch order (the order of the .axonml flat weights). */
export type TorchGroup =
  | { kind: 'lstm' | 'gru'; name: string; inFeatures: number; hidden: number }
  | { kind: 'linear'; name: string; inFeatures: number; outFeatures: number };

export function torchGroups(spec: ModelSpec): TorchGroup[] {
  const { inputFeatures: f, hidden: h, layers: L } = spec;
  const rnn = (kind: 'lstm' | 'gru', prefix: string, first: number): TorchGroup[] =>
    Array.from({ length: L }, (_, l) => ({ kind, name: `${prefix}_${l}`, inFeatures: l === 0 ? first : h, hidden: h }));
  switch (spec.architecture) {
    case 'lstm_autoencoder':
      return [
        ...rnn('lstm', 'encoder', f),
        { kind: 'linear', name: 'bottleneck', inFeatures: h, outFeatures: spec.bottleneck },
        { kind: 'linear', name: 'expand', inFeatures: spec.bottleneck, outFeatures: h },
        ...rnn('lstm', 'decoder', h),
        { kind: 'linear', name: 'output', inFeatures: h, outFeatures: f },
      ];
    case 'gru_predictor':
      return [...rnn('gru', 'gru', f), { kind: 'linear', name: 'head', inFeatures: h, outFeatures: h }, { kind: 'linear', name: 'output', inFeatures: h, outFeatures: 3 }];
    case 'sentinel':
      return [
        { kind: 'linear', name: 'fc1', inFeatures: f, outFeatures: 128 },
        { kind: 'linear', name: 'fc2', inFeatures: 128, outFeatures: 64 },
        { kind: 'linear', name: 'output', inFeatures: 64, outFeatures: 1 },
      ];
  }
}

/** PyTorch tensors of a group, in flat order. */
export function torchTensors(group: TorchGroup): TorchTensor[] {
  if (group.kind === 'linear') return [{ name: `${group.name}.weight`, shape: [group.outFeatures, group.inFeatures] }, { name: `${group.name}.bias`, shape: [group.outFeatures] }];
  const g = (group.kind === 'lstm' ? 4 : 3) * group.hidden;
  return [
    { name: `${group.name}.weight_ih`, shape: [g, group.inFeatures] },
    { name: `${group.name}.weight_hh`, shape: [g, group.hidden] },
    { name: `${group.name}.bias_ih`, shape: [g] },
    { name: `${group.name}.bias_hh`, shape: [g] },
  ];
}

export function parameterCount(spec: ModelSpec): number {
  return torchGroups(spec).flatMap(torchTensors).reduce((n, t) => n + t.shape.reduce((a, b) => a * b, 1), 0);
}
