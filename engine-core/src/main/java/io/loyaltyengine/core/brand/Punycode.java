package io.loyaltyengine.core.brand;

/**
 * Punycode (RFC 3492), the encoding of an internationalized label's characters after its {@code xn--} prefix. The JDK
 * has it only inside {@link java.net.IDN}, whose {@code toUnicode} also maps the decoded label by IDNA2003 and so
 * cannot tell a valid label with ß or final sigma (kept by IDNA2008) from one that does not decode.
 *
 * <p>Thread-safe: stateless.
 */
final class Punycode {
  private static final int BASE = 36;
  private static final int TMIN = 1;
  private static final int TMAX = 26;
  private static final int SKEW = 38;
  private static final int DAMP = 700;
  private static final int INITIAL_BIAS = 72;
  private static final int INITIAL_N = 128;

  private Punycode() {
  }

  /**
   * Decodes lower-case punycode (the part after {@code xn--}) to the label's code points, or returns null when it is
   * not valid punycode (a character outside a-z, 0-9 and the delimiter, a digit run cut short, an overflow, or a
   * code point outside Unicode or a surrogate).
   */
  static int[] decode(String input) {
    int delimiter = Math.max(input.lastIndexOf('-'), 0);
    // Each code point takes at least one character of the input, so the output is never longer.
    int[] out = new int[input.length()];
    int length = 0;
    for (int j = 0; j < delimiter; j++) {
      char c = input.charAt(j);
      if (c >= 0x80) {
        return null;
      }
      out[length++] = c;
    }
    int n = INITIAL_N;
    int i = 0;
    int bias = INITIAL_BIAS;
    int in = delimiter > 0 ? delimiter + 1 : 0;
    while (in < input.length()) {
      int oldI = i;
      int w = 1;
      for (int k = BASE; ; k += BASE) {
        if (in >= input.length()) {
          return null;
        }
        int digit = digit(input.charAt(in++));
        if (digit < 0 || digit > (Integer.MAX_VALUE - i) / w) {
          return null;
        }
        i += digit * w;
        int t = threshold(k, bias);
        if (digit < t) {
          break;
        }
        if (w > Integer.MAX_VALUE / (BASE - t)) {
          return null;
        }
        w *= BASE - t;
      }
      bias = adapt(i - oldI, length + 1, oldI == 0);
      if (i / (length + 1) > Integer.MAX_VALUE - n) {
        return null;
      }
      n += i / (length + 1);
      i %= length + 1;
      if (n > Character.MAX_CODE_POINT || n >= Character.MIN_SURROGATE && n <= Character.MAX_SURROGATE
          || length == out.length) {
        return null;
      }
      System.arraycopy(out, i, out, i + 1, length - i);
      out[i++] = n;
      length++;
    }
    return java.util.Arrays.copyOf(out, length);
  }

  /** Encodes code points as punycode (without the {@code xn--} prefix), lower case. */
  static String encode(int[] codePoints) {
    StringBuilder out = new StringBuilder();
    for (int c : codePoints) {
      if (c < 0x80) {
        out.append((char) c);
      }
    }
    int basic = out.length();
    int handled = basic;
    if (basic > 0) {
      out.append('-');
    }
    int n = INITIAL_N;
    long delta = 0;
    int bias = INITIAL_BIAS;
    while (handled < codePoints.length) {
      int m = Integer.MAX_VALUE;
      for (int c : codePoints) {
        if (c >= n && c < m) {
          m = c;
        }
      }
      delta += (long) (m - n) * (handled + 1);
      n = m;
      for (int c : codePoints) {
        if (c < n) {
          delta++;
        } else if (c == n) {
          long q = delta;
          for (int k = BASE; ; k += BASE) {
            int t = threshold(k, bias);
            if (q < t) {
              break;
            }
            out.append(digitChar((int) (t + (q - t) % (BASE - t))));
            q = (q - t) / (BASE - t);
          }
          out.append(digitChar((int) q));
          bias = adapt(delta, handled + 1, handled == basic);
          delta = 0;
          handled++;
        }
      }
      delta++;
      n++;
    }
    return out.toString();
  }

  private static int threshold(int k, int bias) {
    return k <= bias ? TMIN : k >= bias + TMAX ? TMAX : k - bias;
  }

  private static int adapt(long delta, int points, boolean first) {
    delta = first ? delta / DAMP : delta / 2;
    delta += delta / points;
    int k = 0;
    while (delta > ((BASE - TMIN) * TMAX) / 2) {
      delta /= BASE - TMIN;
      k += BASE;
    }
    return (int) (k + (BASE - TMIN + 1) * delta / (delta + SKEW));
  }

  private static int digit(char c) {
    if (c >= 'a' && c <= 'z') {
      return c - 'a';
    }
    if (c >= '0' && c <= '9') {
      return c - '0' + 26;
    }
    return -1;
  }

  private static char digitChar(int d) {
    return (char) (d < 26 ? 'a' + d : '0' + d - 26);
  }
}
