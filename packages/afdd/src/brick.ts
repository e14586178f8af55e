import type { AfddInput, PointRole, PointUnit } from './inputs.js';

// A point map as a Brick model in Turtle: the air handler, its parts (damper, valves, fan, coils) and each
// mapped column as a point of the equipment it belongs to, typed with its Brick class and QUDT unit.

export const BRICK_NAMESPACE = 'https://brickschema.org/schema/Brick#';
export const QUDT_UNIT_NAMESPACE = 'http://qudt.org/vocab/unit/';
/** Where the AFDD input name of a point is written (not a Brick term: Brick has no AFDD roles). */
export const AFDD_NAMESPACE = 'urn:prometheus:afdd#';

/** QUDT unit of each point unit. */
export const QUDT_UNITS: Record<PointUnit, string> = {
  F: 'DEG_F', C: 'DEG_C', fraction: 'FRACTION', percent: 'PERCENT', inH2O: 'IN_H2O', Pa: 'PA', binary: 'UNITLESS',
  cfm: 'FT3-PER-MIN', 'L/s': 'L-PER-SEC',
};

/** The part of the air handler a point belongs to, by AFDD input; other points belong to the air handler itself. */
const PARTS: Partial<Record<AfddInput, { name: string; brickClass: string }>> = {
  oa_damper: { name: 'outside_damper', brickClass: 'Outside_Damper' },
  cool_valve: { name: 'cooling_valve', brickClass: 'Cooling_Valve' },
  heat_valve: { name: 'heating_valve', brickClass: 'Heating_Valve' },
  fan_speed: { name: 'supply_fan', brickClass: 'Supply_Fan' },
  fan_status: { name: 'supply_fan', brickClass: 'Supply_Fan' },
  ccet: { name: 'cooling_coil', brickClass: 'Cooling_Coil' },
  cclt: { name: 'cooling_coil', brickClass: 'Cooling_Coil' },
  hcet: { name: 'heating_coil', brickClass: 'Heating_Coil' },
  hclt: { name: 'heating_coil', brickClass: 'Heating_Coil' },
};

export interface BrickExportOptions {
  /** IRI of the dataset's own namespace (points and equipment are named in it); ends with `#` or `/`. */
  namespace: string;
  /** Label of the air handler (e.g. the dataset's name). */
  equipmentLabel: string;
  /** Brick class of the equipment; an air handler unless said otherwise. */
  equipmentClass?: string;
}

/** A Turtle string literal: `"`, `\` and line breaks escaped, other control characters as \u escapes. */
export function turtleString(value: string): string {
  const escaped = value.replace(/[\\"\n\r\t\b\f]/g, (ch) => ({ '\\': '\\\\', '"': '\\"', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\b': '\\b', '\f': '\\f' })[ch]!)
    .replace(/[\u0000-\u001f\u007f]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return `"${escaped}"`;
}

/** An IRI reference: characters Turtle forbids inside `<...>` are percent-encoded. */
export function turtleIri(iri: string): string {
  return `<${iri.replace(/[\u0000-\u0020<>"{}|^`\\]/g, (ch) => encodeURIComponent(ch))}>`;
}

/** Local names from column headers: letters, digits and `_` only, starting with a letter, unique. */
function localNames(columns: string[]): string[] {
  const used = new Set<string>(['equipment']);
  return columns.map((column) => {
    const base = `point_${column.trim().replace(/[^A-Za-z0-9]+/g, '_').replace(/^_+|_+$/g, '') || 'column'}`;
    let name = base;
    for (let n = 2; used.has(name); n += 1) name = `${base}_${n}`;
    used.add(name);
    return name;
  });
}

function pointBlock(local: string, point: PointRole): string {
  const lines = [`ds:${local} a brick:${point.brick_class}`, `    rdfs:label ${turtleString(point.column)}`];
  if (point.unit) lines.push(`    brick:hasUnit unit:${QUDT_UNITS[point.unit]}`);
  if (point.input) lines.push(`    afdd:input ${turtleString(point.input)}`);
  return `${lines.join(' ;\n')} .`;
}

const hasPoints = (locals: string[]): string =>
  locals.length === 0 ? '' : ` ;\n    brick:hasPoint ${locals.map((l) => `ds:${l}`).join(', ')}`;

/**
 * The point map as Brick Turtle. Columns without a Brick class are left out; every other column is a point of
 * the air handler or of one of its parts (`brick:hasPart`), with `brick:hasUnit` when its unit is known.
 */
export function brickTurtle(points: PointRole[], options: BrickExportOptions): string {
  for (const cls of [options.equipmentClass, ...points.map((p) => p.brick_class)]) {
    // Class names are written as prefixed names: anything else would break the document (or inject into it).
    if (cls && !/^[A-Za-z][A-Za-z0-9_]*$/.test(cls)) throw new Error(`Not a Brick class name: ${JSON.stringify(cls)}`);
  }
  const mapped = points.filter((p): p is PointRole & { brick_class: string } => p.brick_class !== null);
  const locals = localNames(mapped.map((p) => p.column));
  const ownPoints: string[] = [];
  const parts = new Map<string, { brickClass: string; points: string[] }>();
  mapped.forEach((point, i) => {
    const part = point.input ? PARTS[point.input] : undefined;
    if (!part) return void ownPoints.push(locals[i]!);
    const entry = parts.get(part.name) ?? { brickClass: part.brickClass, points: [] };
    entry.points.push(locals[i]!);
    parts.set(part.name, entry);
  });
  const partNames = [...parts.keys()].map((name) => `equipment_${name}`);
  const out = [
    `@prefix brick: ${turtleIri(BRICK_NAMESPACE)} .`,
    `@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .`,
    `@prefix unit: ${turtleIri(QUDT_UNIT_NAMESPACE)} .`,
    `@prefix afdd: ${turtleIri(AFDD_NAMESPACE)} .`,
    `@prefix ds: ${turtleIri(options.namespace)} .`,
    '',
    `ds:equipment a brick:${options.equipmentClass ?? 'Air_Handling_Unit'} ;\n    rdfs:label ${turtleString(options.equipmentLabel)}`
      + (partNames.length ? ` ;\n    brick:hasPart ${partNames.map((p) => `ds:${p}`).join(', ')}` : '')
      + `${hasPoints(ownPoints)} .`,
  ];
  for (const [name, part] of parts) out.push('', `ds:equipment_${name} a brick:${part.brickClass}${hasPoints(part.points)} .`);
  mapped.forEach((point, i) => out.push('', pointBlock(locals[i]!, point)));
  return `${out.join('\n')}\n`;
}
