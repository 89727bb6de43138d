// What the Arrow table decoders (events, ios) share: columns found by name in a record
// batch, a schema check per column, and numeric columns read into doubles with a coded error
// naming the column and the row of the first value that is not an exact integer.
import type { Data, DataType, RecordBatch, Schema } from 'apache-arrow';
import { UfqReplayError } from '../../errors.js';
import { readNumbers } from './read-columns.js';

export class ColumnReader {
  private readonly index = new Map<string, number>();

  constructor(
    private readonly schema: Schema,
    protected readonly file: string,
    /** Where a schema error points the user (the schema's section of docs/formats.md). */
    private readonly hint: string,
  ) {
    schema.fields.forEach((f, i) => {
      this.index.set(f.name, i);
    });
  }

  protected has(name: string): boolean {
    return this.index.has(name);
  }

  /** Throws ARROW_BAD_SCHEMA when the schema lacks `name` (`what` prefixes the message). */
  protected require(name: string, what = ''): void {
    if (!this.index.has(name))
      throw new UfqReplayError('ARROW_BAD_SCHEMA', `${what}missing required column '${name}'`, {
        file: this.file,
        hint: this.hint,
      });
  }

  /** Throws ARROW_BAD_SCHEMA when column `name` is present with a type `ok` refuses. */
  protected expect(name: string, ok: (t: DataType) => boolean, what: string): void {
    const i = this.index.get(name);
    if (i === undefined) return;
    const t = this.schema.fields[i].type;
    if (!ok(t))
      throw new UfqReplayError('ARROW_BAD_SCHEMA', `column '${name}' has type ${t}, expected ${what}`, {
        file: this.file,
        hint: this.hint,
      });
  }

  protected col(rb: RecordBatch, name: string): Data | undefined {
    const i = this.index.get(name);
    return i === undefined ? undefined : (rb.data.children[i] as Data);
  }

  /**
   * A numeric column into `out` (`dflt` when absent, `nullValue` for nulls); throws
   * ARROW_BAD_VALUE at the first value that is not an integer below 2^53 (`why` ends its message).
   */
  protected numbers(
    rb: RecordBatch,
    name: string,
    out: Float64Array,
    nullValue: number,
    dflt: number,
    row0: number,
    why = '',
  ): void {
    const d = this.col(rb, name);
    const n = rb.numRows;
    if (!d) {
      out.fill(dflt, 0, n);
      return;
    }
    const bad = readNumbers(d, n, out, nullValue);
    if (bad >= 0)
      throw new UfqReplayError(
        'ARROW_BAD_VALUE',
        `column '${name}': value ${out[bad]} is not an integer below 2^53${why}`,
        { file: this.file, record: row0 + bad, hint: 'rebase times to the trace start; see docs/formats.md' },
      );
  }
}
