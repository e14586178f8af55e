import { Parser, type Quad } from 'n3';
import { describe, expect, it } from 'vitest';
import { BRICK_NAMESPACE, brickTurtle, type PointRole } from './index.js';

const RDF_TYPE = 'http://www.w3.org/1999/02/22-rdf-syntax-ns#type';
const LABEL = 'http://www.w3.org/2000/01/rdf-schema#label';
const B = (local: string) => `${BRICK_NAMESPACE}${local}`;
const NS = 'https://hub.example/api/v1/datasets/ds_1/points#';

const points: PointRole[] = [
  { column: 'AHU: Supply Air Temperature', brick_class: 'Supply_Air_Temperature_Sensor', input: 'sat', unit: 'F' },
  { column: 'AHU: Outdoor Air Damper Control Signal  ', brick_class: 'Damper_Position_Command', input: 'oa_damper', unit: 'percent' },
  { column: 'AHU: Cooling Coil Valve Control Signal', brick_class: 'Valve_Command', input: 'cool_valve', unit: 'fraction' },
  { column: 'AHU: Supply Air Fan Speed Control Signal', brick_class: 'Speed_Command', input: 'fan_speed', unit: 'fraction' },
  { column: 'AHU: Supply Air Fan Status', brick_class: 'Fan_Status', input: 'fan_status', unit: 'binary' },
  { column: 'Return "damper" \\ 50%\nsecond line', brick_class: 'Damper_Position_Command', input: null, unit: null },
  { column: 'AHU: Supply Air Temperature ', brick_class: 'Supply_Air_Temperature_Sensor', input: null, unit: 'C' },
  { column: 'Fault Detection Ground Truth', brick_class: null, input: null, unit: null },
];

function parse(ttl: string): Quad[] {
  return new Parser().parse(ttl);
}

const objectsOf = (quads: Quad[], subject: string, predicate: string) =>
  quads.filter((q) => q.subject.value === subject && q.predicate.value === predicate).map((q) => q.object.value);
const subjectsOfType = (quads: Quad[], cls: string) =>
  quads.filter((q) => q.predicate.value === RDF_TYPE && q.object.value === cls).map((q) => q.subject.value);

describe('Brick Turtle export', () => {
  const ttl = brickTurtle(points, { namespace: NS, equipmentLabel: 'SZVAV "FLEXLAB"' });
  const quads = parse(ttl);

  it('parses as Turtle and types every mapped column once with its Brick class', () => {
    const typed = points.filter((p) => p.brick_class);
    const labelled = quads.filter((q) => q.predicate.value === LABEL).map((q) => q.object.value);
    for (const p of typed) expect(labelled).toContain(p.column);
    expect(labelled).not.toContain('Fault Detection Ground Truth');
    const sat = subjectsOfType(quads, B('Supply_Air_Temperature_Sensor'));
    expect(sat).toHaveLength(2);
    expect(new Set(sat).size).toBe(2);
    for (const s of sat) expect(s.startsWith(NS)).toBe(true);
  });

  it('gives units as QUDT units and the AFDD input', () => {
    const [satIri] = quads.filter((q) => q.predicate.value === LABEL && q.object.value === 'AHU: Supply Air Temperature').map((q) => q.subject.value);
    expect(objectsOf(quads, satIri!, B('hasUnit'))).toEqual(['http://qudt.org/vocab/unit/DEG_F']);
    expect(objectsOf(quads, satIri!, 'urn:prometheus:afdd#input')).toEqual(['sat']);
    const units = quads.filter((q) => q.predicate.value === B('hasUnit')).map((q) => q.object.value.split('/').pop()).sort();
    expect(units).toEqual(['DEG_C', 'DEG_F', 'FRACTION', 'FRACTION', 'PERCENT', 'UNITLESS']);
  });

  it('writes FC6\'s airflow points with their QUDT airflow units', () => {
    const flows = parse(brickTurtle([
      { column: 'SA_CFM', brick_class: 'Supply_Air_Flow_Sensor', input: 'sa_flow', unit: 'cfm' },
      { column: 'MIN_OA_SP', brick_class: 'Min_Outside_Air_Flow_Setpoint_Limit', input: 'oa_flow_min_sp', unit: 'L/s' },
    ], { namespace: NS, equipmentLabel: 'AHU' }));
    const units = flows.filter((q) => q.predicate.value === B('hasUnit')).map((q) => q.object.value);
    expect(units).toEqual(['http://qudt.org/vocab/unit/FT3-PER-MIN', 'http://qudt.org/vocab/unit/L-PER-SEC']);
    expect(flows.filter((q) => q.predicate.value === 'urn:prometheus:afdd#input').map((q) => q.object.value)).toEqual(['sa_flow', 'oa_flow_min_sp']);
  });

  it('hangs the points on the air handler and its parts', () => {
    const [ahu] = subjectsOfType(quads, B('Air_Handling_Unit'));
    expect(objectsOf(quads, ahu!, LABEL)).toEqual(['SZVAV "FLEXLAB"']);
    const parts = objectsOf(quads, ahu!, B('hasPart'));
    const partClasses = parts.flatMap((p) => objectsOf(quads, p, RDF_TYPE)).sort();
    expect(partClasses).toEqual([B('Cooling_Valve'), B('Outside_Damper'), B('Supply_Fan')]);
    const [fan] = subjectsOfType(quads, B('Supply_Fan'));
    expect(objectsOf(quads, fan!, B('hasPoint'))).toHaveLength(2);
    const [damper] = subjectsOfType(quads, B('Outside_Damper'));
    const [damperPoint] = objectsOf(quads, damper!, B('hasPoint'));
    expect(objectsOf(quads, damperPoint!, LABEL)).toEqual(['AHU: Outdoor Air Damper Control Signal  ']);
    // Every point belongs to exactly one piece of equipment.
    const owned = quads.filter((q) => q.predicate.value === B('hasPoint')).map((q) => q.object.value);
    expect(owned.sort()).toEqual(quads.filter((q) => q.predicate.value === LABEL && q.subject.value !== ahu).map((q) => q.subject.value).sort());
  });

  it('stays well-formed with an awkward namespace and no mapped points, and refuses a class that is no name', () => {
    const bare = parse(brickTurtle([], { namespace: 'urn:x:my dataset<1>#', equipmentLabel: 'x' }));
    expect(bare.map((q) => q.subject.value)).toEqual(['urn:x:my%20dataset%3C1%3E#equipment', 'urn:x:my%20dataset%3C1%3E#equipment']);
    expect(() => brickTurtle([{ column: 'a', brick_class: 'X> . <evil', input: null, unit: null }], { namespace: NS, equipmentLabel: 'x' }))
      .toThrow(/Not a Brick class/);
  });
});
