package io.loyaltyengine.jdbc.internal;

import java.util.regex.Pattern;

/**
 * Masks secrets in a JDBC URL for logging: parameters whose name holds {@code password}, {@code pwd},
 * {@code secret}, {@code token} or {@code key} (H2's {@code ;PASSWORD=}, PostgreSQL's {@code ?password=} and
 * {@code sslpassword=}), and the password of a {@code user:password@} authority.
 *
 * <p>A value is masked up to the separator of the URL's own syntax, so that a secret holding the other one is masked
 * whole: {@code &} in a URL with a query ({@code ?a=1&b=2}: PostgreSQL, where {@code ;} is part of a value), {@code ;}
 * otherwise (H2 and others, where {@code &} is).
 *
 * <p>Thread-safe: stateless.
 */
public final class Secrets {
  /** What a secret is replaced with. */
  public static final String MASK = "****";

  private static final String SECRET_NAME = "(?:password|pwd|secret|token|key)";
  /** A secret parameter of a query ({@code ?a=1&b=2}): its value runs to the next {@code &}. */
  private static final Pattern QUERY_PARAMETER =
      Pattern.compile("(?i)([?&][^=&]*" + SECRET_NAME + "[^=&]*=)[^&]*");
  /**
   * A secret parameter of a {@code ;}-separated list ({@code ;A=1;B=2}): its value runs to the next {@code ;} that no
   * backslash escapes (H2 reads {@code \;} as a {@code ;} of the value, and {@code \\} as a backslash).
   */
  private static final Pattern LIST_PARAMETER =
      Pattern.compile("(?i)(;[^=;]*" + SECRET_NAME + "[^=;]*=)(?:\\\\.|[^;\\\\])*");
  /**
   * The password of a {@code user:password@} authority: it runs to the authority's last {@code @} (the one before the
   * path, settings or query), so that a password holding an unescaped {@code @} is masked whole.
   */
  private static final Pattern AUTHORITY = Pattern.compile("(//[^/:@;?]+:)[^/;?]*@");

  private Secrets() {
  }

  /** {@code url} with its secrets masked. */
  public static String maskUrl(String url) {
    if (url == null) {
      return null;
    }
    Pattern parameter = url.indexOf('?') >= 0 && !H2Urls.isH2(url) ? QUERY_PARAMETER : LIST_PARAMETER;
    String masked = parameter.matcher(url).replaceAll("$1" + MASK);
    return AUTHORITY.matcher(masked).replaceAll("$1" + MASK + "@");
  }
}
