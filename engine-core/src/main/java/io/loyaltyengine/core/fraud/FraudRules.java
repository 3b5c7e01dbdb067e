package io.loyaltyengine.core.fraud;

import io.loyaltyengine.core.brand.DomainNames;
import io.loyaltyengine.core.internal.HostCode;
import io.loyaltyengine.core.participant.EmailAddresses;
import io.loyaltyengine.core.participant.IpAddresses;
import io.loyaltyengine.core.spi.SignupRecord;
import io.loyaltyengine.fraud.FraudScreening;
import io.loyaltyengine.fraud.ReferralCandidate;
import io.loyaltyengine.fraud.RiskLevel;
import io.loyaltyengine.fraud.RiskRule;
import io.loyaltyengine.fraud.RiskSignal;
import io.loyaltyengine.participant.Participant;
import io.loyaltyengine.referrals.ReferralSettings;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.IDN;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * The engine's fraud screening of a new referral, followed by the host's {@link RiskRule}s (see
 * {@link FraudScreening} for what each rule means).
 *
 * <h2>Rules, in order</h2>
 * <ol>
 *   <li>{@value #SELF_REFERRAL_EMAIL} (HIGH): the invited participant's sanitized email equals the referrer's once a
 *       {@code +tag} is removed from both local parts, whatever the domain (gmail's dots and tags are already folded
 *       by sanitizing), each domain compared in punycode ({@code bücher.de} is {@code xn--bcher-kva.de}).</li>
 *   <li>{@value #SELF_REFERRAL_VISITOR} (HIGH): the signup's visitor id is the one of the referrer's first signup.</li>
 *   <li>{@value #SELF_REFERRAL_CUSTOMER} (HIGH): the signup's customer id is the one of the referrer's first
 *       signup, or the one the referrer is mapped to ({@link io.loyaltyengine.customers.CustomerMappings}, which
 *       single sign-on also writes).</li>
 *   <li>{@value #SELF_REFERRAL_IP} (MEDIUM): the signup's IP address is the referrer's (as enrolled, or as of its first
 *       signup); addresses are compared in a canonical form, so {@code 2001:DB8::1} is {@code 2001:db8:0:0:0:0:0:1}
 *       and {@code ::ffff:192.0.2.1} is {@code 192.0.2.1}. MEDIUM only: offices and households share one.</li>
 *   <li>{@value #DUPLICATE_IDENTITY} (HIGH): the invited participant was enrolled before this signup.</li>
 *   <li>{@value #DISPOSABLE_EMAIL} (HIGH): the invited email's domain, or a parent domain of it, is disposable.</li>
 *   <li>{@value #VELOCITY_IP} (HIGH): the campaign had at least {@link ReferralSettings#velocityLimit()} earlier
 *       signups from the signup's IP address within its window (counted in canonical form, so however each was
 *       written).</li>
 *   <li>{@value #VELOCITY_VISITOR} (HIGH): the same for the signup's visitor id.</li>
 *   <li>The host's rules, in the order added; a LOW signal of theirs is no signal (ignored).</li>
 * </ol>
 * The highest level wins; among equal levels, the first in that order. Since nothing is above HIGH, screening stops
 * at the first HIGH signal (later rules, the host's included, are not asked).
 *
 * <h2>Disposable domains</h2>
 * The list shipped in {@code disposable-domains.txt} beside this class (read once per class loader), plus the
 * host's {@link FraudScreening#disposableDomains()}. A subdomain of a listed domain is disposable too.
 *
 * <p>Immutable and thread-safe (host rules must be thread-safe themselves). A host rule that throws (an exception, an
 * error such as {@link NoClassDefFoundError} or {@link AssertionError}, or a {@link StackOverflowError}; not another
 * {@link VirtualMachineError}) is logged with its class name and the throwable's type only (its message may hold
 * personal data) and skipped.
 */
public final class FraudRules {
  /** Reason: the invited email is the referrer's with a {@code +tag}. */
  public static final String SELF_REFERRAL_EMAIL = "SELF_REFERRAL_EMAIL";
  /** Reason: the signup's visitor id is the referrer's. */
  public static final String SELF_REFERRAL_VISITOR = "SELF_REFERRAL_VISITOR";
  /** Reason: the signup's customer id is the referrer's. */
  public static final String SELF_REFERRAL_CUSTOMER = "SELF_REFERRAL_CUSTOMER";
  /** Reason: the signup's IP address is the referrer's. */
  public static final String SELF_REFERRAL_IP = "SELF_REFERRAL_IP";
  /** Reason: the invited participant was enrolled before the signup. */
  public static final String DUPLICATE_IDENTITY = "DUPLICATE_IDENTITY";
  /** Reason: the invited email's domain is disposable. */
  public static final String DISPOSABLE_EMAIL = "DISPOSABLE_EMAIL";
  /** Reason: too many recent signups from the IP address. */
  public static final String VELOCITY_IP = "VELOCITY_IP";
  /** Reason: too many recent signups from the visitor id. */
  public static final String VELOCITY_VISITOR = "VELOCITY_VISITOR";

  /** The signal of a referral no rule raised anything about. */
  public static final RiskSignal NONE = RiskSignal.of(RiskLevel.LOW, RiskSignal.NO_SIGNAL);

  private static final RiskSignal EMAIL = RiskSignal.of(RiskLevel.HIGH, SELF_REFERRAL_EMAIL);
  private static final RiskSignal VISITOR = RiskSignal.of(RiskLevel.HIGH, SELF_REFERRAL_VISITOR);
  private static final RiskSignal CUSTOMER = RiskSignal.of(RiskLevel.HIGH, SELF_REFERRAL_CUSTOMER);
  private static final RiskSignal IP = RiskSignal.of(RiskLevel.MEDIUM, SELF_REFERRAL_IP);
  private static final RiskSignal DUPLICATE = RiskSignal.of(RiskLevel.HIGH, DUPLICATE_IDENTITY);
  private static final RiskSignal DISPOSABLE = RiskSignal.of(RiskLevel.HIGH, DISPOSABLE_EMAIL);
  private static final RiskSignal FAST_IP = RiskSignal.of(RiskLevel.HIGH, VELOCITY_IP);
  private static final RiskSignal FAST_VISITOR = RiskSignal.of(RiskLevel.HIGH, VELOCITY_VISITOR);

  private static final System.Logger LOG = System.getLogger(FraudRules.class.getName());
  private static final String LIST = "disposable-domains.txt";
  private static final Set<String> SHIPPED = load();

  private final Set<String> hostDomains;
  private final List<RiskRule> hostRules;

  /**
   * Screening with the shipped domain list and the host's settings.
   *
   * @throws NullPointerException if {@code screening} is null
   */
  public FraudRules(FraudScreening screening) {
    Objects.requireNonNull(screening, "screening");
    this.hostDomains = screening.disposableDomains();
    this.hostRules = screening.rules();
  }

  /** Number of domains in the shipped list. */
  public static int shippedDomainCount() {
    return SHIPPED.size();
  }

  /**
   * Whether the domain of an email (everything after its last {@code @}), or the domain itself, or a parent domain
   * of it, is disposable. Case-insensitive; Unicode domains are compared in punycode. Null or blank is not. Never
   * throws.
   */
  public boolean isDisposable(String emailOrDomain) {
    if (emailOrDomain == null) {
      return false;
    }
    String domain = emailOrDomain.substring(emailOrDomain.lastIndexOf('@') + 1).strip();
    if (domain.endsWith(".")) {
      domain = domain.substring(0, domain.length() - 1);
    }
    domain = toAscii(domain.toLowerCase(Locale.ROOT));
    while (!domain.isEmpty()) {
      if (SHIPPED.contains(domain) || hostDomains.contains(domain)) {
        return true;
      }
      int dot = domain.indexOf('.');
      if (dot < 0) {
        return false;
      }
      domain = domain.substring(dot + 1);
    }
    return false;
  }

  /**
   * Screens a referral.
   *
   * @param candidate the referral
   * @param referrerSignup the facts of the referrer's first signup, or null if it never signed up through one
   * @param referrerCustomerId the host customer id the referrer is mapped to in its campaign, or null
   * @param recentSignupsFromIp the campaign's earlier signups from the candidate's IP address within the velocity
   *     window (not counting this one); ignored when the candidate has no IP address
   * @param recentSignupsFromVisitor the same for the candidate's visitor id
   * @param settings the campaign's settings (for the velocity limit)
   * @return the highest signal, first in rule order among equals; LOW with {@link RiskSignal#NO_SIGNAL} if none
   * @throws NullPointerException if {@code candidate} or {@code settings} is null
   */
  public RiskSignal screen(ReferralCandidate candidate, SignupRecord referrerSignup, String referrerCustomerId,
      long recentSignupsFromIp, long recentSignupsFromVisitor, ReferralSettings settings) {
    Objects.requireNonNull(candidate, "candidate");
    Objects.requireNonNull(settings, "settings");
    Participant referrer = candidate.referrer();
    Participant invited = candidate.invited();
    if (sameEmail(invited.sanitizedEmail(), referrer.sanitizedEmail())) {
      return EMAIL;
    }
    if (referrerSignup != null && same(candidate.visitorId(), referrerSignup.visitorId())) {
      return VISITOR;
    }
    if ((referrerSignup != null && same(candidate.customerId(), referrerSignup.customerId()))
        || same(candidate.customerId(), referrerCustomerId)) {
      return CUSTOMER;
    }
    RiskSignal best = null;
    String ip = candidate.ipAddress() == null ? null : IpAddresses.canonical(candidate.ipAddress());
    if (ip != null && (ip.equals(IpAddresses.canonical(referrer.ipAddress()))
        || (referrerSignup != null && ip.equals(IpAddresses.canonical(referrerSignup.ipAddress()))))) {
      best = IP;
    }
    if (candidate.invitedExisted()) {
      return DUPLICATE;
    }
    if (isDisposable(invited.sanitizedEmail())) {
      return DISPOSABLE;
    }
    if (candidate.ipAddress() != null && recentSignupsFromIp >= settings.velocityLimit()) {
      return FAST_IP;
    }
    if (candidate.visitorId() != null && recentSignupsFromVisitor >= settings.velocityLimit()) {
      return FAST_VISITOR;
    }
    for (RiskRule rule : hostRules) {
      RiskSignal signal = assess(rule, candidate);
      // A LOW signal is no signal: a LOW referral's reason is NO_SIGNAL, whatever reason the rule gave.
      if (signal != null && signal.level() != RiskLevel.LOW
          && (best == null || signal.level().compareTo(best.level()) > 0)) {
        best = signal;
        if (best.level() == RiskLevel.HIGH) {
          return best;
        }
      }
    }
    return best == null ? NONE : best;
  }

  /**
   * Whether an order's buyer is its referrer: the buyer's email is the referrer's mailbox (compared as
   * {@link #screen} compares an invited participant's), or the buyer's customer id is the referrer's, from its
   * signup or its customer mapping. A null never matches. Unlike the signals of {@link #screen}, this is an identity,
   * not a likelihood, so no campaign setting weighs it. Never throws for nulls.
   *
   * @param buyerEmail the buyer's sanitized email, or null
   * @param buyerCustomerId the buyer's customer id, or null
   * @param referrer the code's participant
   * @param referrerSignup the facts of the referrer's first signup, or null
   * @param referrerCustomerId the host customer id the referrer is mapped to, or null
   * @return whether the order is a self-referral
   */
  public static boolean isSelfPurchase(String buyerEmail, String buyerCustomerId, Participant referrer,
      SignupRecord referrerSignup, String referrerCustomerId) {
    return sameEmail(buyerEmail, referrer.sanitizedEmail())
        || (referrerSignup != null && same(buyerCustomerId, referrerSignup.customerId()))
        || same(buyerCustomerId, referrerCustomerId);
  }

  @Override
  public String toString() {
    return "FraudRules[" + SHIPPED.size() + " shipped and " + hostDomains.size() + " host disposable domains, "
        + hostRules.size() + " host rules]";
  }

  private static RiskSignal assess(RiskRule rule, ReferralCandidate candidate) {
    try {
      Optional<RiskSignal> signal = rule.assess(candidate);
      return signal == null ? null : signal.orElse(null);
    } catch (Throwable e) {
      // Errors too (a class the rule needs missing or failing to initialise, its own assertion, a stack overflow):
      // caught as exceptions only, they failed every referred signup, where a broken rule is to be skipped.
      HostCode.rethrowIfFatal(e);
      // Only class names: a rule's exception message may quote the candidate's email or IP address.
      LOG.log(System.Logger.Level.WARNING, "fraud rule " + rule.getClass().getName() + " failed with "
          + e.getClass().getName() + " and was skipped");
      return null;
    }
  }

  private static boolean same(String a, String b) {
    return a != null && a.equals(b);
  }

  /**
   * Whether two sanitized emails are one once a {@code +tag} is removed from each local part and each domain is
   * written in punycode (a domain in Unicode and in punycode is one domain name, so one mailbox; sanitizing keeps the
   * form given), but for one with a character IDNA2003 and IDNA2008 map differently ({@code ß}, {@code ς}). A
   * domain that is gmail's once in punycode (written in full-width letters, say) folds as sanitizing folds gmail's.
   */
  static boolean sameEmail(String a, String b) {
    if (a == null || b == null) {
      return false;
    }
    return comparable(a).equals(comparable(b));
  }

  private static String comparable(String email) {
    int at = email.lastIndexOf('@');
    String local = email.substring(0, Math.max(at, 0));
    String domain = email.substring(at + 1);
    // java.net.IDN maps as IDNA2003 did: the deviations (sharp s, final sigma, the joiners) become other letters,
    // which IDNA2008 keeps, so faß.de would compare as fass.de, another domain name. Such a domain is kept as given.
    if (!DomainNames.hasIdnaDeviation(domain)) {
      domain = toAscii(domain);
    }
    int plus = local.indexOf('+');
    // A local part that is all tag ("+x@...") keeps it: it has nothing else to compare.
    if (plus > 0) {
      local = local.substring(0, plus);
    }
    if (EmailAddresses.isGmail(domain)) {
      local = EmailAddresses.gmailLocal(local);
      domain = EmailAddresses.GMAIL;
    }
    return local + "@" + domain;
  }

  private static String toAscii(String domain) {
    for (int i = 0; i < domain.length(); i++) {
      if (domain.charAt(i) >= 128) {
        try {
          return IDN.toASCII(domain, IDN.ALLOW_UNASSIGNED).toLowerCase(Locale.ROOT);
        } catch (IllegalArgumentException e) {
          return domain;
        }
      }
    }
    return domain;
  }

  private static Set<String> load() {
    Set<String> domains = new HashSet<>(1024);
    try (InputStream in = FraudRules.class.getResourceAsStream(LIST)) {
      if (in == null) {
        throw new IllegalStateException(LIST + " is missing from the engine-core jar");
      }
      BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
      for (String line = reader.readLine(); line != null; line = reader.readLine()) {
        int hash = line.indexOf('#');
        String domain = (hash < 0 ? line : line.substring(0, hash)).strip().toLowerCase(Locale.ROOT);
        if (!domain.isEmpty()) {
          domains.add(domain);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("reading " + LIST, e);
    }
    return Set.copyOf(domains);
  }
}
