/**
 * Fraud screening of referrals: the engine's rules (self-referral, duplicate identity, disposable email, velocity)
 * and the host's, in {@link io.loyaltyengine.core.fraud.FraudRules}, with the shipped list of disposable email
 * domains. Pure: the caller reads the referrer's signup and the velocity counts from storage and passes them in.
 */
package io.loyaltyengine.core.fraud;
