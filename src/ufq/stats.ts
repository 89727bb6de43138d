// The UFQ elevator's debugfs `ops_stats` counters (struct ufq_ops_stats, ufq-model §2.11),
// with each revision's labels and order as block/ufq-iosched.c ufq_ops_stats_show prints
// them. The elevator increments the fields; the increment rules and their quirks live at the
// increment sites in ufq/elevator.ts.

import { DOUBLE_FIELD } from '../double-field.js';
import type { UfqRevision } from './revisions.js';

export class OpsStats {
  dispatch_ok_count = 0;
  dispatch_ok_sectors = DOUBLE_FIELD;
  dispatch_null_count = 0;
  /** rev-3 only. */
  dispatch_bad_state_count = 0;
  /** rev-3 only. */
  has_work_false_pending_count = 0;
  insert_ok_count = 0;
  insert_ok_sectors = DOUBLE_FIELD;
  insert_err_count = 0;
  /** rev-3 only (a ufq_data field printed with the stats). */
  insert_err_handled = 0;
  /** rev-1 label merge_ok_*, rev-2+ field merge_request_ok_* printed as merge_req_ok_*. */
  merge_request_ok_count = 0;
  merge_request_ok_sectors = DOUBLE_FIELD;
  /** rev-2+ only. */
  merge_bio_ok_count = 0;
  merge_bio_ok_sectors = DOUBLE_FIELD;
  finish_ok_count = 0;
  finish_ok_sectors = DOUBLE_FIELD;

  constructor() {
    // Sector sums outgrow small integers on long runs: doubles from the start (DOUBLE_FIELD).
    this.dispatch_ok_sectors = 0;
    this.insert_ok_sectors = 0;
    this.merge_request_ok_sectors = 0;
    this.merge_bio_ok_sectors = 0;
    this.finish_ok_sectors = 0;
  }

  /**
   * The counters under their debugfs labels, in print order, for `rev`. rev-3 also prints the
   * live `rqs_count`.
   */
  labelled(rev: UfqRevision, rqs_count: number): Record<string, number> {
    if (rev === 1)
      return {
        dispatch_ok_count: this.dispatch_ok_count,
        dispatch_ok_sectors: this.dispatch_ok_sectors,
        dispatch_null_count: this.dispatch_null_count,
        insert_ok_count: this.insert_ok_count,
        insert_ok_sectors: this.insert_ok_sectors,
        insert_err_count: this.insert_err_count,
        merge_ok_count: this.merge_request_ok_count,
        merge_ok_sectors: this.merge_request_ok_sectors,
        finish_ok_count: this.finish_ok_count,
        finish_ok_sectors: this.finish_ok_sectors,
      };
    return {
      dispatch_ok_count: this.dispatch_ok_count,
      dispatch_ok_sectors: this.dispatch_ok_sectors,
      dispatch_null_count: this.dispatch_null_count,
      dispatch_bad_state_count: this.dispatch_bad_state_count,
      has_work_false_pending_count: this.has_work_false_pending_count,
      insert_ok_count: this.insert_ok_count,
      insert_ok_sectors: this.insert_ok_sectors,
      insert_err_count: this.insert_err_count,
      insert_err_handled: this.insert_err_handled,
      rqs_count,
      merge_req_ok_count: this.merge_request_ok_count,
      merge_req_ok_sectors: this.merge_request_ok_sectors,
      merge_bio_ok_count: this.merge_bio_ok_count,
      merge_bio_ok_sectors: this.merge_bio_ok_sectors,
      finish_ok_count: this.finish_ok_count,
      finish_ok_sectors: this.finish_ok_sectors,
    };
  }

  /** The debugfs file's text: one `label value` line per counter. */
  debugfs(rev: UfqRevision, rqs_count: number): string {
    const lines: string[] = [];
    for (const [k, v] of Object.entries(this.labelled(rev, rqs_count))) lines.push(`${k} ${v}`);
    return `${lines.join('\n')}\n`;
  }
}
