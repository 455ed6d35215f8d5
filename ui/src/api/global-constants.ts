import { api } from './client';

/** A global constant as `GET /workflows/global_constants` shows it (a secret's value is null). */
export interface GlobalConstant {
  name: string;
  value: unknown;
  secret: boolean;
  hint: string | null;
  created_at: string;
  updated_at: string;
}

export function listGlobalConstants(signal?: AbortSignal) {
  return api<{ data: GlobalConstant[] }>('/workflows/global_constants', { signal });
}

export function setGlobalConstant(name: string, value: unknown, secret: boolean) {
  return api<GlobalConstant>(`/workflows/global_constants/${encodeURIComponent(name)}`, {
    method: 'PUT',
    body: { value, secret },
  });
}

export function deleteGlobalConstant(name: string) {
  return api<{ success: boolean }>(`/workflows/global_constants/${encodeURIComponent(name)}`, { method: 'DELETE' });
}
