// FC8-FC15: the economizer and cooling states, and the coil air temperatures where they exist.
import { BASE_RULES, F, finding, pct, rankSupplyMixed, rss, valves, type Rule } from './rules.js';

const FC8: Rule = {
  id: 'FC8',
  states: ['OS2'],
  inputs: ['sat', 'mat'],
  mixingBox: true,
  holds: (m, s) => Math.abs(m.sat - s.fan_heat - m.mat) > rss(s.eps_sat, s.eps_mat),
  size: { unit: 'F', excess: (m, s) => Math.abs(m.sat - s.fan_heat - m.mat) - rss(s.eps_sat, s.eps_mat), allowance: (s) => s.eps_sat },
  explain: (m, s, c) => {
    const rise = m.sat - s.fan_heat - m.mat;
    const facts = `Economizing with both valves commanded shut, supply air (${F(m.sat)}) should equal mixed air (${F(m.mat)}) plus fan heat; it differs by ${F(rise)}.`;
    return rankSupplyMixed(m, s, c, () => rise > 0
      ? finding('heating_valve', 'The air warms across the coils with both valves commanded shut: the heating valve most likely leaks or is stuck open.', facts, 'Also possible: a supply or mixed air sensor offset.')
      : finding('cooling_valve', 'The air cools across the coils with both valves commanded shut: the cooling valve most likely leaks or is stuck open.', facts, 'Also possible: a supply or mixed air sensor offset.'));
  },
};

const FC9: Rule = {
  id: 'FC9',
  states: ['OS2'],
  inputs: ['oat', 'sat_sp'],
  holds: (m, s) => m.oat - s.eps_oat > m.sat_sp - s.fan_heat + s.eps_sat,
  size: { unit: 'F', excess: (m, s) => m.oat - s.eps_oat - (m.sat_sp - s.fan_heat + s.eps_sat), allowance: (s) => s.eps_oat },
  explain: (m) => finding('control',
    `The unit economizes without mechanical cooling although outdoor air (${F(m.oat)}) is too warm to reach the supply set point (${F(m.sat_sp)}): the economizer sequence or its high limit is wrong.`,
    'Also possible: an outdoor air temperature sensor offset.'),
};

const FC10: Rule = {
  id: 'FC10',
  states: ['OS3'],
  inputs: ['mat', 'oat'],
  holds: (m, s) => Math.abs(m.mat - m.oat) > rss(s.eps_mat, s.eps_oat),
  size: { unit: 'F', excess: (m, s) => Math.abs(m.mat - m.oat) - rss(s.eps_mat, s.eps_oat), allowance: (s) => s.eps_mat },
  explain: (m) => finding('oa_damper',
    `With the outdoor-air damper commanded fully open (${pct(m.oa_damper)}) mixed air (${F(m.mat)}) should equal outdoor air (${F(m.oat)}): the damper does not open fully (stuck, linkage) or return air leaks past it.`,
    'Also possible: a mixed or outdoor air sensor offset.'),
};

const FC11: Rule = {
  id: 'FC11',
  states: ['OS3'],
  inputs: ['oat', 'sat_sp'],
  holds: (m, s) => m.oat + s.eps_oat < m.sat_sp - s.fan_heat - s.eps_sat,
  size: { unit: 'F', excess: (m, s) => m.sat_sp - s.fan_heat - s.eps_sat - (m.oat + s.eps_oat), allowance: (s) => s.eps_oat },
  explain: (m) => finding('control',
    `Mechanical cooling runs at 100% outdoor air although outdoor air (${F(m.oat)}) is cold enough to meet the supply set point (${F(m.sat_sp)}) alone: the economizer and cooling sequence is wrong.`,
    'Also possible: an outdoor air temperature sensor reading high, or a cooling valve commanded but not needed.'),
};

