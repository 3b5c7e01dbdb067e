package io.loyaltyengine.core.leaderboard;

/**
 * An open-addressing map from long to long with linear probing and backward-shift deletion, in one primitive array
 * (no boxing) holding each key next to its value, so that a lookup in a map far larger than the CPU caches costs one
 * cache miss, not one for the key and another for the value. Capacities are not powers of two (the slot is picked by
 * multiply-shift range reduction), so the table can grow by half and stay between 53% and 80% full: 20 to 30 bytes
 * per entry.
 *
 * <p>Not thread-safe: its owner ({@link BoardIndex}) guards it with a lock.
 */
final class LongLongMap {
  /** Marks an empty slot; the key Long.MIN_VALUE itself is kept aside in {@link #hasMin}/{@link #minValue}. */
  private static final long FREE = Long.MIN_VALUE;
  private static final double MAX_LOAD = 0.8;
  private static final int MIN_CAPACITY = 16;

  /** Slot i holds its key at {@code 2i} and its value at {@code 2i + 1}. */
  private long[] table;
  private int capacity;
  private int size;
  private int limit;
  private boolean hasMin;
  private long minValue;

  LongLongMap() {
    allocate(MIN_CAPACITY);
  }

  int size() {
    return size + (hasMin ? 1 : 0);
  }

  /** The value of key, or absent. */
  long get(long key, long absent) {
    if (key == FREE) {
      return hasMin ? minValue : absent;
    }
    long[] t = table;
    int n = t.length >>> 1;
    int i = slot(key, n);
    while (true) {
      long at = t[2 * i];
      if (at == key) {
        return t[2 * i + 1];
      }
      if (at == FREE) {
        return absent;
      }
      if (++i == n) {
        i = 0;
      }
    }
  }

  boolean containsKey(long key) {
    if (key == FREE) {
      return hasMin;
    }
    long[] t = table;
    int n = t.length >>> 1;
    int i = slot(key, n);
    while (true) {
      long at = t[2 * i];
      if (at == key) {
        return true;
      }
      if (at == FREE) {
        return false;
      }
      if (++i == n) {
        i = 0;
      }
    }
  }

  void put(long key, long value) {
    if (key == FREE) {
      hasMin = true;
      minValue = value;
      return;
    }
    long[] t = table;
    int n = capacity;
    int i = slot(key, n);
    while (true) {
      long at = t[2 * i];
      if (at == key) {
        t[2 * i + 1] = value;
        return;
      }
      if (at == FREE) {
        t[2 * i] = key;
        t[2 * i + 1] = value;
        if (++size > limit) {
          grow();
        }
        return;
      }
      if (++i == n) {
        i = 0;
      }
    }
  }

  /** Removes key; returns its value, or absent. */
  long remove(long key, long absent) {
    if (key == FREE) {
      long old = hasMin ? minValue : absent;
      hasMin = false;
      return old;
    }
    long[] t = table;
    int n = capacity;
    int i = slot(key, n);
    while (t[2 * i] != key) {
      if (t[2 * i] == FREE) {
        return absent;
      }
      if (++i == n) {
        i = 0;
      }
    }
    long old = t[2 * i + 1];
    // Backward shift: pull later entries of the probe run into the hole so lookups need no tombstones.
    int hole = i;
    int j = i;
    while (true) {
      if (++j == n) {
        j = 0;
      }
      long at = t[2 * j];
      if (at == FREE) {
        break;
      }
      int home = slot(at, n);
      boolean movable = hole <= j ? (home <= hole || home > j) : (home <= hole && home > j);
      if (movable) {
        t[2 * hole] = at;
        t[2 * hole + 1] = t[2 * j + 1];
        hole = j;
      }
    }
    t[2 * hole] = FREE;
    size--;
    return old;
  }

  /** Bytes held on a 64-bit JVM with compressed references. */
  long retainedBytes() {
    return 40 + PairTree.arrayBytes(table.length, 8);
  }

  private static int slot(long key, int capacity) {
    long h = key * 0x9E3779B97F4A7C15L;
    h ^= h >>> 29;
    return (int) (((h >>> 32) * capacity) >>> 32);
  }

  private void allocate(int slots) {
    table = new long[2 * slots];
    for (int i = 0; i < table.length; i += 2) {
      table[i] = FREE;
    }
    capacity = slots;
    limit = (int) (slots * MAX_LOAD);
  }

  private void grow() {
    long[] old = table;
    allocate(capacity + (capacity >> 1));
    long[] t = table;
    int n = capacity;
    for (int i = 0; i < old.length; i += 2) {
      long key = old[i];
      if (key != FREE) {
        int j = slot(key, n);
        while (t[2 * j] != FREE) {
          if (++j == n) {
            j = 0;
          }
        }
        t[2 * j] = key;
        t[2 * j + 1] = old[i + 1];
      }
    }
  }

  @Override
  public String toString() {
    return "LongLongMap[size=" + size() + ", capacity=" + capacity + "]";
  }
}
