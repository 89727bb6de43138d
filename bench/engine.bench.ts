// Micro-benchmark of the event engine (not part of `npm test`): `npx tsx bench/engine.bench.ts`.
// Three loads: the classic "hold" model (each event reschedules itself a random delay ahead,
// queue size fixed), a bulk load (all events queued up front), and a timer churn where every
// event re-arms a timeout by cancelling the previous one (as a completion queue does).

import { Engine } from '../src/sim/engine.js';
import { Rng } from '../src/sim/rng.js';

function report(name: string, events: number, ms: number): void {
  const rate = events / (ms / 1000);
  console.log(
    `${name.padEnd(34)} ${events.toLocaleString('en-US').padStart(11)} events  ${ms.toFixed(0).padStart(6)} ms  ${(rate / 1e6).toFixed(2)} M events/s`,
  );
}

function hold(queued: number, total: number): void {
  const eng = new Engine();
  const rng = new Rng(1);
  let left = total;
  const tick = (): void => {
    if (--left > queued) eng.after(1 + rng.int(1000), tick);
  };
  for (let i = 0; i < queued; i++) eng.at(rng.int(1000), tick);
  const t0 = performance.now();
  eng.run();
  report(`hold, ${queued.toLocaleString('en-US')} queued`, eng.executed, performance.now() - t0);
}

function bulk(total: number): void {
  const eng = new Engine();
  const rng = new Rng(2);
  let sink = 0;
  const fn = (): void => {
    sink++;
  };
  const t0 = performance.now();
  for (let i = 0; i < total; i++) eng.at(rng.int(1e9), fn, i % 3);
  eng.run();
  report('bulk schedule + run', eng.executed, performance.now() - t0);
  if (sink !== total) throw new Error('lost events');
}

function timerChurn(total: number): void {
  const eng = new Engine();
  let timer = -1;
  let left = total;
  const timeout = (): void => {};
  const io = (): void => {
    if (timer >= 0) eng.cancel(timer);
    timer = eng.after(1_000_000, timeout);
    if (--left > 0) eng.after(10, io);
  };
  eng.at(0, io);
  const t0 = performance.now();
  eng.run();
  report('timer churn (1 cancel per event)', eng.executed, performance.now() - t0);
}

// Warm up the JIT on a small run first so the figures reflect steady state.
hold(100, 200_000);
hold(1_000, 3_000_000);
hold(100_000, 3_000_000);
bulk(1_000_000);
timerChurn(2_000_000);