const FC12: Rule = {
  id: 'FC12',
  states: ['OS2', 'OS3', 'OS4'],
  inputs: ['sat', 'mat'],
  mixingBox: true,
  holds: (m, s) => m.sat - s.eps_sat - s.fan_heat >= m.mat + s.eps_mat,
  size: { unit: 'F', excess: (m, s) => m.sat - s.eps_sat - s.fan_heat - (m.mat + s.eps_mat), allowance: (s) => s.eps_sat },
  explain: (m, s, c) => rankSupplyMixed(m, s, c, () => finding('heating_valve',
    c.state === 'OS2'
      ? `Supply air (${F(m.sat)}) is warmer than mixed air (${F(m.mat)}) beyond fan heat and tolerances with heating commanded shut: the heating valve most likely leaks or is stuck open.`
      : `The cooling valve is commanded open (${pct(m.cool_valve)}) and heating shut, yet supply air (${F(m.sat)}) is warmer than mixed air (${F(m.mat)}): only heating explains a rise, so the heating valve most likely leaks or is stuck open.`,
    valves(m), 'Also possible: a supply or mixed air sensor offset.')),
};

const FC13: Rule = {
  id: 'FC13',
  states: ['OS3', 'OS4'],
  inputs: ['sat', 'sat_sp', 'mat', 'cool_valve'],
  mixingBox: true,
  holds: (m, s) => m.sat > m.sat_sp + s.eps_sat && m.cool_valve >= s.valve_full_open,
  size: { unit: 'F', excess: (m, s) => m.sat - (m.sat_sp + s.eps_sat), allowance: (s) => s.eps_sat },
  explain: (m, s, c) => {
    const facts = `The cooling valve is commanded fully open (${pct(m.cool_valve)}) and supply air (${F(m.sat)}) stays above its set point (${F(m.sat_sp)}); mixed air ${F(m.mat)}.`;
    return rankSupplyMixed(m, s, c, () => m.sat - s.fan_heat - m.mat > rss(s.eps_sat, s.eps_mat)
      ? finding('heating_valve', 'Supply air is warmer than mixed air while cooling runs at full: something heats the air, most likely a heating valve leaking or stuck open.', facts, valves(m))
      : finding('cooling_valve', 'Cooling at full does not bring supply air down to its set point: the cooling valve is stuck shut or the coil lacks chilled water or capacity.', facts, valves(m)));
  },
};

const FC14: Rule = {
  id: 'FC14',
  states: ['OS1', 'OS2'],
  inputs: ['ccet', 'cclt'],
  holds: (m, s) => m.ccet - m.cclt >= rss(s.eps_coil_entering, s.eps_coil_leaving) + s.fan_heat,
  size: { unit: 'F', excess: (m, s) => m.ccet - m.cclt - (rss(s.eps_coil_entering, s.eps_coil_leaving) + s.fan_heat), allowance: (s) => s.eps_coil_leaving },
  explain: (m) => finding('cooling_valve',
    `The cooling coil is inactive yet air cools across it (entering ${F(m.ccet)}, leaving ${F(m.cclt)}): the cooling valve most likely leaks or is stuck open.`,
    valves(m), 'Also possible: a coil air temperature sensor offset.'),
};

const FC15: Rule = {
  id: 'FC15',
  states: ['OS2', 'OS3', 'OS4'],
  inputs: ['hcet', 'hclt'],
  holds: (m, s) => m.hclt - m.hcet >= rss(s.eps_coil_entering, s.eps_coil_leaving) + s.fan_heat,
  size: { unit: 'F', excess: (m, s) => m.hclt - m.hcet - (rss(s.eps_coil_entering, s.eps_coil_leaving) + s.fan_heat), allowance: (s) => s.eps_coil_leaving },
  explain: (m) => finding('heating_valve',
    `The heating coil is inactive yet air warms across it (entering ${F(m.hcet)}, leaving ${F(m.hclt)}): the heating valve most likely leaks or is stuck open.`,
    valves(m), 'Also possible: a coil air temperature sensor offset.'),
};

/** Every rule, FC1-FC15, in order. */
export const RULES: readonly Rule[] = [...BASE_RULES, FC8, FC9, FC10, FC11, FC12, FC13, FC14, FC15];
