import type { FaultFamily } from '@prometheus/protocol';

// Fault families (what part of the unit the evidence blames): one color each, for bands, badges and the legend.
export const FAMILY_TEXT: Record<FaultFamily, string> = {
  oa_damper: 'Outdoor-air damper', cooling_valve: 'Cooling valve', heating_valve: 'Heating valve', fan_pressure: 'Fan and duct pressure',
  sensor: 'Sensor', control: 'Control', unknown: 'Unknown',
};
export const familyColor = (f: FaultFamily | string) => `--family-${f}`;

export function FamilySwatch({ family }: { family: FaultFamily | string }) {
  return <span class="swatch" style={{ background: `var(${familyColor(family)})` }} aria-hidden="true" />;
}

export function FamilyTag({ family }: { family: FaultFamily | null }) {
  if (!family) return <span class="muted">—</span>;
  return <span class="family" data-family={family}><FamilySwatch family={family} /> {FAMILY_TEXT[family]}</span>;
}

/** The families present, each with its band color. */
export function FamilyLegend({ families }: { families: FaultFamily[] }) {
  if (families.length === 0) return null;
  return (
    <ul class="legend" data-testid="family-legend" aria-label="Band colors">
      {families.map((f) => <li key={f}><FamilyTag family={f} /></li>)}
    </ul>
  );
}
