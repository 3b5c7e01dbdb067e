package io.loyaltyengine.testkit;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.loyaltyengine.CursorPage;
import io.loyaltyengine.Keyset;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * Walks the engine's keyset-paged lists ({@link CursorPage}) to their end, for tests' checks. Thread-safe: stateless.
 */
public final class Pages {
  private Pages() {
  }

  /**
   * Every item of a keyset-paged list, walked a page of {@code limit} at a time from the first; each page must hold
   * at most its limit.
   *
   * @param read reads one page, such as {@code page -> scope.points().history(ref, page)}
   * @param limit the page size, 1 to {@link Keyset#MAX_LIMIT}
   * @param <T> the items' type
   * @return the items in the list's order
   */
  public static <T> List<T> all(Function<Keyset, CursorPage<T>> read, int limit) {
    List<T> all = new ArrayList<>();
    Keyset page = Keyset.first(limit);
    while (true) {
      CursorPage<T> got = read.apply(page);
      assertTrue(got.items().size() <= limit, "a page holds at most its limit");
      all.addAll(got.items());
      if (!got.hasMore()) {
        return all;
      }
      page = Keyset.after(got.nextId(), limit);
    }
  }

  /**
   * As {@link #all(Function, int)}, with pages of {@link Keyset#MAX_LIMIT}.
   *
   * @param read reads one page
   * @param <T> the items' type
   * @return the items in the list's order
   */
  public static <T> List<T> all(Function<Keyset, CursorPage<T>> read) {
    return all(read, Keyset.MAX_LIMIT);
  }
}
