import { AFDD_INPUTS, BRICK_POINT_CLASSES, INPUT_UNITS, POINT_UNITS, type AfddInput } from '@prometheus/afdd';
import type { PointMap, PointRole } from '@prometheus/protocol';
import { useEffect, useMemo, useState } from 'preact/hooks';
import { download, put } from '../../api/client.js';
import { useAction, useApi } from '../../ui/hooks.js';
import { Async, Badge, Button, Card, ErrorNote, Note } from '../../ui/kit.js';
import { fieldKey, pointFieldErrors, type FieldErrors, type PointField } from './field-errors.js';

// The point map of a dataset or an edge target: what each column is (Brick class, the AFDD input the rules read
// it as, its unit), suggested by the hub until someone confirms it with PUT. The hub is the judge of a map: its
// 400 names each bad field and the message stands beside that field.
const BRICK_CLASSES = [...BRICK_POINT_CLASSES].sort();
const UNIT_TEXT: Record<string, string> = {
  F: '°F', C: '°C', fraction: '0-1', percent: '0-100 %', inH2O: 'in. w.c.', Pa: 'Pa', binary: 'on/off', cfm: 'cfm', 'L/s': 'L/s',
};

/** Units an input takes (all units for a column without an input), the current one kept so it is visible. */
function unitsFor(input: AfddInput | null, current: string | null): string[] {
  const allowed: readonly string[] = input ? INPUT_UNITS[input] : POINT_UNITS;
  return current && !allowed.includes(current) ? [...allowed, current] : [...allowed];
}

/** A new input keeps the unit when it fits, else takes the input's first (canonical) unit. */
function withInput(p: PointRole, input: AfddInput | null): PointRole {
  const fits = input === null || p.unit === null || (INPUT_UNITS[input] as readonly string[]).includes(p.unit);
  return { ...p, input, unit: fits ? p.unit : (INPUT_UNITS[input][0] ?? null) };
}

/** `base`: `/api/v1/datasets/:id/points` or `/api/v1/deployments/targets/:id/points`. */
export function PointMapCard({ base, name }: { base: string; name: string }) {
  const map = useApi<PointMap>(base);
  return (
    <Card title="Point map" class="point-map">
      <Async state={map} what="Loading the point map">{(m) => <PointMapEditor base={base} name={name} map={m} onSaved={map.set} />}</Async>
    </Card>
  );
}

