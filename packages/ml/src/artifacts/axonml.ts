import type { Architecture, Hyperparameters } from '../hyperparameters.js';
import type { LinearStage } from '../model/linear-stage.js';

// The original platform's .axonml file (docs/axonml-format.md), little-endian:
//   "AXONML" | u8 version=1 | u32 H | header JSON (H bytes) | u32 W | weights JSON (W bytes)

const MAGIC = 'AXONML';
const VERSION = 1;

export interface AxonmlHeader {
  architecture: Architecture;
  input_features: number;
  num_parameters: number;
  quantized: boolean;
  quant_bits: number;
}

export type AxonmlHyperparameters = Pick<Hyperparameters, 'learning_rate' | 'epochs' | 'batch_size' | 'sequence_length' | 'hidden_dim' | 'num_layers' | 'dropout' | 'weight_decay' | 'early_stopping_patience' | 'val_check_interval'>;

export interface AxonmlModel {
  header: AxonmlHeader;
  architecture: Architecture;
  input_features: number;
  hyperparameters: AxonmlHyperparameters;
  /** Flat PyTorch-order float32 weights. */
  weights: Float32Array;
  norm_means: number[];
  norm_stds: number[];
  anomaly_threshold: number;
  /** Autoencoder with a linear stage: its frozen PCA stage (an addition after anomaly_threshold); null in files without one. */
  linear_stage: LinearStage | null;
}

const HP_KEYS = ['learning_rate', 'epochs', 'batch_size', 'sequence_length', 'hidden_dim', 'num_layers', 'dropout', 'weight_decay', 'early_stopping_patience', 'val_check_interval'] as const;

/** Shortest decimal that reads back as the same float32 (what a float32 JSON writer emits). */
export function float32Text(v: number): string {
  if (!Number.isFinite(v)) throw new Error(`.axonml cannot store ${v}`);
  for (let p = 1; p < 10; p++) {
    const s = v.toPrecision(p);
    if (Math.fround(Number(s)) === v) return String(Number(s));
  }
  return String(v);
}

export interface AxonmlInput {
  architecture: Architecture;
  input_features: number;
  hyperparameters: AxonmlHyperparameters;
  weights: Float32Array;
  norm_means: number[];
  norm_stds: number[];
  anomaly_threshold: number;
  /** When set, `weights` are int8-grid values (dequantized) and the header says so. */
  quantized?: boolean;
  /** Written only when set: files of models without a linear stage keep the original layout byte for byte. */
  linear_stage?: LinearStage | null;
}

export function encodeAxonml(m: AxonmlInput): Uint8Array {
  const header: AxonmlHeader = { architecture: m.architecture, input_features: m.input_features, num_parameters: m.weights.length, quantized: m.quantized ?? false, quant_bits: m.quantized ? 8 : 32 };
  const hp = Object.fromEntries(HP_KEYS.map((k) => [k, m.hyperparameters[k]]));
  // Built by hand for the weights array only: float32 text, not the float64 expansion JSON.stringify gives.
  const weightsJson = `{"architecture":${JSON.stringify(m.architecture)},"input_features":${m.input_features},"hyperparameters":${JSON.stringify(hp)},"weights":[${Array.from(m.weights, float32Text).join(',')}],"norm_means":${JSON.stringify(m.norm_means)},"norm_stds":${JSON.stringify(m.norm_stds)},"anomaly_threshold":${JSON.stringify(m.anomaly_threshold)}${m.linear_stage ? `,"linear_stage":${JSON.stringify(m.linear_stage)}` : ''}}`;
  const enc = new TextEncoder();
  const h = enc.encode(JSON.stringify(header));
  const w = enc.encode(weightsJson);
  const out = new Uint8Array(6 + 1 + 4 + h.length + 4 + w.length);
  const view = new DataView(out.buffer);
  out.set(enc.encode(MAGIC), 0);
  view.setUint8(6, VERSION);
  view.setUint32(7, h.length, true);
  out.set(h, 11);
  view.setUint32(11 + h.length, w.length, true);
  out.set(w, 15 + h.length);
  return out;
}

export function decodeAxonml(bytes: Uint8Array): AxonmlModel {
  const dec = new TextDecoder('utf-8', { fatal: true });
  if (bytes.length < 15 || dec.decode(bytes.subarray(0, 6)) !== MAGIC) throw new Error('.axonml: bad magic');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint8(6);
  if (version !== VERSION) throw new Error(`.axonml: unsupported version ${version}`);
  const h = view.getUint32(7, true);
  if (11 + h + 4 > bytes.length) throw new Error('.axonml: truncated header');
  const header = JSON.parse(dec.decode(bytes.subarray(11, 11 + h))) as AxonmlHeader;
  const w = view.getUint32(11 + h, true);
  if (15 + h + w > bytes.length) throw new Error('.axonml: truncated weights');
  const body = JSON.parse(dec.decode(bytes.subarray(15 + h, 15 + h + w))) as Omit<AxonmlModel, 'header' | 'weights' | 'linear_stage'> & { weights: number[]; linear_stage?: LinearStage | null };
  if (body.weights.length !== header.num_parameters) throw new Error(`.axonml: header says ${header.num_parameters} parameters, weights hold ${body.weights.length}`);
  return { ...body, header, weights: Float32Array.from(body.weights), linear_stage: body.linear_stage ?? null };
}
