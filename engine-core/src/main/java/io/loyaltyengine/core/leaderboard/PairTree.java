package io.loyaltyengine.core.leaderboard;

/**
 * A counted B+tree set of {@code (a, b)} pairs of longs in lexicographic order, stored in primitive arrays (no boxing):
 * about 16 bytes per pair in full leaves, 23 at the 70% fill random inserts leave. Inner nodes keep each child's
 * entry count, so {@link #countLess} is O(log N). Leaves are linked for in-order iteration ({@link Cursor}).
 *
 * <p>Not thread-safe: its owner ({@link Roster}, {@link BoardIndex}) guards it with a lock.
 */
final class PairTree {
  static final int LEAF_CAP = 64;
  static final int INNER_CAP = 64;
  /** Below these a node borrows from or merges with a sibling, so deletions cannot leave sparse leaves behind. */
  private static final int LEAF_MIN = LEAF_CAP / 4;
  private static final int INNER_MIN = INNER_CAP / 4;

  private Node root = new Leaf();
  private int size;
  /** Set by the recursive insert and remove: whether the set changed. */
  private boolean changed;

  private abstract static class Node {
    int n;
  }

  /** Pairs interleaved in one array ({@code k[2i], k[2i+1]}): one object and one cache line walk per lookup. */
  static final class Leaf extends Node {
    final long[] k = new long[2 * LEAF_CAP];
    Leaf next;

    /** The first index whose pair is >= (a, b); n if none. */
    int lowerBound(long a, long b) {
      int lo = 0;
      int hi = n;
      while (lo < hi) {
        int mid = (lo + hi) >>> 1;
        if (compare(k[2 * mid], k[2 * mid + 1], a, b) < 0) {
          lo = mid + 1;
        } else {
          hi = mid;
        }
      }
      return lo;
    }
  }

  /** Child i holds pairs >= low(i) and < low(i + 1); cnt[i] is its number of pairs. */
  private static final class Inner extends Node {
    final long[] low = new long[2 * INNER_CAP];
    final Node[] kids = new Node[INNER_CAP];
    final int[] cnt = new int[INNER_CAP];

    /** The child a pair belongs to: the last with low(i) <= (a, b), else the first. */
    int route(long a, long b) {
      int lo = 1;
      int hi = n;
      while (lo < hi) {
        int mid = (lo + hi) >>> 1;
        if (compare(low[2 * mid], low[2 * mid + 1], a, b) <= 0) {
          lo = mid + 1;
        } else {
          hi = mid;
        }
      }
      return lo - 1;
    }

    int total() {
      int t = 0;
      for (int i = 0; i < n; i++) {
        t += cnt[i];
      }
      return t;
    }
  }

  static int compare(long a1, long b1, long a2, long b2) {
    int c = Long.compare(a1, a2);
    return c != 0 ? c : Long.compare(b1, b2);
  }

  int size() {
    return size;
  }

  /** Adds the pair; false if it was there. */
  boolean insert(long a, long b) {
    changed = false;
    Node split = insert(root, a, b);
    if (split != null) {
      Inner top = new Inner();
      top.n = 2;
      top.kids[0] = root;
      top.kids[1] = split;
      int splitSize = sizeOf(split);
      top.cnt[1] = splitSize;
      top.cnt[0] = size + 1 - splitSize;
      top.low[0] = Long.MIN_VALUE;
      top.low[1] = Long.MIN_VALUE;
      setLow(top, 1, split);
      root = top;
    }
    if (changed) {
      size++;
    }
    return changed;
  }

  /** Removes the pair; false if it was not there. */
  boolean remove(long a, long b) {
    changed = false;
    remove(root, a, b);
    while (root instanceof Inner inner && inner.n == 1) {
      root = inner.kids[0];
    }
    if (changed) {
      size--;
    }
    return changed;
  }

