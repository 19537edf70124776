import type { ErrorCode } from '../core/errors.js';

/** A row of a bulk file that cannot be sent, and why. */
export interface RowProblem {
  row: number;
  line: number | null;
  errors: { code: ErrorCode; message: string }[];
}

/** "row 3 (line 4): invalid phone number …" */
export function describeProblem(problem: RowProblem): string {
  return `row ${problem.row}${problem.line === null ? '' : ` (line ${problem.line})`}: ${problem.errors.map((e) => e.message).join(', ')}`;
}
