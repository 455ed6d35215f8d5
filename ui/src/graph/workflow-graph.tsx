import {
  Background,
  Controls,
  Handle,
  MarkerType,
  Position,
  ReactFlow,
  applyNodeChanges,
  type Connection,
  type Edge,
  type EdgeChange,
  type Node,
  type NodeChange,
  type NodeProps,
  type ReactFlowInstance,
} from '@xyflow/react';
import '@xyflow/react/dist/style.css';
import { memo, useEffect, useMemo, useRef, useState } from 'react';
import type { TaskStatus } from '../api/types';
import { toneOf } from '../components/badges';
import type { Linkage, TaskDefinition } from '../model/document';
import { shortTypeName } from '../editor/task-library';
import { layoutGraph, START_NODE_ID, type Point } from './layout';

/**
 * How the whole graph is fitted on arrival. A floor of 0.85 keeps task names at 11 px or more (13 px
 * at zoom 1): at 1366 px wide a graph of a dozen tasks fitted without a floor drew them at about 8 px.
 * A larger graph then overflows the canvas and is panned, which reads better than shrinking it.
 */
export const FIT_VIEW = { padding: 0.2, maxZoom: 1.1, minZoom: 0.85 } as const;

export interface TaskNodeData extends Record<string, unknown> {
  name: string;
  actionType: string;
  status?: TaskStatus | undefined;
  statusNote?: string | undefined;
  isConnectable: boolean;
}

type TaskNode = Node<TaskNodeData, 'task'>;
type StartNode = Node<{ isConnectable: boolean }, 'start'>;
type GraphNode = TaskNode | StartNode;

const TaskNodeView = memo(function TaskNodeView({ data, selected }: NodeProps<TaskNode>) {
  const tone = data.status ? toneOf(data.status) : 'idle';
  return (
    <div className={`task-node tone-${tone}${selected ? ' is-selected' : ''}`}>
      <Handle type="target" position={Position.Top} isConnectable={data.isConnectable} />
      <div className="task-node-type">{shortTypeName(data.actionType)}</div>
      <div className="task-node-name" title={data.name}>
        {data.name}
      </div>
      {data.status ? (
        <div className="task-node-status">
          <span className="badge-dot" aria-hidden="true" />
          {data.status}
          {data.statusNote ? <span className="task-node-note"> · {data.statusNote}</span> : null}
        </div>
      ) : null}
      <Handle type="source" position={Position.Bottom} isConnectable={data.isConnectable} />
    </div>
  );
});

const StartNodeView = memo(function StartNodeView({ data }: NodeProps<StartNode>) {
  return (
    <div className="start-node">
      Start
      <Handle type="source" position={Position.Bottom} isConnectable={data.isConnectable} />
    </div>
  );
});

const NODE_TYPES = { task: TaskNodeView, start: StartNodeView };

/** What a run adds to a task: the status of its (latest) task instance. */
export interface TaskOverlay {
  status: TaskStatus;
  note?: string;
}

export interface WorkflowGraphProps {
  /** Names the canvas for screen readers, e.g. "Graph of version 0.0.2". */
  label: string;
  tasks: readonly TaskDefinition[];
  linkages: readonly Linkage[];
  /** Node positions; default the file's css positions or a dagre layout. */
  positions?: ReadonlyMap<string, Point>;
  overlays?: ReadonlyMap<string, TaskOverlay>;
  selectedTaskId?: string | null;
  onSelectTask?: (taskId: string | null) => void;
  /** Editing: nodes can be moved, connected and deleted. */
  isEditable?: boolean;
  onMoveTask?: (taskId: string, position: Point) => void;
  /** A new edge was dragged from `source` (a task id or `START_NODE_ID`) to `target`. */
  onConnect?: (source: string, target: string) => void;
  onDeleteLinkages?: (indexes: number[]) => void;
  onDeleteTasks?: (taskIds: string[]) => void;
  height?: number;
  /** Changing it fits the whole graph into view again (e.g. after an automatic layout). */
  fitKey?: number;
}

function edgeClass(hook: string): string {
  if (hook === 'Failure' || hook === 'Reject' || hook === 'False') return 'edge-failure';
  if (hook === 'Start') return 'edge-start';
  return 'edge-success';
}

