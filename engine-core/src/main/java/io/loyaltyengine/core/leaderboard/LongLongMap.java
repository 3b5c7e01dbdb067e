package io.loyaltyengine.core.leaderboard;

import java.util.Arrays;

/**
 * An open-addressing map from long to long with linear probing and backward-shift deletion, in two primitive arrays
 * (no boxing). Capacities are not powers of two (the slot is picked by multiply-shift range reduction), so the table
 * can grow by half and stay between 53% and 80% full: 20 to 30 bytes per entry.
 *
 * <p>Not thread-safe: its owner ({@link BoardIndex}) guards it with a lock.
 */
final class LongLongMap {
  /** Marks an empty slot; the key Long.MIN_VALUE itself is kept aside in {@link #hasMin}/{@link #minValue}. */
  private static final long FREE = Long.MIN_VALUE;
  private static final double MAX_LOAD = 0.8;
  private static final int MIN_CAPACITY = 16;

  private long[] keys;
  private long[] values;
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
    long[] k = keys;
    int i = slot(key, k.length);
    while (true) {
      long at = k[i];
      if (at == key) {
        return values[i];
      }
      if (at == FREE) {
        return absent;
      }
      if (++i == k.length) {
        i = 0;
      }
    }
  }

  boolean containsKey(long key) {
    if (key == FREE) {
      return hasMin;
    }
    long[] k = keys;
    int i = slot(key, k.length);
    while (true) {
      long at = k[i];
      if (at == key) {
        return true;
      }
      if (at == FREE) {
        return false;
      }
      if (++i == k.length) {
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
    int i = slot(key, keys.length);
    while (true) {
      long at = keys[i];
      if (at == key) {
        values[i] = value;
        return;
      }
      if (at == FREE) {
        keys[i] = key;
        values[i] = value;
        if (++size > limit) {
          grow();
        }
        return;
      }
      if (++i == keys.length) {
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
    int n = keys.length;
    int i = slot(key, n);
    while (keys[i] != key) {
      if (keys[i] == FREE) {
        return absent;
      }
      if (++i == n) {
        i = 0;
      }
    }
    long old = values[i];
    // Backward shift: pull later entries of the probe run into the hole so lookups need no tombstones.
    int hole = i;
    int j = i;
    while (true) {
      if (++j == n) {
        j = 0;
      }
      long at = keys[j];
      if (at == FREE) {
        break;
      }
      int home = slot(at, n);
      boolean movable = hole <= j ? (home <= hole || home > j) : (home <= hole && home > j);
      if (movable) {
        keys[hole] = at;
        values[hole] = values[j];
        hole = j;
      }
    }
    keys[hole] = FREE;
    size--;
    return old;
  }

  /** Bytes held on a 64-bit JVM with compressed references. */
  long retainedBytes() {
    return 40 + PairTree.arrayBytes(keys.length, 8) * 2;
  }

  private static int slot(long key, int capacity) {
    long h = key * 0x9E3779B97F4A7C15L;
    h ^= h >>> 29;
    return (int) (((h >>> 32) * capacity) >>> 32);
  }

  private void allocate(int capacity) {
    keys = new long[capacity];
    Arrays.fill(keys, FREE);
    values = new long[capacity];
    limit = (int) (capacity * MAX_LOAD);
  }

  private void grow() {
    long[] oldKeys = keys;
    long[] oldValues = values;
    allocate(oldKeys.length + (oldKeys.length >> 1));
    for (int i = 0; i < oldKeys.length; i++) {
      long key = oldKeys[i];
      if (key != FREE) {
        int j = slot(key, keys.length);
        while (keys[j] != FREE) {
          if (++j == keys.length) {
            j = 0;
          }
        }
        keys[j] = key;
        values[j] = oldValues[i];
      }
    }
  }
}