  boolean contains(long a, long b) {
    Leaf leaf = leafFor(a, b);
    int i = leaf.lowerBound(a, b);
    return i < leaf.n && leaf.k[2 * i] == a && leaf.k[2 * i + 1] == b;
  }

  /** The number of pairs strictly less than (a, b). */
  int countLess(long a, long b) {
    Node x = root;
    int count = 0;
    while (x instanceof Inner inner) {
      int i = inner.route(a, b);
      for (int j = 0; j < i; j++) {
        count += inner.cnt[j];
      }
      x = inner.kids[i];
    }
    return count + ((Leaf) x).lowerBound(a, b);
  }

  /** A cursor on the first pair >= (a, b), or past the end. */
  Cursor ceiling(long a, long b) {
    Leaf leaf = leafFor(a, b);
    return new Cursor(leaf, leaf.lowerBound(a, b));
  }

  /** A cursor on the smallest pair, or past the end when empty. */
  Cursor first() {
    Node x = root;
    while (x instanceof Inner inner) {
      x = inner.kids[0];
    }
    return new Cursor((Leaf) x, 0);
  }

  /** Bytes this tree holds on a 64-bit JVM with compressed references (12-byte headers, 8-byte alignment). */
  long retainedBytes() {
    return retainedBytes(root);
  }

  private static long retainedBytes(Node node) {
    if (node instanceof Leaf) {
      return 24 + arrayBytes(2 * LEAF_CAP, 8);
    }
    Inner inner = (Inner) node;
    long bytes = 32 + arrayBytes(2 * INNER_CAP, 8) + arrayBytes(INNER_CAP, 4) * 2;
    for (int i = 0; i < inner.n; i++) {
      bytes += retainedBytes(inner.kids[i]);
    }
    return bytes;
  }

  static long arrayBytes(long length, int width) {
    return (16 + length * width + 7) & ~7L;
  }

  /** In-order iteration over the leaves; invalid once the tree changes (callers hold their owner's lock). */
  static final class Cursor {
    private Leaf leaf;
    private int i;

    Cursor(Leaf leaf, int i) {
      this.leaf = leaf;
      this.i = i;
      settle();
    }

    boolean valid() {
      return leaf != null;
    }

    long a() {
      return leaf.k[2 * i];
    }

    long b() {
      return leaf.k[2 * i + 1];
    }

    void next() {
      i++;
      settle();
    }

    private void settle() {
      while (leaf != null && i >= leaf.n) {
        leaf = leaf.next;
        i = 0;
      }
    }
  }

  private Leaf leafFor(long a, long b) {
    Node x = root;
    while (x instanceof Inner inner) {
      x = inner.kids[inner.route(a, b)];
    }
    return (Leaf) x;
  }

  private static int sizeOf(Node node) {
    return node instanceof Inner inner ? inner.total() : node.n;
  }

  /** Records child's lower bound in parent's slot i: a leaf's first pair, an inner node's own first bound. */
  private static void setLow(Inner parent, int i, Node child) {
    long[] src = child instanceof Leaf leaf ? leaf.k : ((Inner) child).low;
    parent.low[2 * i] = src[0];
    parent.low[2 * i + 1] = src[1];
  }

  private Node insert(Node node, long a, long b) {
    if (node instanceof Leaf leaf) {
      return insertInLeaf(leaf, a, b);
    }
    Inner inner = (Inner) node;
    int i = inner.route(a, b);
    if (i == 0 && compare(a, b, inner.low[0], inner.low[1]) < 0) {
      // Only on the leftmost path: keep "every pair of child i is >= low(i)" true everywhere.
      inner.low[0] = a;
      inner.low[1] = b;
    }
    Node split = insert(inner.kids[i], a, b);
    if (changed) {
      inner.cnt[i]++;
    }
    if (split == null) {
      return null;
    }
    int splitSize = sizeOf(split);
    inner.cnt[i] -= splitSize;
    return insertChild(inner, i + 1, split, splitSize);
  }

