package io.loyaltyengine.jdbc.internal;

import java.util.regex.Matcher;
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
 * <p>An authority's password is masked to the {@code @} before the host, so that a password holding an unescaped
 * {@code @}, {@code /}, {@code ?}, {@code #} or {@code ;} (generated passwords do) is masked whole: to the last
 * {@code @} followed by a host, an optional port and the end of the authority, short of one after a path that has
 * begun a query or settings ({@code /shop?user=me@example.com}: that {@code @} is a value's). What reads as a query
 * begun inside the password ({@code //app:pa/ss?x=1@db/shop}) does not cut it short: an {@code @} whose host a path
 * follows ({@code @db/shop}) ends user information wherever it is, and so does the first {@code @} followed by a
 * host when the text after the authority's first {@code :} is no port ({@code //app:pa/...}, where
 * {@code //db:5432/shop?user=me@example.com} has one and no user information). A JDBC URL names its database in a
 * path after the host, so a query's {@code @} followed by a host and a {@code /} is rare; read as the end of user
 * information, it masks more than the password, never less.
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
   * What follows an authority's {@code @}: a host (a name, or an IPv6 address in brackets) and an optional port, up to
   * the path, query, settings or fragment, or the URL's end.
   */
  private static final Pattern HOST =
      Pattern.compile("(?:\\[[^\\]/@]*\\]|[^/?#;@:\\[\\]]*)(?::[0-9]*)?(?=[/?#;]|$)");
  /** A path, then a query or settings begun ({@code /shop?user=}): an {@code @} after it is a value's. */
  private static final Pattern PARAMETERS_BEGUN = Pattern.compile("/[^?;]*[?;][A-Za-z0-9_.\\-]+=");
  /** A port (or none), then the end of the authority: what follows a host's {@code :} ({@code //db:5432/shop}). */
  private static final Pattern PORT = Pattern.compile("[0-9]*(?=[/?#;]|$)");

  private Secrets() {
  }

  /** {@code url} with its secrets masked. */
  public static String maskUrl(String url) {
    if (url == null) {
      return null;
    }
    // The authority first: a password holding '&' or ';' and a secret's name must not be read as a parameter.
    String masked = maskAuthority(url);
    Pattern parameter = masked.indexOf('?') >= 0 && !H2Urls.isH2(masked) ? QUERY_PARAMETER : LIST_PARAMETER;
    return parameter.matcher(masked).replaceAll("$1" + MASK);
  }

  /** {@code url} with the password of a {@code //user:password@} authority masked, from its first {@code :}. */
  private static String maskAuthority(String url) {
    int start = url.indexOf("//");
    if (start < 0) {
      return url;
    }
    start += 2;
    int end = authorityEnd(url, start);
    int colon = end < 0 ? -1 : url.indexOf(':', start);
    if (colon < 0 || colon > end) {
      return url;
    }
    return url.substring(0, colon + 1) + MASK + url.substring(end);
  }

  /**
   * The index of the {@code @} that ends the user information of the authority starting at {@code start}, or -1: the
   * last {@code @} followed by a host that is followed by a path, by nothing else of the authority's user
   * information (the first such {@code @} when the authority's first {@code :} is followed by no port), or by no
   * query or settings a path began since the host before.
   */
  private static int authorityEnd(String url, int start) {
    int colon = url.indexOf(':', start);
    // "//app:pa/ss?x=1@db": what follows the ':' is no port, so "app" is a user and the '@' ends a password.
    boolean password = colon >= 0 && noneOf(url, start, colon, "/?#;[]")
        && !PORT.matcher(url).region(colon + 1, url.length()).lookingAt();
    int end = -1;
    int from = start;
    for (int at = url.indexOf('@', start); at >= 0; at = url.indexOf('@', at + 1)) {
      Matcher host = HOST.matcher(url).region(at + 1, url.length());
      if (!host.lookingAt()) {
        continue;
      }
      boolean path = host.end() < url.length() && url.charAt(host.end()) == '/';
      if (path || (end < 0 && password) || !PARAMETERS_BEGUN.matcher(url).region(from, at).find()) {
        end = at;
        from = host.end();
      }
    }
    return end;
  }

  /** Whether {@code url} holds none of {@code chars} from {@code from} to {@code to}. */
  private static boolean noneOf(String url, int from, int to, String chars) {
    for (int i = from; i < to; i++) {
      if (chars.indexOf(url.charAt(i)) >= 0) {
        return false;
      }
    }
    return true;
  }
}
