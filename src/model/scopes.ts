/** OAuth scopes, mapped to the reference's permissions (View, Manage, Run access). */
export const Scope = {
  View: 'workflow:view',
  Manage: 'workflow:manage',
  Run: 'workflow:run',
} as const;
export type Scope = (typeof Scope)[keyof typeof Scope];

export const ALL_SCOPES: readonly Scope[] = [Scope.View, Scope.Manage, Scope.Run];

export function isScope(value: string): value is Scope {
  return (ALL_SCOPES as readonly string[]).includes(value);
}
