import { useEffect, useState } from 'react';

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

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(window.location.hash));
  useEffect(() => {
    const update = (): void => setRoute(parseRoute(window.location.hash));
    window.addEventListener('hashchange', update);
    return () => window.removeEventListener('hashchange', update);
  }, []);
  return route;
}
