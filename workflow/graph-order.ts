// In which order can the nodes run, and which nodes form cycles? Deterministic topological sort in O(N + E log N).

/** The sort's answer: every node not on or behind a cycle, in order, and each cycle found (node ids in edge order). */
export interface GraphOrder {
  order: string[];
  cycles: string[][];
}

/**
 * Returns the nodes in dependency order, ties broken by id (plain code-unit order, never locale),
 * and the cycles among the nodes that could not be ordered, each starting at its smallest id.
 * `deps` maps a node to the ids it depends on; ids outside `ids` and self-references are ignored.
 */
export function orderGraph(ids: readonly string[], deps: ReadonlyMap<string, readonly string[]>): GraphOrder {
  const known = new Set(ids);
  const dependents = new Map<string, string[]>();
  const pending = new Map<string, number>();
  for (const id of ids) {
    dependents.set(id, []);
    pending.set(id, 0);
  }
  for (const id of ids) {
    const seen = new Set<string>();
    for (const dep of deps.get(id) ?? []) {
      if (dep === id || !known.has(dep) || seen.has(dep)) continue;
      seen.add(dep);
      dependents.get(dep)!.push(id);
      pending.set(id, pending.get(id)! + 1);
    }
  }

  const ready = new MinHeap();
  for (const id of ids) if (pending.get(id) === 0) ready.push(id);
  const order: string[] = [];
  while (ready.size > 0) {
    const id = ready.pop();
    order.push(id);
    for (const next of dependents.get(id)!) {
      const left = pending.get(next)! - 1;
      pending.set(next, left);
      if (left === 0) ready.push(next);
    }
  }
  if (order.length === ids.length) return { order, cycles: [] };

  const stuck = ids.filter((id) => pending.get(id)! > 0);
  return { order, cycles: findCycles(stuck, dependents) };
}

/**
 * Returns one cycle per strongly connected component with more than one node (iterative Tarjan, so a
 * 5,000-node chain cannot overflow the stack), each cycle walked in edge order from its smallest id.
 */
function findCycles(nodes: readonly string[], next: ReadonlyMap<string, string[]>): string[][] {
  const inSet = new Set(nodes);
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const components: string[][] = [];
  let counter = 0;

  for (const root of [...nodes].sort(compareIds)) {
    if (index.has(root)) continue;
    const successors = (id: string) => (next.get(id) ?? []).filter((s) => inSet.has(s));
    const work: { id: string; i: number; succ: string[] }[] = [{ id: root, i: 0, succ: successors(root) }];
    index.set(root, counter);
    low.set(root, counter++);
    stack.push(root);
    onStack.add(root);
    while (work.length > 0) {
      const frame = work[work.length - 1];
      if (frame.i < frame.succ.length) {
        const s = frame.succ[frame.i++];
        if (!index.has(s)) {
          index.set(s, counter);
          low.set(s, counter++);
          stack.push(s);
          onStack.add(s);
          work.push({ id: s, i: 0, succ: successors(s) });
        } else if (onStack.has(s)) {
          low.set(frame.id, Math.min(low.get(frame.id)!, index.get(s)!));
        }
        continue;
      }
      work.pop();
      if (work.length > 0) {
        const parent = work[work.length - 1].id;
        low.set(parent, Math.min(low.get(parent)!, low.get(frame.id)!));
      }
      if (low.get(frame.id) === index.get(frame.id)) {
        const component: string[] = [];
        let member: string;
        do {
          member = stack.pop()!;
          onStack.delete(member);
          component.push(member);
        } while (member !== frame.id);
        if (component.length > 1) components.push(component);
      }
    }
  }

  return components.map((component) => cycleWithin(component, next)).sort((a, b) => compareIds(a[0], b[0]));
}

/** Returns a cycle inside a strongly connected component, rotated to start at its smallest id. */
function cycleWithin(component: readonly string[], next: ReadonlyMap<string, string[]>): string[] {
  const members = new Set(component);
  const start = [...component].sort(compareIds)[0];
  const position = new Map<string, number>();
  const path: string[] = [];
  let at = start;
  // Following the smallest in-component successor must revisit a node: every member has one.
  while (!position.has(at)) {
    position.set(at, path.length);
    path.push(at);
    at = (next.get(at) ?? []).filter((s) => members.has(s)).sort(compareIds)[0];
  }
  const cycle = path.slice(position.get(at));
  const first = cycle.indexOf([...cycle].sort(compareIds)[0]);
  return [...cycle.slice(first), ...cycle.slice(0, first)];
}

/** Plain code-unit comparison: the same answer on every machine and locale. */
export function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A binary min-heap of ids: the next ready node is always the smallest id. */
class MinHeap {
  private items: string[] = [];

  get size(): number {
    return this.items.length;
  }

  push(id: string): void {
    const items = this.items;
    items.push(id);
    let i = items.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (items[parent] <= items[i]) break;
      [items[parent], items[i]] = [items[i], items[parent]];
      i = parent;
    }
  }

  pop(): string {
    const items = this.items;
    const top = items[0];
    const last = items.pop()!;
    if (items.length > 0) {
      items[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let smallest = i;
        if (l < items.length && items[l] < items[smallest]) smallest = l;
        if (r < items.length && items[r] < items[smallest]) smallest = r;
        if (smallest === i) break;
        [items[smallest], items[i]] = [items[i], items[smallest]];
        i = smallest;
      }
    }
    return top;
  }
}
