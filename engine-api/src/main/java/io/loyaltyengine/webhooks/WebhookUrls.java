package io.loyaltyengine.webhooks;

import java.net.URI;
import java.net.URISyntaxException;

/** What the webhook values print of a URL. Thread-safe (stateless). */
final class WebhookUrls {
  private WebhookUrls() {}

  /**
   * The URL's scheme, host and port followed by {@code /<path hidden>} when it has more, or {@code <hidden>} if it is
   * not a URL with a host (it may be anything a caller passed).
   */
  static String origin(String url) {
    if (url == null) {
      return "null";
    }
    try {
      URI uri = new URI(url);
      if (uri.getScheme() == null || uri.getHost() == null) {
        return "<hidden>";
      }
      String origin = uri.getScheme() + "://" + uri.getHost() + (uri.getPort() < 0 ? "" : ":" + uri.getPort());
      boolean more = (uri.getRawPath() != null && !uri.getRawPath().isEmpty() && !uri.getRawPath().equals("/"))
          || uri.getRawQuery() != null || uri.getRawFragment() != null;
      return more ? origin + "/<path hidden>" : origin;
    } catch (URISyntaxException e) {
      return "<hidden>";
    }
  }
}
