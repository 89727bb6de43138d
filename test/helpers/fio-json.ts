// What the kernel did, as the workload measured it: per-job IOPS from a capture's fio JSON
// (`fio --output-format=json`), reads and writes added.
import { readFileSync } from 'node:fs';

interface FioJob {
  jobname: string;
  read: { iops: number };
  write: { iops: number };
}

/** Job name → IOPS (read + write) of `path`, a capture's NAME.fio.json. */
export function fioJobIops(path: string): Map<string, number> {
  const fio = JSON.parse(readFileSync(path, 'utf8')) as { jobs: FioJob[] };
  return new Map(fio.jobs.map((j) => [j.jobname, j.read.iops + j.write.iops]));
}
