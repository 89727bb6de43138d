// An independent red-black tree written from the textbook (Cormen et al., Introduction to
// Algorithms, 3rd ed., §13.3 RB-INSERT-FIXUP and §13.4 RB-DELETE / RB-DELETE-FIXUP) in its own
// style: a shared black sentinel, explicit rotations. Its case analysis matches lib/rbtree.c
// (successor replacement, same four erase cases), so for the same operations the tree shape
// and colours must equal the Linux tree's. Used only as a test oracle.

interface CNode {
  key: number;
  id: number;
  red: boolean;
  left: CNode;
  right: CNode;
  p: CNode;
}

export class ClrsTree {
  private readonly nil: CNode;
  private root: CNode;
  private readonly byId = new Map<number, CNode>();

  constructor() {
    const nil = { key: 0, id: -1, red: false } as CNode;
    nil.left = nil;
    nil.right = nil;
    nil.p = nil;
    this.nil = nil;
    this.root = nil;
  }

  insert(key: number, id: number): void {
    const nil = this.nil;
    const z: CNode = { key, id, red: true, left: nil, right: nil, p: nil };
    this.byId.set(id, z);
    let y = nil;
    let x = this.root;
    while (x !== nil) {
      y = x;
      x = key < x.key ? x.left : x.right;
    }
    z.p = y;
    if (y === nil) this.root = z;
    else if (key < y.key) y.left = z;
    else y.right = z;
    this.insertFixup(z);
  }

  remove(id: number): void {
    const nil = this.nil;
    const z = this.byId.get(id);
    if (!z) throw new Error(`oracle: no node ${id}`);
    this.byId.delete(id);
    let y = z;
    let yWasRed = y.red;
    let x: CNode;
    if (z.left === nil) {
      x = z.right;
      this.transplant(z, z.right);
    } else if (z.right === nil) {
      x = z.left;
      this.transplant(z, z.left);
    } else {
      y = z.right;
      while (y.left !== nil) y = y.left;
      yWasRed = y.red;
      x = y.right;
      if (y.p === z) {
        x.p = y;
      } else {
        this.transplant(y, y.right);
        y.right = z.right;
        y.right.p = y;
      }
      this.transplant(z, y);
      y.left = z.left;
      y.left.p = y;
      y.red = z.red;
    }
    if (!yWasRed) this.deleteFixup(x);
  }

  /** Same notation as the test's Linux serialiser: `<id><R|B>(<left>,<right>)`, `-` for nil. */
  shape(): string {
    const nil = this.nil;
    const walk = (n: CNode): string => {
      if (n === nil) return '-';
      const me = `${n.id}${n.red ? 'R' : 'B'}`;
      if (n.left === nil && n.right === nil) return me;
      return `${me}(${walk(n.left)},${walk(n.right)})`;
    };
    return this.root === nil ? '' : walk(this.root);
  }

  private transplant(u: CNode, v: CNode): void {
    if (u.p === this.nil) this.root = v;
    else if (u === u.p.left) u.p.left = v;
    else u.p.right = v;
    v.p = u.p;
  }

  private rotateLeft(x: CNode): void {
    const y = x.right;
    x.right = y.left;
    if (y.left !== this.nil) y.left.p = x;
    y.p = x.p;
    if (x.p === this.nil) this.root = y;
    else if (x === x.p.left) x.p.left = y;
    else x.p.right = y;
    y.left = x;
    x.p = y;
  }

  private rotateRight(x: CNode): void {
    const y = x.left;
    x.left = y.right;
    if (y.right !== this.nil) y.right.p = x;
    y.p = x.p;
    if (x.p === this.nil) this.root = y;
    else if (x === x.p.right) x.p.right = y;
    else x.p.left = y;
    y.right = x;
    x.p = y;
  }

  private insertFixup(z0: CNode): void {
    let z = z0;
    while (z.p.red) {
      const g = z.p.p;
      if (z.p === g.left) {
        const y = g.right;
        if (y.red) {
          z.p.red = false;
          y.red = false;
          g.red = true;
          z = g;
        } else {
          if (z === z.p.right) {
            z = z.p;
            this.rotateLeft(z);
          }
          z.p.red = false;
          z.p.p.red = true;
          this.rotateRight(z.p.p);
        }
      } else {
        const y = g.left;
        if (y.red) {
          z.p.red = false;
          y.red = false;
          g.red = true;
          z = g;
        } else {
          if (z === z.p.left) {
            z = z.p;
            this.rotateRight(z);
          }
          z.p.red = false;
          z.p.p.red = true;
          this.rotateLeft(z.p.p);
        }
      }
    }
    this.root.red = false;
  }

  private deleteFixup(x0: CNode): void {
    let x = x0;
    while (x !== this.root && !x.red) {
      if (x === x.p.left) {
        let w = x.p.right;
        if (w.red) {
          w.red = false;
          x.p.red = true;
          this.rotateLeft(x.p);
          w = x.p.right;
        }
        if (!w.left.red && !w.right.red) {
          w.red = true;
          x = x.p;
        } else {
          if (!w.right.red) {
            w.left.red = false;
            w.red = true;
            this.rotateRight(w);
            w = x.p.right;
          }
          w.red = x.p.red;
          x.p.red = false;
          w.right.red = false;
          this.rotateLeft(x.p);
          x = this.root;
        }
      } else {
        let w = x.p.left;
        if (w.red) {
          w.red = false;
          x.p.red = true;
          this.rotateRight(x.p);
          w = x.p.left;
        }
        if (!w.right.red && !w.left.red) {
          w.red = true;
          x = x.p;
        } else {
          if (!w.left.red) {
            w.right.red = false;
            w.red = true;
            this.rotateLeft(w);
            w = x.p.left;
          }
          w.red = x.p.red;
          x.p.red = false;
          w.left.red = false;
          this.rotateRight(x.p);
          x = this.root;
        }
      }
    }
    x.red = false;
  }
}
