import { Graph, layout } from '@dagrejs/dagre';
import { cssPixels, sameId, type Linkage, type TaskDefinition } from '../model/document';

/** The pseudo node the `Start` linkage comes from. */
export const START_NODE_ID = '__start__';
export const TASK_NODE_SIZE = { width: 232, height: 68 } as const;
export const START_NODE_SIZE = { width: 96, height: 36 } as const;

export interface Point {
  x: number;
  y: number;
}

/** A task's position from its `css` (`{top, left}` in pixels), when the file has one. */
export function cssPosition(task: TaskDefinition): Point | undefined {
  const left = cssPixels(task.css?.left);
  const top = cssPixels(task.css?.top);
  return left === undefined || top === undefined ? undefined : { x: left, y: top };
}

/**
 * Where each node goes (top-left corners, keyed by task id as a string, plus `START_NODE_ID`): the
 * file's own `css` positions when every task has one, else a dagre layout of the whole graph, top to
 * bottom. The Start pill sits above the task it starts.
 */
export function layoutGraph(tasks: readonly TaskDefinition[], linkages: readonly Linkage[]): Map<string, Point> {
  const positions = new Map<string, Point>();
  const fromCss = tasks.map((task) => [String(task.id), cssPosition(task)] as const);
  const start = linkages.find((l) => l.source_task_id === null || l.source_task_id === undefined);
  if (tasks.length > 0 && fromCss.every(([, point]) => point !== undefined)) {
    for (const [id, point] of fromCss) positions.set(id, point as Point);
    const target = start ? positions.get(String(start.target_task_id)) : undefined;
    const first = target ?? positions.values().next().value ?? { x: 0, y: 0 };
    positions.set(START_NODE_ID, {
      x: first.x + (TASK_NODE_SIZE.width - START_NODE_SIZE.width) / 2,
      y: first.y - START_NODE_SIZE.height - 48,
    });
    return positions;
  }
  return dagreLayout(tasks, linkages);
}

function dagreLayout(tasks: readonly TaskDefinition[], linkages: readonly Linkage[]): Map<string, Point> {
  const graph = new Graph({ multigraph: true });
  graph.setGraph({ rankdir: 'TB', nodesep: 48, ranksep: 72, marginx: 16, marginy: 16 });
  graph.setDefaultEdgeLabel(() => ({}));
  graph.setNode(START_NODE_ID, { ...START_NODE_SIZE });
  for (const task of tasks) graph.setNode(String(task.id), { ...TASK_NODE_SIZE });
  linkages.forEach((linkage, index) => {
    const source =
      linkage.source_task_id === null || linkage.source_task_id === undefined
        ? START_NODE_ID
        : String(linkage.source_task_id);
    const target = String(linkage.target_task_id);
    const known = (id: string) => id === START_NODE_ID || tasks.some((t) => sameId(t.id, id));
    if (known(source) && known(target) && source !== target) {
      graph.setEdge(source, target, { width: 60, height: 20, labelpos: 'c' }, `e${index}`);
    }
  });
  layout(graph);
  const positions = new Map<string, Point>();
  for (const id of graph.nodes()) {
    const node = graph.node(id) as { x?: number; y?: number; width: number; height: number } | undefined;
    if (node?.x === undefined || node.y === undefined) continue;
    positions.set(id, { x: Math.round(node.x - node.width / 2), y: Math.round(node.y - node.height / 2) });
  }
  return positions;
}
