/**
 * The bounds of a search of the run history (`RunReadModel.listRuns`, `findTaskInstances`), on every
 * store. A search whose filters no index serves reads the history back to its start, so its cost grows
 * with the history: these bound what one caller, or many, can take from the server with such searches.
 */

/** A search not answered this long after it was asked fails with `SearchTimeoutError` (503), waiting included. */
export const SEARCH_DEADLINE_MS = 10_000;
/** Searches waiting for their turn beyond this many fail at once: a flood of them must not queue without end. */
export const MAX_WAITING_SEARCHES = 64;
