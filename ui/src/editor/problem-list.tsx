import type { Problem } from './validate';

/** The draft's problems, each error or warning with a link to its task; or a line saying the draft is valid. */
export function ProblemList({ problems, onSelect }: { problems: Problem[]; onSelect: (id: string) => void }) {
  if (problems.length === 0) {
    return (
      <p className="valid" role="status">
        ✓ The draft is valid.
      </p>
    );
  }
  return (
    <section className="problems" aria-label="Problems" role="status">
      <ul>
        {problems.map((problem, index) => (
          <li key={index} className={problem.severity === 'error' ? 'problem-error' : 'problem-warning'}>
            <span className="problem-kind">{problem.severity === 'error' ? 'Error' : 'Warning'}</span> {problem.message}
            {problem.taskId ? (
              <>
                {' '}
                <button type="button" className="link-button" onClick={() => onSelect(problem.taskId as string)}>
                  Show the task
                </button>
              </>
            ) : null}
          </li>
        ))}
      </ul>
    </section>
  );
}
