// Pending I/O spans of one device, keyed by start sector: the structure btt pairs with.
// btt keeps pending Qs in a Linux rbtree (btt/dip_rb.c) and its two queries depend on the
// tree's shape: "find the span containing a sector" returns the first containing node on
// the search path, and "every span inside [s, e)" prunes subtrees by span end, so it can
// miss nodes. To give btt's answers exactly, this is a red-black tree with the textbook
// (and lib/rbtree.c) insert and erase rules, same shapes, nodes in typed arrays with a
// free list so memory tracks the pending count, not the trace length.

/** No node. */
export const NIL = -1;

const RED = 0;
const BLACK = 1;
/** Initial node capacity (nodes); grows by doubling. */
const INITIAL_NODES = 64;

export class SectorTree {
  private start = new Float64Array(INITIAL_NODES);
  private end = new Float64Array(INITIAL_NODES);
  /** What the caller hangs on a node (an IoTable row). */
  private value = new Float64Array(INITIAL_NODES);
  /** A second per-node number for the caller (btt's sleep time of a Q). */
  private extra = new Float64Array(INITIAL_NODES);
  private left = new Int32Array(INITIAL_NODES);
  private right = new Int32Array(INITIAL_NODES);
  private parent = new Int32Array(INITIAL_NODES);
  private color = new Uint8Array(INITIAL_NODES);
  private root = NIL;
  private freeHead = NIL;
  private used = 0;
  /** Nodes in the tree. */
  size = 0;
  /** Scratch stack for traversals (node indexes). */
  private stack = new Int32Array(64);

  valueOf(node: number): number {
    return this.value[node];
  }
  extraOf(node: number): number {
    return this.extra[node];
  }
  setExtra(node: number, v: number): void {
    this.extra[node] = v;
  }
  startOf(node: number): number {
    return this.start[node];
  }
  endOf(node: number): number {
    return this.end[node];
  }

  /** Value of the node the last insert replaced, or NIL. */
  replaced = NIL;

  /**
   * Inserts span [start, end) carrying `value` and returns its node. A node with the same
   * start is replaced in place (same position and colour) and its value is left in
   * `replaced`: btt pairs a new Q with its sector and forgets the older pending one, as
   * btt 2.09 (blktrace 1.2) does when run on traces/ (checked on synthetic traces).
   */
  insert(start: number, end: number, value: number): number {
    this.replaced = NIL;
    let p = NIL;
    let n = this.root;
    let goLeft = false;
    while (n !== NIL) {
      const s = this.start[n];
      if (start === s) {
        this.replaced = this.value[n];
        this.end[n] = end;
        this.value[n] = value;
        this.extra[n] = 0;
        return n;
      }
      p = n;
      goLeft = start < s;
      n = goLeft ? this.left[n] : this.right[n];
    }
    const x = this.alloc();
    this.start[x] = start;
    this.end[x] = end;
    this.value[x] = value;
    this.extra[x] = 0;
    this.left[x] = NIL;
    this.right[x] = NIL;
    this.parent[x] = p;
    this.color[x] = RED;
    if (p === NIL) this.root = x;
    else if (goLeft) this.left[p] = x;
    else this.right[p] = x;
    this.size++;
    this.insertFixup(x);
    return x;
  }

  /** First node on the search path whose span contains `sector` (btt/dip_rb.c rb_find_sec). */
  findContaining(sector: number): number {
    let n = this.root;
    while (n !== NIL) {
      if (sector < this.start[n]) n = this.left[n];
      else if (sector >= this.end[n]) n = this.right[n];
      else return n;
    }
    return NIL;
  }

  /** Nodes found by the last collectInside call, in visiting order. */
  hits = new Int32Array(16);

