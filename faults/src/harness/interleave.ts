/**
 * Corpus order for cases that change who consumes which partition mid-stream: `webhookBodies` yields one cluster's
 * bodies after the other; taking the clusters in turn mixes them all along the stream, so that every part of it
 * carries every cluster (ingest deals the bodies over the partitions in turn, whatever their cluster).
 */
export function interleaveByCluster<T extends { cluster: string }>(bodies: readonly T[]): T[] {
  const byCluster = new Map<string, T[]>();
  for (const b of bodies) {
    const list = byCluster.get(b.cluster) ?? [];
    list.push(b);
    byCluster.set(b.cluster, list);
  }
  const lists = [...byCluster.values()];
  const out: T[] = [];
  for (let i = 0; out.length < bodies.length; i++) for (const list of lists) if (i < list.length) out.push(list[i]!);
  return out;
}