  private Node insertInLeaf(Leaf leaf, long a, long b) {
    int i = leaf.lowerBound(a, b);
    if (i < leaf.n && leaf.k[2 * i] == a && leaf.k[2 * i + 1] == b) {
      return null;
    }
    changed = true;
    if (leaf.n < LEAF_CAP) {
      putInLeaf(leaf, i, a, b);
      return null;
    }
    Leaf right = new Leaf();
    // Ids and creation times arrive in increasing order: appending at the last leaf keeps the left one full.
    int keep = i == leaf.n && leaf.next == null ? LEAF_CAP : LEAF_CAP / 2;
    right.n = leaf.n - keep;
    System.arraycopy(leaf.k, 2 * keep, right.k, 0, 2 * right.n);
    leaf.n = keep;
    right.next = leaf.next;
    leaf.next = right;
    if (i <= keep && !(i == keep && keep == LEAF_CAP)) {
      putInLeaf(leaf, i, a, b);
    } else {
      putInLeaf(right, i - keep, a, b);
    }
    return right;
  }

  private static void putInLeaf(Leaf leaf, int i, long a, long b) {
    System.arraycopy(leaf.k, 2 * i, leaf.k, 2 * i + 2, 2 * (leaf.n - i));
    leaf.k[2 * i] = a;
    leaf.k[2 * i + 1] = b;
    leaf.n++;
  }

  /** Puts child at position i of inner; splits inner when full and returns the new right sibling. */
  private Node insertChild(Inner inner, int i, Node child, int childSize) {
    if (inner.n < INNER_CAP) {
      putChild(inner, i, child, childSize);
      return null;
    }
    Inner right = new Inner();
    int keep = INNER_CAP / 2;
    right.n = inner.n - keep;
    System.arraycopy(inner.low, 2 * keep, right.low, 0, 2 * right.n);
    System.arraycopy(inner.kids, keep, right.kids, 0, right.n);
    System.arraycopy(inner.cnt, keep, right.cnt, 0, right.n);
    java.util.Arrays.fill(inner.kids, keep, inner.n, null);
    inner.n = keep;
    if (i <= keep) {
      putChild(inner, i, child, childSize);
    } else {
      putChild(right, i - keep, child, childSize);
    }
    return right;
  }

  private static void putChild(Inner inner, int i, Node child, int childSize) {
    System.arraycopy(inner.low, 2 * i, inner.low, 2 * i + 2, 2 * (inner.n - i));
    System.arraycopy(inner.kids, i, inner.kids, i + 1, inner.n - i);
    System.arraycopy(inner.cnt, i, inner.cnt, i + 1, inner.n - i);
    inner.kids[i] = child;
    inner.cnt[i] = childSize;
    setLow(inner, i, child);
    inner.n++;
  }

  private void remove(Node node, long a, long b) {
    if (node instanceof Leaf leaf) {
      int i = leaf.lowerBound(a, b);
      if (i < leaf.n && leaf.k[2 * i] == a && leaf.k[2 * i + 1] == b) {
        System.arraycopy(leaf.k, 2 * i + 2, leaf.k, 2 * i, 2 * (leaf.n - i - 1));
        leaf.n--;
        changed = true;
      }
      return;
    }
    Inner inner = (Inner) node;
    int i = inner.route(a, b);
    Node child = inner.kids[i];
    remove(child, a, b);
    if (!changed) {
      return;
    }
    inner.cnt[i]--;
    if (child.n < (child instanceof Leaf ? LEAF_MIN : INNER_MIN) && inner.n > 1) {
      rebalance(inner, i);
    }
  }

