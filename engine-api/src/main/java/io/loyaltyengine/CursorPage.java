package io.loyaltyengine;

import java.util.List;

/**
 * One page of a keyset-paginated list.
 *
 * @param items the entries of this page, in the list's order; unmodifiable
 * @param nextId the cursor to pass to {@link Keyset#after(long, int)} for the next page, or {@code null} when this
 *     is the last page
 * @param <T> the entry type
 */
public record CursorPage<T>(List<T> items, Long nextId) {
  /** Copies {@code items} into an unmodifiable list. */
  public CursorPage {
    items = List.copyOf(items);
  }

  /** Whether another page follows. */
  public boolean hasMore() {
    return nextId != null;
  }
}
