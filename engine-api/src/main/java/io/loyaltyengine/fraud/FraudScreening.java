package io.loyaltyengine.fraud;

import java.net.IDN;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Engine-wide fraud-screening settings: disposable-email domains added to the list the engine ships, and the host's
 * own {@link RiskRule}s, run after the engine's rules. Immutable and thread-safe; the builder validates each value at
 * once.
 *
 * <p>The engine's rules, per referral: self-referral (an email that equals the referrer's once any {@code +tag} is
 * removed, domains compared in punycode, the referrer's visitor id or host customer id (those of its own signup, or
 * the customer id it is mapped to): HIGH; the referrer's IP address: MEDIUM, since offices and households share
 * one), duplicate identity (the invited email was enrolled in the campaign before the referral: HIGH), disposable
 * email domain (HIGH), and velocity (more signups from one IP address or visitor id within the campaign's window
 * than its limit: HIGH). The highest level wins; among equal levels, the first rule in that order, then the host's
 * rules in the order added. Per campaign, {@link io.loyaltyengine.referrals.ReferralSettings} says what MEDIUM and
 * HIGH do.
 */
public final class FraudScreening {
  /** The engine's rules and shipped domain list only. */
  public static final FraudScreening DEFAULTS = builder().build();

  private static final Pattern DOMAIN = Pattern.compile("[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)+");

  private final Set<String> disposableDomains;
  private final List<RiskRule> rules;

  private FraudScreening(Builder builder) {
    this.disposableDomains = Set.copyOf(builder.disposableDomains);
    this.rules = List.copyOf(builder.rules);
  }

  /**
   * A builder with no extra domains and no host rules.
   *
   * @return an empty builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Domains treated as disposable in addition to the shipped list, lower case (IDNs in punycode).
   *
   * @return the extra disposable domains
   */
  public Set<String> disposableDomains() {
    return disposableDomains;
  }

  /**
   * The host's rules, in the order they run.
   *
   * @return the host's rules
   */
  public List<RiskRule> rules() {
    return rules;
  }

  @Override
  public String toString() {
    return "FraudScreening[" + disposableDomains.size() + " extra disposable domains, " + rules.size()
        + " host rules]";
  }

  /** Builds {@link FraudScreening}. Not thread-safe. */
  public static final class Builder {
    private final Set<String> disposableDomains = new LinkedHashSet<>();
    private final List<RiskRule> rules = new ArrayList<>();

    private Builder() {
    }

    /**
     * Treats a domain (and its subdomains) as disposable.
     *
     * @param domain the domain name
     * @return this builder
     * @throws NullPointerException if {@code domain} is null
     * @throws IllegalArgumentException if it is not a domain name of at most 253 characters (the refusal quotes it;
     *     an email address, naming only its domain)
     */
    public Builder disposableDomain(String domain) {
      disposableDomains.add(checkDomain(domain));
      return this;
    }

    /**
     * Treats each domain as disposable. All or nothing: a refused domain leaves the builder as it was.
     *
     * @param domains the domain names
     * @return this builder
     * @throws NullPointerException if {@code domains} or one of them is null
     * @throws IllegalArgumentException as {@link #disposableDomain}
     */
    public Builder disposableDomains(Iterable<String> domains) {
      Objects.requireNonNull(domains, "domains");
      // Every domain is checked before any is added, so that a refused call changes nothing.
      List<String> checked = new ArrayList<>();
      domains.forEach(domain -> checked.add(checkDomain(domain)));
      disposableDomains.addAll(checked);
      return this;
    }

    /** The domain as stored (lower case, IDNs in punycode), or an exception naming the setting. */
    private static String checkDomain(String domain) {
      Objects.requireNonNull(domain, "domain");
      int at = domain.lastIndexOf('@');
      if (at >= 0) {
        // An email address (a list of reported addresses loaded by mistake): its domain is named, not its local
        // part, which is personal data.
        throw new IllegalArgumentException("disposableDomain must be a domain name, not an email address, but was"
            + " an address at " + quoted(domain.substring(at + 1).strip()));
      }
      String d;
      try {
        d = IDN.toASCII(domain.strip(), IDN.ALLOW_UNASSIGNED).toLowerCase(Locale.ROOT);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("disposableDomain must be a domain name, but was " + quoted(domain));
      }
      if (d.length() > 253 || !DOMAIN.matcher(d).matches()) {
        throw new IllegalArgumentException("disposableDomain must be a domain name of at most 253 characters, but was "
            + quoted(domain));
      }
      return d;
    }

    /**
     * The refused text, quoted, so that a host adding a list learns which entry it was (a domain is neither secret
     * nor personal: an email address is refused naming only its domain); cut after 64 characters, so that a long one
     * does not flood a log.
     */
    private static String quoted(String text) {
      return text.length() <= 64 ? "\"" + text + "\""
          : "\"" + text.substring(0, 64) + "...\" (" + text.length() + " characters)";
    }

    /**
     * Adds a host rule, run after the engine's rules and the rules added before it.
     *
     * @param rule the rule
     * @return this builder
     * @throws NullPointerException if {@code rule} is null
     * @throws IllegalStateException past 32 rules
     */
    public Builder rule(RiskRule rule) {
      Objects.requireNonNull(rule, "rule");
      if (rules.size() == 32) {
        throw new IllegalStateException("rule: at most 32 host rules may be added");
      }
      rules.add(rule);
      return this;
    }

    /**
     * The settings.
     *
     * @return the settings
     */
    public FraudScreening build() {
      return new FraudScreening(this);
    }
  }
}
