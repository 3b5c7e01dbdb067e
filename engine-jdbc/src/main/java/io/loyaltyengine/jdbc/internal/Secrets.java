package io.loyaltyengine.jdbc.internal;

import java.util.regex.Pattern;

/**
 * Masks secrets in a JDBC URL for logging: parameters whose name holds {@code password}, {@code pwd},
 * {@code secret}, {@code token} or {@code key} (H2's {@code ;PASSWORD=}, PostgreSQL's {@code ?password=} and
 * {@code sslpassword=}), and the password of a {@code user:password@} authority.
 *
 * <p>Thread-safe: stateless.
 */
public final class Secrets {
  /** What a secret is replaced with. */
  public static final String MASK = "****";

  private static final Pattern PARAMETER =
      Pattern.compile("(?i)([;?&][^=;&?]*(?:password|pwd|secret|token|key)[^=;&?]*=)[^;&]*");
  private static final Pattern AUTHORITY = Pattern.compile("(//[^/:@;?]+:)[^@/;?]*@");

  private Secrets() {
  }

  /** {@code url} with its secrets masked. */
  public static String maskUrl(String url) {
    if (url == null) {
      return null;
    }
    String masked = PARAMETER.matcher(url).replaceAll("$1" + MASK);
    return AUTHORITY.matcher(masked).replaceAll("$1" + MASK + "@");
  }
}
