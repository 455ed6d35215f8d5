import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app';
// Shared first (tokens, shell, controls), then one file per screen; order matters only for equal specificity.
import './styles/base.css';
import './styles/layout.css';
import './styles/controls.css';
import './styles/feedback.css';
import './styles/data.css';
import './styles/dialog.css';
import './styles/graph.css';
import './styles/sign-in.css';
import './styles/workflows.css';
import './styles/runs.css';
import './styles/run.css';
import './styles/editor.css';
import './styles/data-editing.css';

const root = document.getElementById('root');
if (root) {
  createRoot(root).render(
    <StrictMode>
      <App />
    </StrictMode>,
  );
}
