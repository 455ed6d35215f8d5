import { useState } from 'react';
import { importWorkflow } from '../api/endpoints';
import { ErrorBanner } from '../components/feedback';
import { EXAMPLES } from '../model/examples';
import { navigate, workflowHref } from '../router';

/** The bundled examples as templates: one click imports one (inactive) and opens it. */
export function ExampleTemplates() {
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<unknown>();
  const use = async (slug: string): Promise<void> => {
    const example = EXAMPLES.find((e) => e.slug === slug);
    if (!example) return;
    setBusy(slug);
    setError(undefined);
    try {
      const workflow = await importWorkflow(example.document, false);
      navigate(workflowHref(workflow.id));
    } catch (caught) {
      setError(caught);
      setBusy(null);
    }
  };
  return (
    <section className="templates" aria-labelledby="templates-heading">
      <h2 id="templates-heading">Start from an example</h2>
      <ErrorBanner error={error} title="The example was not imported." />
      <ul className="template-grid">
        {EXAMPLES.map(({ slug, document }) => (
          <li key={slug} className="card template">
            <h3>{document.workflow.name}</h3>
            <p className="muted small template-description" title={document.workflow.description ?? undefined}>
              {document.workflow.description}
            </p>
            <p className="muted small">
              {document.tasks.length} {document.tasks.length === 1 ? 'task' : 'tasks'} ·{' '}
              <span className="mono">{slug}.json</span>
            </p>
            <button
              type="button"
              className="button button-small"
              disabled={busy !== null}
              aria-label={`Use the ${document.workflow.name} example`}
              onClick={() => void use(slug)}
            >
              {busy === slug ? 'Importing…' : 'Use this example'}
            </button>
          </li>
        ))}
      </ul>
    </section>
  );
}
