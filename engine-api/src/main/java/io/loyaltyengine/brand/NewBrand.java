package io.loyaltyengine.brand;

/**
 * A request to create a brand. Immutable.
 *
 * <p>{@code website} may be a URL or a bare host name; the engine keeps the host name only, lower-cased, in ASCII form:
 * {@code https://Shop.Example.com/path} becomes {@code shop.example.com}, and an internationalized name is stored in
 * its punycode form. A host name of one label ({@code localhost}) or an IP address (decimal, or hexadecimal as browsers
 * read {@code 0x7f.0x0.0x0.0x1}) is refused, as is a port outside 0..65535. So is a name with {@code ß}, final sigma or
 * a zero-width joiner, which the engine's IDNA2003 would map to another domain than browsers and registries (IDNA2008)
 * do: {@code straße.de} is {@code xn--strae-oqa.de}, not {@code strasse.de}; give such a name in its punycode form.
 * A label in punycode ({@code xn--}, any case) must decode to a valid internationalized label, as browsers and
 * registries require ({@code xn--zz.example.com} is refused). As browsers read a URL, a backslash ends the host as a
 * slash does, and after {@code http}, {@code https}, {@code ws}, {@code wss} or {@code ftp} any run of slashes and
 * backslashes leads to the host: {@code https:///shop.example.com} is {@code shop.example.com}.
 * {@code name} is 1..200 characters.
 *
 * @param name display name
 * @param website a URL or host name
 */
public record NewBrand(String name, String website) {
}
