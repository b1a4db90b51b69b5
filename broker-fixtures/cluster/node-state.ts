import path from 'node:path';
import { readJsonFile, writeJsonAtomic } from '../../core/atomic-file.js';
import { ErrorCode, SimError } from '../../core/errors.js';
import type { ClusterParts } from './redis-cluster.js';

interface Marker {
  nodeId?: string;
  redis?: string;
}

/** `<state>/broker/cluster.json`: this state directory belongs to a cluster node. */
function markerFile(stateDir: string): string {
  return path.join(stateDir, 'broker', 'cluster.json');
}

/** Written when a node starts: its registry, shadows and jobs are in Redis, not in these files. */
export async function markClusterNodeState(stateDir: string, cluster: ClusterParts): Promise<void> {
  await writeJsonAtomic(markerFile(stateDir), {
    nodeId: cluster.nodeId,
    redis: cluster.location.display,
  } satisfies Marker);
}

/**
 * The CLI edits a stopped broker's files directly; for a cluster node's state directory that would
 * change files the cluster never reads, so it is refused with a message naming the node.
 */
export async function refuseClusterNodeState(stateDir: string): Promise<void> {
  const marker = await readJsonFile<Marker>(markerFile(stateDir));
  if (!marker) return;
  throw new SimError(
    ErrorCode.INVALID_STATE,
    `${stateDir} is the state of cluster node ${marker.nodeId ?? '?'} on ${marker.redis ?? 'Redis'}: its registry, shadows and jobs live there, not in these files; start the node (nrf91sim broker --cluster …) or use a running node's --state`,
  );
}
