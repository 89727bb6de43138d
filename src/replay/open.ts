// Open-loop replay: every I/O arrives at its recorded Q time, whatever the simulated queue
// does, so a slow policy builds a backlog instead of slowing the workload. --time-scale
// multiplies the gaps between arrivals (2 = half the offered load). Latency is measured from
// this intended arrival, so no coordinated omission hides queueing (devices-metrics §3.3).
import type { IoTable } from '../trace/io-table.js';
import { ARRIVE, type ArrivalPlan, emptyPlan, type ProcessOrder, processOrder, scaled } from './plan.js';

export interface OpenOptions {
  /** Multiplier of inter-arrival times (1 = as recorded). */
  timeScale: number;
}

/** Arrival plan for open-loop replay: row r arrives at (tQ[r] - t0) × timeScale. */
export function planOpen(
  ios: IoTable,
  options: OpenOptions,
  order: ProcessOrder = processOrder(ios),
): ArrivalPlan {
  const plan = emptyPlan(ios, order, 'open');
  for (let k = 0; k < order.rows.length; k++) {
    const r = order.rows[k];
    plan.kind[r] = ARRIVE.AT;
    plan.delayNs[r] = scaled(ios.tQ[r] - order.t0Ns, options.timeScale);
  }
  return plan;
}
