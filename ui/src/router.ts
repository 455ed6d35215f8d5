import { useEffect, useState } from 'react';
import { parseRunFilters, type RunFilters } from './model/run-filters';

/**
 * Hash routing: every UI path lives after `#` (`/#/workflows/7/settings`), so the server only ever serves
 * `/` for the UI and the API keeps every real path (`/workflows/...`).
 */

export const WORKFLOW_TABS = ['overview', 'run', 'runs', 'settings', 'versions', 'editor'] as const;
export type WorkflowTab = (typeof WORKFLOW_TABS)[number];

export type Route =
  | { page: 'workflows' }
  | { page: 'workflow'; workflowId: number; tab: WorkflowTab; version?: string }
  | { page: 'run'; runId: number }
  | { page: 'runs'; filters: RunFilters }
  | { page: 'constants' }
  | { page: 'not-found'; path: string };

export function parseRoute(hash: string): Route {
  const [pathPart = '', queryPart = ''] = hash.replace(/^#/, '').split('?');
  const path = pathPart.replace(/\/+$/, '') || '/';
  const query = new URLSearchParams(queryPart);
  if (path === '/' || path === '/workflows') return { page: 'workflows' };
  if (path === '/constants') return { page: 'constants' };
  const workflow = /^\/workflows\/(\d+)(?:\/([a-z]+))?$/.exec(path);
  if (workflow?.[1]) {
    const tab = (workflow[2] ?? 'overview') as WorkflowTab;
    if (!WORKFLOW_TABS.includes(tab)) return { page: 'not-found', path };
    const version = query.get('version');
    return { page: 'workflow', workflowId: Number(workflow[1]), tab, ...(version ? { version } : {}) };
  }
  if (path === '/runs') return { page: 'runs', filters: parseRunFilters(query) };
  const run = /^\/runs\/(\d+)$/.exec(path);
  if (run?.[1]) return { page: 'run', runId: Number(run[1]) };
  return { page: 'not-found', path };
}

export function workflowHref(workflowId: number, tab: WorkflowTab = 'overview', version?: string): string {
  const base = tab === 'overview' ? `#/workflows/${workflowId}` : `#/workflows/${workflowId}/${tab}`;
  return version ? `${base}?version=${encodeURIComponent(version)}` : base;
}

export function runHref(runId: number): string {
  return `#/runs/${runId}`;
}

export function navigate(href: string): void {
  window.location.hash = href.replace(/^#/, '');
}

/**
 * What to ask before leaving the current page (unsaved edits), or null. Set by the page that has
 * something to lose; the router asks before any hash change, and the browser before closing the page.
 */
let leaveQuestion: string | null = null;

/** Ask `question` before the page is left (null: leave freely). Returns the function that withdraws it. */
export function guardLeaving(question: string): () => void {
  leaveQuestion = question;
  const warn = (event: BeforeUnloadEvent): void => event.preventDefault();
  window.addEventListener('beforeunload', warn);
  return () => {
    if (leaveQuestion === question) leaveQuestion = null;
    window.removeEventListener('beforeunload', warn);
  };
}

/** Whether the person may leave now: nothing to lose, or they said so. */
export function confirmLeaving(): boolean {
  if (leaveQuestion === null || window.confirm(leaveQuestion)) {
    leaveQuestion = null;
    return true;
  }
  return false;
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(window.location.hash));
  useEffect(() => {
    const update = (event: HashChangeEvent): void => {
      // A hash change cannot be cancelled, only undone: put the old address back without a new entry.
      if (!confirmLeaving()) {
        window.history.replaceState(window.history.state, '', event.oldURL);
        return;
      }
      setRoute(parseRoute(window.location.hash));
    };
    window.addEventListener('hashchange', update);
    return () => window.removeEventListener('hashchange', update);
  }, []);
  return route;
}