/** A workflow version drawn as a graph: tasks as nodes (type and name), linkages as edges labelled by hook. */
export function WorkflowGraph(props: WorkflowGraphProps) {
  const { tasks, linkages, overlays, selectedTaskId, isEditable = false } = props;
  const computed = useMemo(() => props.positions ?? layoutGraph(tasks, linkages), [props.positions, tasks, linkages]);

  const built = useMemo<GraphNode[]>(() => {
    const start: StartNode = {
      id: START_NODE_ID,
      type: 'start',
      position: computed.get(START_NODE_ID) ?? { x: 0, y: -80 },
      data: { isConnectable: isEditable },
      deletable: false,
      selectable: false,
      ariaLabel: 'Start of the workflow',
    };
    return [
      start,
      ...tasks.map((task): TaskNode => {
        const id = String(task.id);
        const overlay = overlays?.get(id);
        return {
          id,
          type: 'task',
          position: computed.get(id) ?? { x: 0, y: 0 },
          data: {
            name: task.name,
            actionType: task.action_type,
            status: overlay?.status,
            statusNote: overlay?.note,
            isConnectable: isEditable,
          },
          selected: selectedTaskId === id,
          deletable: isEditable,
          ariaLabel: `${task.action_type} task ${task.name}${overlay ? `, ${overlay.status}` : ''}`,
        };
      }),
    ];
  }, [computed, tasks, overlays, selectedTaskId, isEditable]);

  const [nodes, setNodes] = useState<GraphNode[]>(built);
  useEffect(() => setNodes(built), [built]);

  // A task added or removed: show the whole graph again, so a new node is never off the canvas.
  const flow = useRef<ReactFlowInstance<GraphNode, Edge> | null>(null);
  const fitState = useRef(`${tasks.length}|${props.fitKey ?? 0}`);
  useEffect(() => {
    const next = `${tasks.length}|${props.fitKey ?? 0}`;
    if (fitState.current === next) return;
    fitState.current = next;
    const timer = window.setTimeout(() => void flow.current?.fitView({ ...FIT_VIEW, duration: 150 }), 0);
    return () => window.clearTimeout(timer);
  }, [tasks.length, props.fitKey]);

  const edges = useMemo<Edge[]>(
    () =>
      linkages.map((linkage, index) => {
        const isStart = linkage.source_task_id === null || linkage.source_task_id === undefined;
        const source = isStart ? START_NODE_ID : String(linkage.source_task_id);
        return {
          id: `e${index}`,
          source,
          target: String(linkage.target_task_id),
          label: isStart ? undefined : linkage.linkage_type,
          className: edgeClass(isStart ? 'Start' : linkage.linkage_type),
          markerEnd: { type: MarkerType.ArrowClosed, width: 18, height: 18 },
          deletable: isEditable,
          ariaLabel: `${linkage.linkage_type} linkage to ${tasks.find((t) => String(t.id) === String(linkage.target_task_id))?.name ?? 'a missing task'}`,
          labelBgPadding: [6, 3] as [number, number],
          labelBgBorderRadius: 4,
        };
      }),
    [linkages, tasks, isEditable],
  );

  const onNodesChange = (changes: NodeChange<GraphNode>[]): void => {
    setNodes((current) => applyNodeChanges(changes, current));
    for (const change of changes) {
      if (change.type === 'select' && change.selected && change.id !== START_NODE_ID) props.onSelectTask?.(change.id);
      if (change.type === 'position' && change.dragging === false && change.position && props.onMoveTask) {
        props.onMoveTask(change.id, { x: Math.round(change.position.x), y: Math.round(change.position.y) });
      }
    }
    const removed = changes.filter((c) => c.type === 'remove').map((c) => c.id);
    if (removed.length > 0) props.onDeleteTasks?.(removed.filter((id) => id !== START_NODE_ID));
  };

  const onEdgesChange = (changes: EdgeChange[]): void => {
    const removed = changes
      .filter((c) => c.type === 'remove')
      .map((c) => Number(c.id.slice(1)))
      .filter((n) => Number.isInteger(n));
    if (removed.length > 0) props.onDeleteLinkages?.(removed);
  };

  return (
    <div className="graph" style={{ height: props.height ?? 460 }} role="region" aria-label={props.label}>
      <ReactFlow<GraphNode, Edge>
        nodes={nodes}
        edges={edges}
        nodeTypes={NODE_TYPES}
        colorMode="system"
        onNodesChange={onNodesChange}
        onEdgesChange={onEdgesChange}
        onConnect={(connection: Connection) => {
          if (connection.source && connection.target) props.onConnect?.(connection.source, connection.target);
        }}
        onPaneClick={() => props.onSelectTask?.(null)}
        onInit={(instance) => {
          flow.current = instance;
        }}
        nodesDraggable={isEditable}
        nodesConnectable={isEditable}
        elementsSelectable
        deleteKeyCode={isEditable ? ['Delete', 'Backspace'] : null}
        fitView
        fitViewOptions={FIT_VIEW}
        minZoom={0.2}
        maxZoom={2}
        proOptions={{ hideAttribution: false }}
      >
        <Background gap={20} size={1} />
        <Controls showInteractive={false} />
      </ReactFlow>
    </div>
  );
}
