import { RUN_STATE_COLUMNS } from '../rows.js';

/**
 * A run with its inputs, wherever they are kept: large inputs in `run_inputs` (migration 007), small ones and
 * those of runs written before in `runs.inputs`. Statements add their `WHERE` (on unqualified run columns:
 * `run_inputs` has only `run_id` and `inputs`).
 */
export const SELECT_RUN_WITH_INPUTS = `
  SELECT ${RUN_STATE_COLUMNS}, COALESCE(ri.inputs, r.inputs) AS inputs
  FROM runs r LEFT JOIN run_inputs ri ON ri.run_id = r.id`;

/**
 * Inputs longer than this are kept in `run_inputs`: a run's row is rewritten at each of its status changes,
 * and a row of a few KiB is rewritten within its page, a longer one with its overflow pages.
 */
export const LARGE_INPUTS_CHARS = 2048;
