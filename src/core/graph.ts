// Directed-graph algorithms over nodes numbered 0..n-1, for the lock-order graphs of both
// languages: strongly connected components and a shortest cycle inside one.

/**
 * Tarjan's strongly connected components, iteratively (lock graphs of large crates would
 * overflow a recursive walk). Components come out in reverse topological order.
 */
export function stronglyConnectedComponents(n: number, successors: (node: number) => readonly number[]): number[][] {
  const index = new Array<number>(n).fill(-1);
  const low = new Array<number>(n).fill(0);
  const onStack = new Array<boolean>(n).fill(false);
  const stack: number[] = [];
  const components: number[][] = [];
  let next = 0;
  for (let root = 0; root < n; root++) {
    if (index[root] !== -1) continue;
    const work: { node: number; edge: number }[] = [{ node: root, edge: 0 }];
    index[root] = low[root] = next++;
    stack.push(root);
    onStack[root] = true;
    while (work.length > 0) {
      const frame = work[work.length - 1];
      const out = successors(frame.node);
      if (frame.edge < out.length) {
        const to = out[frame.edge++];
        if (index[to] === -1) {
          index[to] = low[to] = next++;
          stack.push(to);
          onStack[to] = true;
          work.push({ node: to, edge: 0 });
        } else if (onStack[to]) {
          low[frame.node] = Math.min(low[frame.node], index[to]);
        }
        continue;
      }
      work.pop();
      if (work.length > 0) low[work[work.length - 1].node] = Math.min(low[work[work.length - 1].node], low[frame.node]);
      if (low[frame.node] !== index[frame.node]) continue;
      const component: number[] = [];
      for (;;) {
        const member = stack.pop()!;
        onStack[member] = false;
        component.push(member);
        if (member === frame.node) break;
      }
      components.push(component);
    }
  }
  return components;
}

/**
 * A shortest cycle through `start` that stays inside `members` (breadth-first), as the list of
 * nodes from `start` back to just before `start`; undefined when there is none.
 */
export function shortestCycleThrough(start: number, members: ReadonlySet<number>, successors: (node: number) => readonly number[]): number[] | undefined {
  const parent = new Map<number, number>();
  const queue = [start];
  for (let head = 0; head < queue.length; head++) {
    const node = queue[head];
    for (const to of successors(node)) {
      if (!members.has(to)) continue;
      if (to === start) {
        const cycle = [node];
        while (cycle[0] !== start) cycle.unshift(parent.get(cycle[0])!);
        return cycle;
      }
      if (parent.has(to)) continue;
      parent.set(to, node);
      queue.push(to);
    }
  }
  return undefined;
}
