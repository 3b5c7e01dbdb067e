package io.loyaltyengine;

import java.util.List;

/**
 * One numbered page of a list, with the totals an admin screen shows. Immutable when its entries are, as every entry
 * type the engine returns is.
 *
 * @param items the entries of this page; unmodifiable
 * @param page the page number, from 1
 * @param limit the requested page size
 * @param total how many entries match in all
 * @param totalPages {@code ceil(total / limit)}
 * @param <T> the entry type
 */
public record NumberedPage<T>(List<T> items, int page, int limit, long total, long totalPages) {
  /**
   * Copies {@code items} into an unmodifiable list.
   *
   * @param items the entries of this page; unmodifiable
   * @param page the page number, from 1
   * @param limit the requested page size
   * @param total how many entries match in all
   * @param totalPages {@code ceil(total / limit)}
   */
  public NumberedPage {
    items = List.copyOf(items);
  }

  /**
   * The page {@code request} asked for, holding {@code items} of {@code total} entries in all.
   *
   * @param <T> the entry type
   * @param items the page's entries
   * @param request the page asked for
   * @param total entries on all pages
   * @return the page
   */
  public static <T> NumberedPage<T> of(List<T> items, PageRequest request, long total) {
    return new NumberedPage<>(items, request.page(), request.limit(), total,
        (total + request.limit() - 1) / request.limit());
  }
}
