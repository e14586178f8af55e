import { readHeader } from '@prometheus/afdd';
import type { ConditionColumns } from '@prometheus/ml/core';

// Which dataset columns are the exogenous operating conditions a model records its envelope over (issue 14
// item 3): the outdoor-air temperature (AFDD input `oat`) and the occupancy mode (`occupied`), found from the
// headers by the point-role vocabulary (@prometheus/afdd's readHeader: LBNL's `AHU: Outdoor Air Temperature`,
// `OAT`, `OA_TEMP`, `Occupancy Mode Indicator`...). Not the equipment's own signals (supply temperatures, valve
// and damper commands): a fault moves those, and must not turn its windows "unseen".
export function conditionColumns(columns: readonly string[]): ConditionColumns {
  const input = (c: string) => readHeader(c).input;
  return { ranges: columns.filter((c) => input(c) === 'oat'), modes: columns.filter((c) => input(c) === 'occupied') };
}