  /** Child i of parent is under-full: merge it with a sibling if both fit in one node, else share evenly. */
  private static void rebalance(Inner parent, int i) {
    int l = i + 1 < parent.n ? i : i - 1;
    int r = l + 1;
    Node left = parent.kids[l];
    Node right = parent.kids[r];
    if (left instanceof Leaf ll) {
      Leaf rl = (Leaf) right;
      if (ll.n + rl.n <= LEAF_CAP) {
        System.arraycopy(rl.k, 0, ll.k, 2 * ll.n, 2 * rl.n);
        ll.n += rl.n;
        ll.next = rl.next;
        parent.cnt[l] += parent.cnt[r];
        removeChild(parent, r);
        return;
      }
      int target = (ll.n + rl.n) / 2;
      if (ll.n > target) {
        int move = ll.n - target;
        System.arraycopy(rl.k, 0, rl.k, 2 * move, 2 * rl.n);
        System.arraycopy(ll.k, 2 * target, rl.k, 0, 2 * move);
        ll.n = target;
        rl.n += move;
      } else {
        int move = target - ll.n;
        System.arraycopy(rl.k, 0, ll.k, 2 * ll.n, 2 * move);
        System.arraycopy(rl.k, 2 * move, rl.k, 0, 2 * (rl.n - move));
        ll.n = target;
        rl.n -= move;
      }
      parent.cnt[l] = ll.n;
      parent.cnt[r] = rl.n;
      setLow(parent, r, rl);
      return;
    }
    Inner li = (Inner) left;
    Inner ri = (Inner) right;
    // The parent's bound for the right node bounds its first child from below and the left node from above.
    ri.low[0] = parent.low[2 * r];
    ri.low[1] = parent.low[2 * r + 1];
    if (li.n + ri.n <= INNER_CAP) {
      System.arraycopy(ri.low, 0, li.low, 2 * li.n, 2 * ri.n);
      System.arraycopy(ri.kids, 0, li.kids, li.n, ri.n);
      System.arraycopy(ri.cnt, 0, li.cnt, li.n, ri.n);
      li.n += ri.n;
      parent.cnt[l] += parent.cnt[r];
      removeChild(parent, r);
      return;
    }
    int target = (li.n + ri.n) / 2;
    if (li.n > target) {
      int move = li.n - target;
      System.arraycopy(ri.low, 0, ri.low, 2 * move, 2 * ri.n);
      System.arraycopy(ri.kids, 0, ri.kids, move, ri.n);
      System.arraycopy(ri.cnt, 0, ri.cnt, move, ri.n);
      System.arraycopy(li.low, 2 * target, ri.low, 0, 2 * move);
      System.arraycopy(li.kids, target, ri.kids, 0, move);
      System.arraycopy(li.cnt, target, ri.cnt, 0, move);
      java.util.Arrays.fill(li.kids, target, li.n, null);
      li.n = target;
      ri.n += move;
    } else {
      int move = target - li.n;
      System.arraycopy(ri.low, 0, li.low, 2 * li.n, 2 * move);
      System.arraycopy(ri.kids, 0, li.kids, li.n, move);
      System.arraycopy(ri.cnt, 0, li.cnt, li.n, move);
      System.arraycopy(ri.low, 2 * move, ri.low, 0, 2 * (ri.n - move));
      System.arraycopy(ri.kids, move, ri.kids, 0, ri.n - move);
      System.arraycopy(ri.cnt, move, ri.cnt, 0, ri.n - move);
      java.util.Arrays.fill(ri.kids, ri.n - move, ri.n, null);
      li.n = target;
      ri.n -= move;
    }
    parent.cnt[l] = li.total();
    parent.cnt[r] = ri.total();
    setLow(parent, r, ri);
  }

  private static void removeChild(Inner inner, int i) {
    System.arraycopy(inner.low, 2 * i + 2, inner.low, 2 * i, 2 * (inner.n - i - 1));
    System.arraycopy(inner.kids, i + 1, inner.kids, i, inner.n - i - 1);
    System.arraycopy(inner.cnt, i + 1, inner.cnt, i, inner.n - i - 1);
    inner.n--;
    inner.kids[inner.n] = null;
  }
}