  /**
   * Puts in `hits` the nodes whose span lies inside [s, e), visiting as btt/dip_rb.c
   * rb_foreach does: a subtree is skipped when the node's start or end already rules it out,
   * which can miss nested spans; kept on purpose. Returns how many were found.
   */
  collectInside(s: number, e: number): number {
    let found = 0;
    let sp = 0;
    if (this.root === NIL) return 0;
    this.stack[sp++] = this.root;
    while (sp > 0) {
      const n = this.stack[--sp];
      const ns = this.start[n];
      const ne = this.end[n];
      if (s <= ns && ne <= e) {
        if (found === this.hits.length) {
          const grown = new Int32Array(found * 2);
          grown.set(this.hits);
          this.hits = grown;
        }
        this.hits[found++] = n;
      }
      // Right pushed first so that the left subtree is visited first (pre-order, as btt).
      if (ne < e && this.right[n] !== NIL) this.push(this.right[n], sp++);
      if (s < ns && this.left[n] !== NIL) this.push(this.left[n], sp++);
    }
    return found;
  }

  /** Removes `node` from the tree and frees it. */
  remove(z: number): void {
    let y = z;
    let yColor = this.color[y];
    let x: number;
    let xParent: number;
    if (this.left[z] === NIL) {
      x = this.right[z];
      xParent = this.parent[z];
      this.transplant(z, x);
    } else if (this.right[z] === NIL) {
      x = this.left[z];
      xParent = this.parent[z];
      this.transplant(z, x);
    } else {
      // Two children: the successor (leftmost of the right subtree) takes z's place and colour.
      y = this.right[z];
      while (this.left[y] !== NIL) y = this.left[y];
      yColor = this.color[y];
      x = this.right[y];
      if (this.parent[y] === z) {
        xParent = y;
      } else {
        xParent = this.parent[y];
        this.transplant(y, x);
        this.right[y] = this.right[z];
        this.parent[this.right[y]] = y;
      }
      this.transplant(z, y);
      this.left[y] = this.left[z];
      this.parent[this.left[y]] = y;
      this.color[y] = this.color[z];
    }
    if (yColor === BLACK) this.deleteFixup(x, xParent);
    this.size--;
    this.left[z] = this.freeHead;
    this.freeHead = z;
  }

  /** Calls `fn(node)` for every node (any order); for end-of-trace accounting. */
  forEach(fn: (node: number) => void): void {
    if (this.root === NIL) return;
    const stack: number[] = [this.root];
    while (stack.length > 0) {
      const n = stack.pop()!;
      fn(n);
      if (this.left[n] !== NIL) stack.push(this.left[n]);
      if (this.right[n] !== NIL) stack.push(this.right[n]);
    }
  }

  /** Black height if the red-black rules hold, else -1 (tests). */
  checkInvariants(): number {
    if (this.root !== NIL && this.color[this.root] !== BLACK) return -1;
    const walk = (n: number, lo: number, hi: number): number => {
      if (n === NIL) return 1;
      const s = this.start[n];
      if (s <= lo || s >= hi) return -1;
      if (this.color[n] === RED) {
        const l = this.left[n];
        const r = this.right[n];
        if ((l !== NIL && this.color[l] === RED) || (r !== NIL && this.color[r] === RED)) return -1;
      }
      const bl = walk(this.left[n], lo, s);
      const br = walk(this.right[n], s, hi);
      if (bl < 0 || br < 0 || bl !== br) return -1;
      return bl + (this.color[n] === BLACK ? 1 : 0);
    };
    return walk(this.root, Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY);
  }

  private push(node: number, at: number): void {
    if (at === this.stack.length) {
      const grown = new Int32Array(at * 2);
      grown.set(this.stack);
      this.stack = grown;
    }
    this.stack[at] = node;
  }

  private alloc(): number {
    if (this.freeHead !== NIL) {
      const n = this.freeHead;
      this.freeHead = this.left[n];
      return n;
    }
    if (this.used === this.start.length) this.grow(this.used * 2);
    return this.used++;
  }

  private grow(capacity: number): void {
    const f64 = (a: Float64Array) => {
      const b = new Float64Array(capacity);
      b.set(a);
      return b;
    };
    const i32 = (a: Int32Array) => {
      const b = new Int32Array(capacity);
      b.set(a);
      return b;
    };
    this.start = f64(this.start);
    this.end = f64(this.end);
    this.value = f64(this.value);
    this.extra = f64(this.extra);
    this.left = i32(this.left);
    this.right = i32(this.right);
    this.parent = i32(this.parent);
    const c = new Uint8Array(capacity);
    c.set(this.color);
    this.color = c;
  }