function PointMapEditor({ base, name, map, onSaved }: { base: string; name: string; map: PointMap; onSaved(m: PointMap): void }) {
  const [rows, setRows] = useState<PointRole[]>(map.points);
  const [dirty, setDirty] = useState(false);
  const [saved, setSaved] = useState(false);
  useEffect(() => {
    setRows(map.points);
    setDirty(false);
  }, [map]);
  const confirm = useAction(async () => {
    const next = await put<PointMap>(base, { points: rows });
    onSaved(next);
    setSaved(true);
  });
  const ttlName = `${name.replace(/[^A-Za-z0-9._-]+/g, '_') || 'points'}.ttl`;
  const turtle = useAction(() => download(`${base}?format=ttl`, ttlName));
  const { fields, rest } = useMemo(() => pointFieldErrors(confirm.error), [confirm.error]);
  const edit = (i: number, next: PointRole) => {
    setRows(rows.map((r, j) => (j === i ? next : r)));
    setDirty(true);
    setSaved(false);
    confirm.clear();
  };
  const mapped = rows.filter((r) => r.input).length;
  return (
    <>
      <div class="card-head">
        <span>
          {map.confirmed && !dirty ? <Badge tone="ok">confirmed</Badge> : <Badge tone="warn">{dirty ? 'edited, not confirmed' : 'suggested by the hub'}</Badge>}
          {' '}<span class="muted">{rows.length} columns · {mapped} read by the rules</span>
        </span>
        <span class="actions">
          {/* `download` keeps the router off the link; the click fetches with the bearer token, which a plain link cannot carry. */}
          <a href={`${base}?format=ttl`} download={ttlName} data-testid="turtle" onClick={(e) => { e.preventDefault(); void turtle.run(); }}>Download Brick (Turtle)</a>
          <Button class="primary" busy={confirm.busy} disabled={rows.length === 0} onClick={() => void confirm.run()}>
            {map.confirmed && !dirty ? 'Confirm again' : 'Confirm map'}
          </Button>
        </span>
      </div>
      {!map.confirmed && !dirty ? <Note>Suggested from the column names and values. Check each role, then confirm: the rules read the confirmed map.</Note> : null}
      {saved && !dirty ? <Note kind="ok">Point map confirmed.</Note> : null}
      {fields.size > 0 ? <div class="alert error" role="alert"><strong>The hub did not accept the map</strong><div>The problems are shown beside each field.</div></div> : null}
      <ErrorNote error={rest ?? turtle.error} />
      {rows.length === 0 ? <p class="muted">No columns yet: sensors appear here once readings arrive.</p> : (
        <div class="table-wrap" style={{ maxHeight: '560px' }}>
          <table class="point-map-table" data-testid="point-map">
            <thead><tr><th>Column</th><th>Brick class</th><th>AFDD input</th><th>Unit</th></tr></thead>
            <tbody>{rows.map((p, i) => <PointRow key={p.column} index={i} p={p} errors={fields} onChange={(next) => edit(i, next)} />)}</tbody>
          </table>
        </div>
      )}
      <datalist id="brick-classes">{BRICK_CLASSES.map((c) => <option key={c} value={c} />)}</datalist>
    </>
  );
}

function FieldError({ errors, index, field }: { errors: FieldErrors; index: number; field: PointField }) {
  const message = errors.get(fieldKey(index, field));
  // `points.0 ('SAT')` reads as the column's name.
  return message ? <small class="field-error" role="alert" data-field={field}>{message.replace(/points\.\d+ \(('[^']*')\)/g, '$1')}</small> : null;
}

function PointRow({ index, p, errors, onChange }: { index: number; p: PointRole; errors: FieldErrors; onChange(p: PointRole): void }) {
  const bad = (field: PointField) => (errors.has(fieldKey(index, field)) ? 'invalid' : undefined);
  return (
    <tr data-column={p.column}>
      <th scope="row">{p.column}<FieldError errors={errors} index={index} field="column" /></th>
      <td data-label="Brick class">
        <input name="brick_class" list="brick-classes" class={bad('brick_class')} value={p.brick_class ?? ''} placeholder="none" aria-label={`Brick class of ${p.column}`}
          onChange={(e) => onChange({ ...p, brick_class: e.currentTarget.value.trim() || null })} />
        <FieldError errors={errors} index={index} field="brick_class" />
      </td>
      <td data-label="AFDD input">
        <select name="input" class={bad('input')} value={p.input ?? ''} aria-label={`AFDD input of ${p.column}`}
          onChange={(e) => onChange(withInput(p, (e.currentTarget.value || null) as AfddInput | null))}>
          <option value="">—</option>
          {AFDD_INPUTS.map((i) => <option key={i} value={i}>{i}</option>)}
        </select>
        <FieldError errors={errors} index={index} field="input" />
      </td>
      <td data-label="Unit">
        <select name="unit" class={bad('unit')} value={p.unit ?? ''} aria-label={`Unit of ${p.column}`}
          onChange={(e) => onChange({ ...p, unit: (e.currentTarget.value || null) as PointRole['unit'] })}>
          <option value="">—</option>
          {unitsFor(p.input, p.unit).map((u) => <option key={u} value={u}>{UNIT_TEXT[u] ?? u}</option>)}
        </select>
        <FieldError errors={errors} index={index} field="unit" />
      </td>
    </tr>
  );
}
