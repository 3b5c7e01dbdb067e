package io.loyaltyengine;

import java.util.List;

/**
 * One page of a keyset-paginated list. Immutable when its entries are, as every entry type the engine returns is.
 *
 * @param items the entries of this page, in the list's order; unmodifiable
 * @param nextId the cursor to pass to {@link Keyset#after(long, int)} for the next page, or {@code null} when this
 *     is the last page
 * @param <T> the entry type
 */
public record CursorPage<T>(List<T> items, Long nextId) {
  /**
   * Copies {@code items} into an unmodifiable list.
   *
   * @param items the entries of this page, in the list's order; unmodifiable
   * @param nextId the cursor to pass to {@link Keyset#after(long, int)} for the next page, or {@code null} when this is
   *     the last page
   */
  public CursorPage {
    items = List.copyOf(items);
  }

  /**
   * Builds a page from up to {@code limit + 1} rows read in list order: the extra row, when present, only tells
   * that another page follows, and the cursor is the id of the last row kept.
   *
   * @param <T> the entry type
   * @param rows the rows read, at most {@code limit + 1}
   * @param limit the page size asked for
   * @param idOf the id of a row
   * @return the page
   */
  public static <T> CursorPage<T> fromRows(List<T> rows, int limit, java.util.function.ToLongFunction<T> idOf) {
    if (rows.size() <= limit) {
      return new CursorPage<>(rows, null);
    }
    List<T> items = rows.subList(0, limit);
    return new CursorPage<>(items, idOf.applyAsLong(items.get(limit - 1)));
  }

  /**
   * Whether another page follows.
   *
   * @return true if another page follows
   */
  public boolean hasMore() {
    return nextId != null;
  }
}
