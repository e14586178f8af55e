import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { ModelMetadata } from '../src/index.js';
import type { OperatingEnvelope, PcaBaseline } from '../src/index.js';
import { fitPcaBaseline, learnEnvelope, pcaBaselineScores, percentile, persistScores, rocAuc, windowOutsideEnvelope } from '../src/index.js';
import { scoreTable } from '../src/model/score-table.js';
import type { DayTable } from './lbnl.js';
import { filledColumns, loadLbnlCsv, selectDays, uniqueDays } from './lbnl.js';

// Where a model trained through the hub (apps/hub/scripts/lbnl-run.ts saves it) wins or loses against the PCA
// baseline, on the same windows the hub's evaluation scores (days cut at gaps, stride 1, labels from the fault
// list): per day, per feature, and with the score's persistence (trailing 60-minute mean) or without.
//   node --import tsx packages/ml/scripts/lbnl-diagnose.ts SZVAV /tmp/szvav-model.json

interface SavedModel { metadata: ModelMetadata; weights: number[]; train_days: string[] }

const isoDay = (mdy: string) => {
  const [m, d, y] = mdy.split('/').map(Number) as [number, number, number];
  return `${y < 100 ? 2000 + y : y}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
};

function faultDays(name: string): Set<string> {
  const path = fileURLToPath(new URL(`../../../test/fixtures/lbnl/${name}-faults.csv`, import.meta.url));
  const lines = readFileSync(path, 'utf8').split(/\r?\n/).slice(1).filter((l) => l.trim());
  return new Set(lines.map((l) => isoDay(l.split(',').at(-1)!.trim())));
}

/** Row ranges without a gap over five sampling intervals (as the hub's evaluation cuts). */
function segments(ts: ArrayLike<number>): [number, number][] {
  const out: [number, number][] = [];
  let a = 0;
  for (let i = 1; i <= ts.length; i++) {
    if (i < ts.length && (ts[i] as number) - (ts[i - 1] as number) <= 5 * 60_000) continue;
    out.push([a, i]);
    a = i;
  }
  return out;
}

interface Windows { day: string[]; label: number[]; raw: number[]; smooth: number[]; pca: number[]; feat: Float32Array[]; oat: number[]; ends: number[]; out: boolean[] }

async function scoreDays(model: SavedModel, table: DayTable, faults: Set<string>, pca: PcaBaseline, oatCol: number, envelope: OperatingEnvelope | null): Promise<Windows> {
  const m = model.metadata;
  const w: Windows = { day: [], label: [], raw: [], smooth: [], pca: [], feat: [], oat: [], ends: [], out: [] };
  const F = m.feature_columns.length;
  for (const [a, b] of segments(table.timestamps)) {
    if (b - a < m.sequence_length) continue;
    const idx = Array.from({ length: b - a }, (_, k) => a + k);
    const seg: DayTable = { columns: table.columns, timestamps: idx.map((i) => table.timestamps[i] as number), values: table.values.map((v) => Float64Array.from(idx, (i) => v[i]!)), days: idx.map((i) => table.days[i]!) };
    const s = await scoreTable({ metadata: m, weights: Float32Array.from(model.weights) }, seg, { labelColumn: null });
    const cols = filledColumns(seg, m.feature_columns, m.norm_means);
    const rows = seg.days.map((_, r) => cols.map((c) => c[r] as number));
    const p = pcaBaselineScores(pca, seg);
    for (let k = 0; k < s.scores.length; k++) {
      const end = k + m.sequence_length - 1;
      const day = seg.days[end]!;
      w.day.push(day); w.label.push(faults.has(day) ? 1 : 0); w.raw.push(s.scores[k]!); w.pca.push(p[end]!); w.ends.push(seg.timestamps[end]!);
      w.out.push(windowOutsideEnvelope(envelope, m.feature_columns, rows.slice(k, end + 1)) !== null);
      w.feat.push(s.windowFeatureErrors!.slice(k * F, (k + 1) * F)); w.oat.push(seg.values[oatCol]![end]!);
    }
  }
  // The product's persistence (time-based, across the whole evaluation), as the hub applies it.
  w.smooth = Array.from(persistScores(w.ends, w.raw, 60));
  return w;
}

const f3 = (x: number | null) => (x === null ? 'n/a' : x.toFixed(3));

function dayAuc(w: Windows, day: string, key: 'raw' | 'smooth' | 'pca'): number | null {
  const idx = w.day.flatMap((d, i) => (d === day || w.label[i] === 0 ? [i] : []));
  return rocAuc(idx.map((i) => w[key][i]!), idx.map((i) => (w.day[i] === day ? 1 : 0)));
}

const [name = 'SZVAV', modelPath = '/tmp/model.json'] = process.argv.slice(2);
const model = JSON.parse(readFileSync(modelPath, 'utf8')) as SavedModel;
const all = loadLbnlCsv(fileURLToPath(new URL(`../../../test/fixtures/lbnl/${name}.csv`, import.meta.url)));
// The hub keeps headers as written (some end in spaces); this loader trims them.
all.columns = all.columns.map((c) => model.metadata.feature_columns.find((f) => f.trim() === c) ?? c);
const trainDays = model.train_days.map(isoDay);
const faults = faultDays(name);
const train = selectDays(all, trainDays);
const features = model.metadata.feature_columns;
// The evaluation's baseline (packages/ml/src/baseline): the model's training rows, its split, 60-minute mean.
const pca = fitPcaBaseline(train, model.metadata);
const oatCol = all.columns.findIndex((c) => /outdoor air temp/i.test(c));
const testDays = uniqueDays(all).filter((d) => !trainDays.includes(d));
// The envelope the hub records (training/conditions.ts finds the same two columns by name).
const conditions = { ranges: features.filter((f) => /outdoor air temp/i.test(f)), modes: features.filter((f) => /occupancy/i.test(f)) };
const envelope = learnEnvelope(train, features, conditions);
const w = await scoreDays(model, selectDays(all, testDays), faults, pca, oatCol, envelope);
// The validation rows: the latest 20% of the training rows (the hub's default split).
const split = Math.floor(train.timestamps.length * 0.8);
const valTable: DayTable = { ...train, timestamps: train.timestamps.slice(split), values: train.values.map((v) => v.slice(split)), days: train.days.slice(split) };
const v = await scoreDays(model, valTable, new Set(), pca, oatCol, null);
console.log(`${name}: ${features.length} features, PCA ${pca.pca.components.length} components, ${w.raw.length} test windows; threshold ${model.metadata.threshold.toFixed(4)}`);
console.log(`window AUC, all windows: AE raw ${f3(rocAuc(w.raw, w.label))}, AE 60-min persistence ${f3(rocAuc(w.smooth, w.label))}, PCA ${f3(rocAuc(w.pca, w.label))}`);
{
  const keep = w.out.flatMap((o, i) => (o ? [] : [i]));
  const persisted = persistScores(w.ends, w.raw, 60, w.out);
  const pick = (x: ArrayLike<number>) => keep.map((i) => x[i] as number);
  const y = pick(w.label);
  console.log(`envelope ${JSON.stringify(envelope)}`);
  console.log(`in-range windows ${keep.length} of ${w.raw.length} (${y.filter((l) => l).length} faulty): AE raw ${f3(rocAuc(pick(w.raw), y))}, AE persistence ${f3(rocAuc(pick(persisted), y))}, PCA ${f3(rocAuc(pick(w.pca), y))}`);
  for (const day of testDays) {
    const n = w.day.filter((d, i) => d === day && w.out[i]).length;
    if (n > 0) console.log(`  ${day}: ${n} windows out of range`);
  }
}
const oatTrain = train.values[oatCol]!.filter(Number.isFinite);
console.log(`training OAT ${Math.min(...oatTrain).toFixed(1)}-${Math.max(...oatTrain).toFixed(1)}`);
const vMed = percentile(v.raw, 50);
const pMed = percentile(v.pca, 50);
console.log(`validation: AE raw median ${vMed.toFixed(4)} p99 ${percentile(v.raw, 99).toFixed(4)}; PCA median ${pMed.toFixed(4)} p99 ${percentile(v.pca, 99).toFixed(4)}`);
console.log('| day | label | OAT range | AE raw median / val median | AE 60-min mean / val | PCA mean / val | day AUC raw | 60-min | PCA | top features (share of the day\'s error) |');
for (const day of testDays) {
  const idx = w.day.flatMap((d, i) => (d === day ? [i] : []));
  if (idx.length === 0) continue;
  const oat = idx.map((i) => w.oat[i]!).filter(Number.isFinite);
  const tot = new Float64Array(features.length);
  for (const i of idx) w.feat[i]!.forEach((e, f) => (tot[f] = tot[f]! + e));
  const sum = tot.reduce((s, x) => s + x, 0);
  const top = [...tot].map((x, f) => [x / sum, f] as const).sort((a, b) => b[0] - a[0]).slice(0, 3)
    .map(([share, f]) => `${features[f]!.replace(/^AHU: /, '')} ${(share * 100).toFixed(0)}%`).join(', ');
  const mean = (k: 'smooth' | 'pca') => idx.reduce((s, i) => s + w[k][i]!, 0) / idx.length;
  const lab = w.label[idx[0]!]!;
  console.log(`| ${day} | ${lab} | ${Math.min(...oat).toFixed(0)}-${Math.max(...oat).toFixed(0)} | ${(percentile(idx.map((i) => w.raw[i]!), 50) / vMed).toFixed(2)} | ${(mean('smooth') / vMed).toFixed(2)} | ${(mean('pca') / pMed).toFixed(2)} | ${lab ? f3(dayAuc(w, day, 'raw')) : ''} | ${lab ? f3(dayAuc(w, day, 'smooth')) : ''} | ${lab ? f3(dayAuc(w, day, 'pca')) : ''} | ${top} |`);
}
const vt = new Float64Array(features.length);
for (const e of v.feat) e.forEach((x, f) => (vt[f] = vt[f]! + x / v.feat.length));
console.log(`validation per-feature mean error: ${features.map((c, f) => `${c.replace(/^AHU: /, '')} ${vt[f]!.toFixed(3)}`).join('; ')}`);
