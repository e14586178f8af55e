import { brickTurtle, suggestPointMap, type PointRole } from '@prometheus/afdd';
import type { EquipmentType, PointMap } from '@prometheus/protocol';
import { ownedOr404, type Actor } from '../../access.js';
import type { Clock } from '../../clock.js';
import type { DatasetRow, DatasetsRepo } from '../datasets/repo.js';
import { checkPointMap } from './check-map.js';
import type { PointsRepo, StoredPointMap } from './repo.js';

export interface PointsServiceDeps {
  repo: PointsRepo;
  datasetsRepo: Pick<DatasetsRepo, 'findById' | 'findBySourceRef'>;
  /** The fleet's owned-or-404 lookup of a target. */
  targets: { visible(user: Actor, id: string): Promise<{ id: string; name: string; equipmentType: string }> };
  clock: Clock;
  /** The hub's public base URL: Turtle exports name their points under it. */
  publicUrl: string;
}

const EQUIPMENT_CLASS: Record<EquipmentType, string> = {
  air_handler: 'Air_Handling_Unit', boiler: 'Boiler', pump: 'Pump', chiller: 'Chiller', fan_coil: 'Fan_Coil_Unit', steam: 'HVAC_Equipment',
};

const noRole = (column: string): PointRole => ({ column, brick_class: null, input: null, unit: null });

/** The hub's suggestion for a dataset: from its headers and the ranges in its column stats; the time column has no role. */
export function suggestForDataset(ds: Pick<DatasetRow, 'columns' | 'stats' | 'timeColumn'>): PointRole[] {
  const profile = ds.columns.map((name) => {
    const s = ds.stats[name];
    const numeric = s?.kind === 'numeric';
    return { name, min: numeric ? s.min : null, max: numeric ? s.max : null };
  });
  return suggestPointMap(profile).map((p) => (p.column === ds.timeColumn ? noRole(p.column) : p));
}

/** A confirmed map lists every column: the stored roles first, then columns it does not name (new sensors) with none. */
function present(stored: StoredPointMap | undefined, columns: readonly string[], suggest: () => PointRole[]): PointMap {
  if (!stored) return { points: suggest(), confirmed: false };
  const named = new Set(stored.points.map((p) => p.column));
  return { points: [...stored.points, ...columns.filter((c) => !named.has(c)).map(noRole)], confirmed: true };
}

export function createPointsService(deps: PointsServiceDeps) {
  const { repo } = deps;

  async function visibleDataset(id: string, user: Actor): Promise<DatasetRow> {
    return ownedOr404(user, await deps.datasetsRepo.findById(id), 'Dataset', id);
  }

  /** An edge dataset reads its target's map (one dataset per target: the dataset's source_ref). */
  const targetOf = (ds: DatasetRow): string | null => (ds.source === 'edge' ? ds.sourceRef : null);

  async function targetMap(targetId: string): Promise<PointMap> {
    const ds = await deps.datasetsRepo.findBySourceRef('edge', targetId);
    return present(await repo.findForTarget(targetId), ds?.columns ?? [], () => (ds ? suggestForDataset(ds) : []));
  }

  async function datasetMap(ds: DatasetRow): Promise<PointMap> {
    const targetId = targetOf(ds);
    if (targetId) return targetMap(targetId);
    return present(await repo.findForDataset(ds.id), ds.columns, () => suggestForDataset(ds));
  }

  const stored = (points: PointRole[], user: Actor): StoredPointMap => ({ points, updatedBy: user.id, updatedAt: deps.clock.now() });
  const turtleOf = (map: PointMap, namespace: string, label: string, equipmentType: string) =>
    brickTurtle(map.points, { namespace, equipmentLabel: label, equipmentClass: EQUIPMENT_CLASS[equipmentType as EquipmentType] ?? 'Equipment' });

  return {
    async getForDataset(id: string, user: Actor): Promise<PointMap> {
      return datasetMap(await visibleDataset(id, user));
    },
    /** Confirms a dataset's map (an edge dataset's goes to its target). Checked whole before it is stored. */
    async putForDataset(id: string, user: Actor, points: PointRole[]): Promise<PointMap> {
      const ds = await visibleDataset(id, user);
      checkPointMap(points, ds.columns, 'dataset');
      const targetId = targetOf(ds);
      if (targetId) await repo.saveForTarget(targetId, stored(points, user));
      else await repo.saveForDataset(ds.id, stored(points, user));
      return datasetMap(ds);
    },
    async turtleForDataset(id: string, user: Actor): Promise<string> {
      const ds = await visibleDataset(id, user);
      return turtleOf(await datasetMap(ds), `${deps.publicUrl}/api/v1/datasets/${ds.id}/points#`, ds.name, ds.equipmentType);
    },

    async getForTarget(id: string, user: Actor): Promise<PointMap> {
      await deps.targets.visible(user, id);
      return targetMap(id);
    },
    /** A target's sensors are checked against its edge dataset's columns once it has one (before that, names are taken as given). */
    async putForTarget(id: string, user: Actor, points: PointRole[]): Promise<PointMap> {
      await deps.targets.visible(user, id);
      const ds = await deps.datasetsRepo.findBySourceRef('edge', id);
      checkPointMap(points, ds ? ds.columns : null, 'target\'s edge dataset');
      await repo.saveForTarget(id, stored(points, user));
      return targetMap(id);
    },
    async turtleForTarget(id: string, user: Actor): Promise<string> {
      const target = await deps.targets.visible(user, id);
      return turtleOf(await targetMap(id), `${deps.publicUrl}/api/v1/deployments/targets/${id}/points#`, target.name, target.equipmentType);
    },

    /** What the rules read at the edge for a target already checked visible: the confirmed map, else the suggestion. */
    mapOfTarget: (targetId: string): Promise<PointMap> => targetMap(targetId),
    /** What the rules read for a dataset the user may see: the confirmed map, else the suggestion. */
    mapOfDataset: async (id: string, user: Actor): Promise<PointMap> => datasetMap(await visibleDataset(id, user)),
  };
}

export type PointsService = ReturnType<typeof createPointsService>;
