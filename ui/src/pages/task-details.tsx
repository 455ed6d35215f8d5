import { JsonView } from '../components/controls';
import { isShown, valueAt } from '../editor/parameter-spec';
import { specOf, shortTypeName } from '../editor/task-library';
import { sameId, type Linkage, type TaskDefinition } from '../model/document';

/** A task's parameters, as its type's form names them, and the raw JSON. */
export function TaskDetails({
  task,
  tasks,
  linkages,
}: {
  task: TaskDefinition;
  tasks: readonly TaskDefinition[];
  linkages: readonly Linkage[];
}) {
  const spec = specOf(task.action_type);
  const outgoing = linkages.filter((l) => sameId(l.source_task_id, task.id));
  const incoming = linkages.filter((l) => sameId(l.target_task_id, task.id));
  const nameOf = (id: unknown) => tasks.find((t) => sameId(t.id, id as string | number))?.name ?? `task ${String(id)}`;
  return (
    <div className="task-details">
      <div className="eyebrow">{shortTypeName(task.action_type)} task</div>
      <h3>{task.name}</h3>
      {spec ? <p className="muted small">{spec.description}</p> : null}
      {spec && spec.parameters.length > 0 ? (
        <dl className="params">
          {spec.parameters
            .filter((p) => isShown(p, task.parameters, spec))
            .map((parameter) => {
              const given = valueAt(task.parameters, parameter.path);
              const value = given === undefined || given === '' ? parameter.defaultValue : given;
              return (
                <div key={parameter.path.join('.')}>
                  <dt>{parameter.label}</dt>
                  <dd>
                    <ParameterValue value={value} />
                  </dd>
                </div>
              );
            })}
        </dl>
      ) : null}
      <h4>Linkages</h4>
      <ul className="plain-list small">
        {incoming.map((l, i) => (
          <li key={`in${i}`}>
            ←{' '}
            {l.source_task_id === null || l.source_task_id === undefined
              ? 'Start'
              : `${nameOf(l.source_task_id)} (${l.linkage_type})`}
          </li>
        ))}
        {outgoing.map((l, i) => (
          <li key={`out${i}`}>
            → {l.linkage_type}: {nameOf(l.target_task_id)}
          </li>
        ))}
        {incoming.length + outgoing.length === 0 ? <li className="muted">None</li> : null}
      </ul>
      <h4>All parameters</h4>
      <JsonView value={task.parameters} label={`Parameters of ${task.name}`} />
    </div>
  );
}

function ParameterValue({ value }: { value: unknown }) {
  if (value === undefined || value === null || value === '') return <span className="muted">—</span>;
  if (typeof value === 'string') {
    return value.includes('\n') || value.length > 60 ? (
      <pre className="code code-inline">{value}</pre>
    ) : (
      <span className="mono">{value}</span>
    );
  }
  if (typeof value === 'number' || typeof value === 'boolean') return <span className="mono">{String(value)}</span>;
  return <pre className="code code-inline">{JSON.stringify(value, null, 2)}</pre>;
}
