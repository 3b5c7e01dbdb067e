package io.loyaltyengine.access;

import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * A request to issue an API key. Validated by the engine: {@code name} is required, 1..100 characters (code points)
 * once stripped of surrounding whitespace, without control characters (a label for people, such as
 * {@code "checkout service"}), and stored stripped; {@code scopes} is required, not empty and without null. The
 * constructor copies the set (nulls included, for the engine to refuse). Immutable.
 *
 * @param name what the key is for
 * @param scopes what the key may do
 */
public record NewApiKey(String name, Set<ApiScope> scopes) {
  /**
   * Copies {@code scopes}.
   *
   * @param name what the key is for
   * @param scopes what the key may do
   */
  public NewApiKey {
    // Not Set.copyOf: a null element must reach the engine's validation, not fail here with a bare exception.
    scopes = scopes == null ? null : Collections.unmodifiableSet(new LinkedHashSet<>(scopes));
  }

  /**
   * A key named {@code name} with the given scopes (a scope given twice counts once).
   *
   * @param name what the key is for
   * @param scopes what the key may do
   * @return the request
   */
  public static NewApiKey of(String name, ApiScope... scopes) {
    return new NewApiKey(name, scopes == null ? null : new LinkedHashSet<>(Arrays.asList(scopes)));
  }
}
