/**
 * Reordering routing rules. The API orders them by priority (lowest first, ties by name), so a
 * move is a set of priority changes: swap with the neighbour when that keeps every priority
 * distinct, else renumber the list 10, 20, 30 … and change only the rules whose number moved.
 */

export interface Ordered {
  routeId: string;
  priority: number;
}

const STEP = 10;

const strictlyIncreasing = (ps: number[]) => ps.every((p, i) => i === 0 || p > ps[i - 1]!);

/** Priority changes that move `routeId` one place up (-1) or down (+1); [] when it cannot move. */
export function moveRule(rules: readonly Ordered[], routeId: string, delta: -1 | 1): Ordered[] {
  const i = rules.findIndex((r) => r.routeId === routeId);
  const j = i + delta;
  if (i < 0 || j < 0 || j >= rules.length) return [];
  const order = [...rules];
  [order[i], order[j]] = [order[j]!, order[i]!];
  const swapped = order.map((r, k) => (k === i ? rules[i]!.priority : k === j ? rules[j]!.priority : r.priority));
  if (strictlyIncreasing(swapped)) {
    return [
      { routeId: rules[i]!.routeId, priority: rules[j]!.priority },
      { routeId: rules[j]!.routeId, priority: rules[i]!.priority },
    ];
  }
  return order.map((r, k) => ({ routeId: r.routeId, priority: (k + 1) * STEP })).filter((r) => r.priority !== rules.find((x) => x.routeId === r.routeId)!.priority);
}
