/**
 * Global constants (issue 11): tenant-wide name/value pairs, `GlobalConstants` in Liquid. A secret
 * constant's value is stored sealed only (`valueSealed`); the store never sees it in plain text.
 */
export interface GlobalConstantRecord {
  name: string;
  /** The value as JSON text; null for a secret constant. */
  valueJson: string | null;
  /** The sealed JSON text of a secret constant's value; null otherwise. */
  valueSealed: string | null;
  isSecret: boolean;
  createdAt: number;
  updatedAt: number;
}

/** The global constants: what management reads and writes. */
export interface GlobalConstantStore {
  /** Every global constant, by name. */
  list(): Promise<GlobalConstantRecord[]>;
  get(name: string): Promise<GlobalConstantRecord | undefined>;
  /** Creates or replaces a constant (its `createdAt` stays). */
  put(input: {
    name: string;
    valueJson: string | null;
    valueSealed: string | null;
    isSecret: boolean;
    now: number;
  }): Promise<GlobalConstantRecord>;
  /** False when there was no such constant. */
  delete(name: string): Promise<boolean>;
}
