import type { ConditionColumns } from '@prometheus/ml/core';

// Which dataset columns are the exogenous operating conditions a model records its envelope over (issue 14
// item 3): the outdoor-air temperature and the occupancy mode. Not the equipment's own signals (supply
// temperatures, valve and damper commands): a fault moves those, and must not turn its windows "unseen".
// A seam until the point roles (@prometheus/afdd's suggestPoints, `oat` and `occupied`) can answer it: the same
// question from header names (LBNL's `AHU: Outdoor Air Temperature`, `OAT`, `OA_TEMP`, `Occupancy Mode Indicator`).
const OAT = [/outdoor[\s_-]*air[\s_-]*temp/i, /outside[\s_-]*air[\s_-]*temp/i, /^oat$/i, /^oa[\s_-]*temp$/i, /^oa[\s_-]*t$/i];
const SET_POINT = /set[\s_-]*point|setpoint|\bsp\b|_sp$/i;
const OCCUPANCY = [/occupancy/i, /^occupied$/i, /^occ[\s_-]*mode$/i];

export function conditionColumns(columns: readonly string[]): ConditionColumns {
  const name = (c: string) => c.trim();
  return {
    ranges: columns.filter((c) => OAT.some((re) => re.test(name(c))) && !SET_POINT.test(name(c))),
    modes: columns.filter((c) => OCCUPANCY.some((re) => re.test(name(c))) && !SET_POINT.test(name(c))),
  };
}