  private transplant(u: number, v: number): void {
    const p = this.parent[u];
    if (p === NIL) this.root = v;
    else if (u === this.left[p]) this.left[p] = v;
    else this.right[p] = v;
    if (v !== NIL) this.parent[v] = p;
  }

  private rotateLeft(x: number): void {
    const y = this.right[x];
    this.right[x] = this.left[y];
    if (this.left[y] !== NIL) this.parent[this.left[y]] = x;
    this.transplant(x, y);
    this.left[y] = x;
    this.parent[x] = y;
  }

  private rotateRight(x: number): void {
    const y = this.left[x];
    this.left[x] = this.right[y];
    if (this.right[y] !== NIL) this.parent[this.right[y]] = x;
    this.transplant(x, y);
    this.right[y] = x;
    this.parent[x] = y;
  }

  private isRed(n: number): boolean {
    return n !== NIL && this.color[n] === RED;
  }

  // lib/rbtree.c __rb_insert: recolour while the uncle is red, else one or two rotations.
  private insertFixup(z: number): void {
    while (this.isRed(this.parent[z])) {
      const p = this.parent[z];
      const g = this.parent[p];
      if (p === this.left[g]) {
        const u = this.right[g];
        if (this.isRed(u)) {
          this.color[p] = BLACK;
          this.color[u] = BLACK;
          this.color[g] = RED;
          z = g;
          continue;
        }
        if (z === this.right[p]) {
          z = p;
          this.rotateLeft(z);
        }
        const p2 = this.parent[z];
        this.color[p2] = BLACK;
        this.color[g] = RED;
        this.rotateRight(g);
      } else {
        const u = this.left[g];
        if (this.isRed(u)) {
          this.color[p] = BLACK;
          this.color[u] = BLACK;
          this.color[g] = RED;
          z = g;
          continue;
        }
        if (z === this.left[p]) {
          z = p;
          this.rotateRight(z);
        }
        const p2 = this.parent[z];
        this.color[p2] = BLACK;
        this.color[g] = RED;
        this.rotateLeft(g);
      }
    }
    this.color[this.root] = BLACK;
  }

  // lib/rbtree.c ____rb_erase_color: x (possibly absent) is one black short, under xParent.
  private deleteFixup(x: number, xParent: number): void {
    while (x !== this.root && !this.isRed(x)) {
      if (x === this.left[xParent]) {
        let w = this.right[xParent];
        if (this.isRed(w)) {
          this.color[w] = BLACK;
          this.color[xParent] = RED;
          this.rotateLeft(xParent);
          w = this.right[xParent];
        }
        if (!this.isRed(this.left[w]) && !this.isRed(this.right[w])) {
          this.color[w] = RED;
          x = xParent;
          xParent = this.parent[x];
        } else {
          if (!this.isRed(this.right[w])) {
            this.color[this.left[w]] = BLACK;
            this.color[w] = RED;
            this.rotateRight(w);
            w = this.right[xParent];
          }
          this.color[w] = this.color[xParent];
          this.color[xParent] = BLACK;
          this.color[this.right[w]] = BLACK;
          this.rotateLeft(xParent);
          x = this.root;
        }
      } else {
        let w = this.left[xParent];
        if (this.isRed(w)) {
          this.color[w] = BLACK;
          this.color[xParent] = RED;
          this.rotateRight(xParent);
          w = this.left[xParent];
        }
        if (!this.isRed(this.left[w]) && !this.isRed(this.right[w])) {
          this.color[w] = RED;
          x = xParent;
          xParent = this.parent[x];
        } else {
          if (!this.isRed(this.left[w])) {
            this.color[this.right[w]] = BLACK;
            this.color[w] = RED;
            this.rotateLeft(w);
            w = this.left[xParent];
          }
          this.color[w] = this.color[xParent];
          this.color[xParent] = BLACK;
          this.color[this.left[w]] = BLACK;
          this.rotateRight(xParent);
          x = this.root;
        }
      }
    }
    if (x !== NIL) this.color[x] = BLACK;
  }
}
